namespace Clip.Training;

/// <summary>
/// A trained linear head: <c>logits = W·x + b</c>, <see cref="Weights"/> row-major classes × dimension
/// in logit units (the form <c>Clip.Inference.ZeroShot.ClassifierHead</c> takes).
/// </summary>
/// <param name="Weights">Classes × dimension, row-major, in logit units.</param>
/// <param name="Bias">One per class, in logit units.</param>
/// <param name="Epochs">Training epochs run (early stopping may end before the maximum).</param>
/// <param name="BestValidationLoss">The validation loss of the returned weights; epoch 0 (the zero-shot start) counts.</param>
public sealed record TrainedHead(float[] Weights, float[] Bias, int Epochs, double BestValidationLoss);
