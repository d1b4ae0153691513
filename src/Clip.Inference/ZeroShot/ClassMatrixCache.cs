using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Microsoft.Extensions.Logging;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// Class matrices on disk, one file per (model id, taxonomy version). A file that is unreadable,
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

    private const int FormatVersion = 1;
    private const int MaxClasses = 1_000_000;
    private const int MaxDimension = 65_536;
    private static readonly byte[] Magic = "CLIPCLSM"u8.ToArray();

    private readonly ILogger<ClassMatrixCache> _logger;

    public ClassMatrixCache(string directoryPath, ILogger<ClassMatrixCache> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directoryPath);
        ArgumentNullException.ThrowIfNull(logger);
        DirectoryPath = Path.GetFullPath(directoryPath);
        _logger = logger;
    }

    public string DirectoryPath { get; }

    /// <summary>The cached matrix of (model, taxonomy), or the one <paramref name="build"/> makes, then cached.</summary>
    public ClassMatrix GetOrBuild(string modelId, Taxonomy taxonomy, Func<ClassMatrix> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (TryRead(modelId, taxonomy) is { } cached)
        {
            return cached;
        }

        var built = build();
        if (built.ModelId != modelId || built.TaxonomyVersion != taxonomy.Version)
        {
            throw new InvalidOperationException(
                $"built a class matrix for ({built.ModelId}, {built.TaxonomyVersion}) when ({modelId}, {taxonomy.Version}) was asked for");
        }

        Log.ClassMatrixBuilt(_logger, taxonomy.Name, taxonomy.Version, modelId, built.Count, built.Dimension);
        Write(built);
        return built;
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
            var matrix = Decode(bytes);
            if (matrix.ModelId != modelId || matrix.TaxonomyVersion != taxonomy.Version)
            {
                throw new InvalidDataException($"holds ({matrix.ModelId}, {matrix.TaxonomyVersion})");
            }

            if (!matrix.ClassIds.SequenceEqual(taxonomy.Classes.Select(c => c.Id), StringComparer.Ordinal))
            {
                throw new InvalidDataException("class ids differ from the taxonomy's");
            }

            Log.ClassMatrixCacheHit(_logger, taxonomy.Version, modelId, path);
            return matrix;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
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

    internal static byte[] Encode(ClassMatrix matrix)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            foreach (var id in matrix.ClassIds)
            {
                writer.Write(id);
            }

            writer.Write(Float32LittleEndian.Encode(matrix.Values));
        }

        using var file = new MemoryStream();
        using (var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(matrix.ModelId);
            writer.Write(matrix.TaxonomyVersion);
            writer.Write(matrix.Count);
            writer.Write(matrix.Dimension);
            writer.Write(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
            writer.Write(body.GetBuffer(), 0, (int)body.Length);
        }

        return file.ToArray();
    }

    internal static ClassMatrix Decode(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a class matrix file");
        }

        var format = reader.ReadInt32();
        if (format != FormatVersion)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"format version {format}, expected {FormatVersion}"));
        }

        var modelId = reader.ReadString();
        var taxonomyVersion = reader.ReadString();
        var count = reader.ReadInt32();
        var dimension = reader.ReadInt32();
        if (count is < 1 or > MaxClasses || dimension is < 1 or > MaxDimension)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"implausible shape {count}×{dimension}"));
        }

        var checksum = reader.ReadBytes(SHA256.HashSizeInBytes);
        var bodyStart = (int)stream.Position;
        if (!SHA256.HashData(bytes.AsSpan(bodyStart)).AsSpan().SequenceEqual(checksum))
        {
            throw new InvalidDataException("checksum mismatch");
        }

        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = reader.ReadString();
        }

        var floats = bytes.AsSpan((int)stream.Position);
        if (floats.Length != (long)count * dimension * sizeof(float))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{floats.Length} bytes of values for {count}×{dimension}"));
        }

        var values = Float32LittleEndian.Decode(floats);
        if (!values.All(float.IsFinite))
        {
            throw new InvalidDataException("non-finite value");
        }

        return new ClassMatrix(modelId, taxonomyVersion, ids, values, dimension);
    }

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
