namespace Clip.Training;

/// <summary>An L2-normalised image embedding with its human-verified class (a row index of the class matrix).</summary>
public sealed record LabelledVector(float[] Embedding, int ClassIndex);
