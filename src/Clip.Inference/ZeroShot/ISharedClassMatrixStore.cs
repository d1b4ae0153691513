namespace Clip.Inference.ZeroShot;

/// <summary>
/// Class matrices kept where every worker can read them (the results database), so a new pod reuses the matrix the
/// first one embedded instead of encoding every prompt again. The store keeps bytes; <see cref="ClassMatrixCache"/>
/// encodes them and trusts nothing it reads back without its checksum and key.
/// </summary>
public interface ISharedClassMatrixStore
{
    /// <summary>The stored encoding of the (model, taxonomy version) class matrix, or null when none is stored.</summary>
    Task<byte[]?> FindClassMatrixAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default);

    /// <summary>Stores an encoded class matrix; one already stored for the same key is kept (the first writer wins).</summary>
    Task SaveClassMatrixAsync(string modelId, string taxonomyVersion, byte[] encoded, CancellationToken cancellationToken = default);
}
