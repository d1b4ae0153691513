using System.Buffers;
using Clip.Inference.Imaging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// A downloaded, decoded and preprocessed image waiting for the encoder. <see cref="Pixels"/> is rented from
/// <see cref="ArrayPool{T}.Shared"/> and holds at least one image tensor; the encode stage returns it.
/// </summary>
internal sealed record PreparedImage(
    ImageJob Job,
    string EtagOrHash,
    long SizeBytes,
    ImageSize Size,
    float[] Pixels,
    double FetchMs,
    double DecodeMs);
