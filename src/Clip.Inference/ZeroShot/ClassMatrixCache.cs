using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Microsoft.Extensions.Logging;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// Class matrices on disk, one file per (model id, taxonomy version), in front of an optional
/// <see cref="ISharedClassMatrixStore"/> that every worker reads. A file that is unreadable,
/// fails its checksum or holds another key is ignored and rebuilt, never trusted. Writers go through
/// a temporary file and an atomic rename, so concurrent workers never read a half-written matrix.
/// </summary>
/// <remarks>
/// Format (little-endian): magic <c>CLIPCLSM</c>, format version (int32), model id and taxonomy
/// version (length-prefixed UTF-8), class count and dimension (int32), SHA-256 of the body (32 bytes);
/// body: the class ids (length-prefixed UTF-8), then count × dimension float32.
/// </remarks>
public sealed class ClassMatrixCache
{
    public const string FileExtension = ".classes";

    private static readonly ChecksummedFormat FileFormat = new("class matrix file", "CLIPCLSM"u8, formatVersion: 1);

    private readonly ILogger<ClassMatrixCache> _logger;

    public ClassMatrixCache(string directoryPath, ILogger<ClassMatrixCache> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directoryPath);
        ArgumentNullException.ThrowIfNull(logger);
        DirectoryPath = Path.GetFullPath(directoryPath);
        _logger = logger;
    }

    public string DirectoryPath { get; }

    /// <summary>
    /// The matrix of (model, taxonomy): from this machine's cache folder, else from <paramref name="shared"/> (then kept
    /// in the folder too), else the one <paramref name="build"/> makes, then stored in both. The shared store is a cache:
    /// when it cannot be reached, or holds a matrix that fails its checks, that is logged and the lookup goes on.
    /// </summary>
    public async Task<(ClassMatrix Matrix, ClassMatrixOrigin Origin)> GetOrBuildAsync(
        string modelId, Taxonomy taxonomy, Func<ClassMatrix> build, ISharedClassMatrixStore? shared = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (TryRead(modelId, taxonomy) is { } cached)
        {
            return (cached, ClassMatrixOrigin.CacheFile);
        }

        if (shared is not null && await TryReadSharedAsync(shared, modelId, taxonomy, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            Write(stored);
            return (stored, ClassMatrixOrigin.SharedStore);
        }

        var built = build();
        if (built.ModelId != modelId || built.TaxonomyVersion != taxonomy.Version)
        {
            throw new InvalidOperationException(
                $"built a class matrix for ({built.ModelId}, {built.TaxonomyVersion}) when ({modelId}, {taxonomy.Version}) was asked for");
        }

        Log.ClassMatrixBuilt(_logger, taxonomy.Name, taxonomy.Version, modelId, built.Count, built.Dimension);
        Write(built);
        if (shared is not null)
        {
            await TryWriteSharedAsync(shared, built, cancellationToken).ConfigureAwait(false);
        }

        return (built, ClassMatrixOrigin.Built);
    }

    /// <summary>The file a (model, taxonomy version) pair is cached in.</summary>
    public string PathFor(string modelId, string taxonomyVersion)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ArgumentNullException.ThrowIfNull(taxonomyVersion);
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(modelId + "\n" + taxonomyVersion));
        return Path.Combine(DirectoryPath, Convert.ToHexStringLower(key.AsSpan(0, 16)) + FileExtension);
    }

    /// <summary>The cached matrix, or null when there is none or it cannot be trusted.</summary>
    public ClassMatrix? TryRead(string modelId, Taxonomy taxonomy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(taxonomy);
        var path = PathFor(modelId, taxonomy.Version);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.ClassMatrixCacheIgnored(_logger, path, e.Message);
            return null;
        }

        try
        {
            var matrix = DecodeFor(bytes, modelId, taxonomy);
            Log.ClassMatrixCacheHit(_logger, taxonomy.Version, modelId, path);
            return matrix;
        }
        catch (InvalidDataException e)
        {
            Log.ClassMatrixCacheIgnored(_logger, path, e.Message);
            return null;
        }
    }

    /// <summary>Stores a matrix; a failure to write is logged, not thrown, since the matrix can be rebuilt.</summary>
    public void Write(ClassMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var path = PathFor(matrix.ModelId, matrix.TaxonomyVersion);
        var temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(DirectoryPath);
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(Encode(matrix));
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.ClassMatrixCacheWriteFailed(_logger, path, e.Message);
            TryDelete(temporary);
        }
    }

    internal static byte[] Encode(ClassMatrix matrix) => FileFormat.Encode(
        header: writer =>
        {
            writer.Write(matrix.ModelId);
            writer.Write(matrix.TaxonomyVersion);
            writer.Write(matrix.Count);
            writer.Write(matrix.Dimension);
        },
        body: writer =>
        {
            foreach (var id in matrix.ClassIds)
            {
                writer.Write(id);
            }

            writer.Write(Float32LittleEndian.Encode(matrix.Values));
        });

    /// <exception cref="InvalidDataException">Not a class matrix file, or damaged.</exception>
    internal static ClassMatrix Decode(byte[] bytes) => FileFormat.Decode(
        bytes,
        header: reader => (ModelId: reader.ReadString(), TaxonomyVersion: reader.ReadString(), Shape: FileFormat.ReadShape(reader)),
        body: (reader, header) =>
        {
            var (count, dimension) = header.Shape;
            var ids = ChecksummedFormat.ReadStrings(reader, count);
            var values = ChecksummedFormat.ReadFloats(reader, (long)count * dimension);
            if (!values.All(float.IsFinite))
            {
                throw new InvalidDataException("non-finite value");
            }

            return new ClassMatrix(header.ModelId, header.TaxonomyVersion, ids, values, dimension);
        });

    /// <exception cref="InvalidDataException">Damaged, or the matrix of another key or of other classes.</exception>
    private static ClassMatrix DecodeFor(byte[] bytes, string modelId, Taxonomy taxonomy)
    {
        var matrix = Decode(bytes);
        if (matrix.ModelId != modelId || matrix.TaxonomyVersion != taxonomy.Version)
        {
            throw new InvalidDataException($"holds ({matrix.ModelId}, {matrix.TaxonomyVersion})");
        }

        if (!matrix.ClassIds.SequenceEqual(taxonomy.Classes.Select(c => c.Id), StringComparer.Ordinal))
        {
            throw new InvalidDataException("class ids differ from the taxonomy's");
        }

        return matrix;
    }

    private async Task<ClassMatrix?> TryReadSharedAsync(ISharedClassMatrixStore shared, string modelId, Taxonomy taxonomy, CancellationToken cancellationToken)
    {
        try
        {
            if (await shared.FindClassMatrixAsync(modelId, taxonomy.Version, cancellationToken).ConfigureAwait(false) is not { } bytes)
            {
                return null;
            }

            var matrix = DecodeFor(bytes, modelId, taxonomy);
            Log.ClassMatrixSharedHit(_logger, taxonomy.Version, modelId);
            return matrix;
        }
        catch (Exception e) when (IsSharedStoreFailure(e, cancellationToken))
        {
            Log.ClassMatrixSharedUnusable(_logger, taxonomy.Version, modelId, e.Message);
            return null;
        }
    }

    private async Task TryWriteSharedAsync(ISharedClassMatrixStore shared, ClassMatrix matrix, CancellationToken cancellationToken)
    {
        try
        {
            await shared.SaveClassMatrixAsync(matrix.ModelId, matrix.TaxonomyVersion, Encode(matrix), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsSharedStoreFailure(e, cancellationToken))
        {
            Log.ClassMatrixSharedWriteFailed(_logger, matrix.TaxonomyVersion, matrix.ModelId, e.Message);
        }
    }

    // A database that is down, slow or not yet migrated costs a rebuild, never the start; a cancelled start still stops.
    private static bool IsSharedStoreFailure(Exception e, CancellationToken cancellationToken) =>
        e is DbException or TimeoutException or IOException or InvalidDataException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.ClassMatrixCacheWriteFailed(_logger, path, e.Message);
        }
    }
}
