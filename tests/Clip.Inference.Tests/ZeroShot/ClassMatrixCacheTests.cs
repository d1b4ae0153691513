using Clip.Inference.Taxonomies;
using Clip.Inference.Tests.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.TestUtilities;
using Microsoft.Extensions.Logging;

namespace Clip.Inference.Tests.ZeroShot;

public sealed class ClassMatrixCacheTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly RecordingLogger<ClassMatrixCache> _logger = new();
    private readonly Taxonomy _taxonomy = TaxonomyJson.Classes("{}", "a", "b", "c");
    private readonly ClassMatrixCache _cache;
    private int _builds;

    public ClassMatrixCacheTests() => _cache = new ClassMatrixCache(_folder.Path, _logger);

    public void Dispose() => _folder.Dispose();

    /// <summary>A file format version 1 as the first implementation wrote it, kept so later writers and readers prove they agree.</summary>
    private const string FormatVersion1Hex =
        "434C4950434C534D01000000116D6F64656C407368613235363A303132330B7368613235363A61626364020000000200" +
        "000000726ED3928DAC51A57EED07C0FED0A0A4703C2C78A3687B68F675F586652C01036361740464C3B6670000803F00" +
        "0000009A99193FCDCC4CBF";

    private static ClassMatrix PinnedMatrix() => new("model@sha256:0123", "sha256:abcd", ["cat", "dög"], [1f, 0f, 0.6f, -0.8f], 2);

    private ClassMatrix Matrix(string modelId = "m") =>
        new(modelId, _taxonomy.Version, ["a", "b", "c"], [1f, 0f, 0f, 1f, 0.6f, -0.8f], 2);

    private ClassMatrix Build(string modelId = "m")
    {
        _builds++;
        return Matrix(modelId);
    }

    [Fact]
    public void TryRead_AfterWrite_GivesTheSameMatrix()
    {
        _cache.Write(Matrix());

        var read = _cache.TryRead("m", _taxonomy);

        Assert.NotNull(read);
        Assert.Equal(Matrix().Values.ToArray(), read.Values.ToArray());
        Assert.Equal(["a", "b", "c"], read.ClassIds);
        Assert.Equal(("m", _taxonomy.Version, 2), (read.ModelId, read.TaxonomyVersion, read.Dimension));
    }

    [Fact]
    public async Task GetOrBuild_SecondCall_ReadsTheCacheInsteadOfBuilding()
    {
        await _cache.GetOrBuildAsync("m", _taxonomy, () => Build());
        var (second, origin) = await new ClassMatrixCache(_folder.Path, _logger).GetOrBuildAsync("m", _taxonomy, () => Build());

        Assert.Equal(1, _builds);
        Assert.Equal(ClassMatrixOrigin.CacheFile, origin);
        Assert.Equal(Matrix().Values.ToArray(), second.Values.ToArray());
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));
    }

    [Fact]
    public async Task GetOrBuild_OtherModel_BuildsItsOwnMatrix()
    {
        await _cache.GetOrBuildAsync("m", _taxonomy, () => Build());
        var (other, origin) = await _cache.GetOrBuildAsync("other", _taxonomy, () => Build("other"));

        Assert.Equal(2, _builds);
        Assert.Equal(ClassMatrixOrigin.Built, origin);
        Assert.Equal("other", other.ModelId);
    }

    [Fact]
    public async Task GetOrBuild_AnotherMachineStoredTheMatrix_ReadsTheSharedStoreAndKeepsAFile()
    {
        var shared = new SharedStore();
        using var otherMachine = new TemporaryDirectory();
        await new ClassMatrixCache(otherMachine.Path, _logger).GetOrBuildAsync("m", _taxonomy, () => Build(), shared);

        var (matrix, origin) = await _cache.GetOrBuildAsync("m", _taxonomy, () => Build(), shared);

        Assert.Equal(1, _builds);
        Assert.Equal(ClassMatrixOrigin.SharedStore, origin);
        Assert.Equal(Matrix().Values.ToArray(), matrix.Values.ToArray());
        Assert.NotNull(_cache.TryRead("m", _taxonomy));
    }

    [Fact]
    public async Task GetOrBuild_SharedMatrixDamaged_IsRebuiltWithAWarning()
    {
        var shared = new SharedStore();
        var bytes = ClassMatrixCache.Encode(Matrix());
        bytes[^2] ^= 0x5A;
        shared.Rows[("m", _taxonomy.Version)] = bytes;

        var (matrix, origin) = await _cache.GetOrBuildAsync("m", _taxonomy, () => Build(), shared);

        Assert.Equal((1, ClassMatrixOrigin.Built), (_builds, origin));
        Assert.Equal(Matrix().Values.ToArray(), matrix.Values.ToArray());
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("is unusable, it will be built here", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetOrBuild_SharedStoreDown_BuildsAndStillCachesTheFile()
    {
        var shared = new SharedStore { Failure = new TimeoutException("the database did not answer") };

        var (_, origin) = await _cache.GetOrBuildAsync("m", _taxonomy, () => Build(), shared);

        Assert.Equal((1, ClassMatrixOrigin.Built), (_builds, origin));
        Assert.NotNull(_cache.TryRead("m", _taxonomy));
        Assert.Contains(_logger.Entries, e => e.Message.Contains("the database did not answer", StringComparison.Ordinal) && e.Message.Contains("unusable", StringComparison.Ordinal));
        Assert.Contains(_logger.Entries, e => e.Message.Contains("for other workers", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetOrBuild_StartCancelled_StopsInsteadOfBuilding()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var shared = new SharedStore { Failure = new OperationCanceledException(cancelled.Token) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _cache.GetOrBuildAsync("m", _taxonomy, () => Build(), shared, cancelled.Token));
        Assert.Equal(0, _builds);
    }

    /// <summary>An in-memory shared store: a dictionary that fails every call with <see cref="Failure"/> when set.</summary>
    private sealed class SharedStore : ISharedClassMatrixStore
    {
        public Dictionary<(string, string), byte[]> Rows { get; } = [];

        public Exception? Failure { get; init; }

        public Task<byte[]?> FindClassMatrixAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default) =>
            Failure is not null ? Task.FromException<byte[]?>(Failure) : Task.FromResult(Rows.GetValueOrDefault((modelId, taxonomyVersion)));

        public Task SaveClassMatrixAsync(string modelId, string taxonomyVersion, byte[] encoded, CancellationToken cancellationToken = default)
        {
            if (Failure is not null)
            {
                return Task.FromException(Failure);
            }

            Rows.TryAdd((modelId, taxonomyVersion), encoded);
            return Task.CompletedTask;
        }
    }

    [Theory]
    [InlineData(-3)] // a float of the body: fails the checksum
    [InlineData(9)] // the format version
    public async Task GetOrBuild_CorruptFile_IsIgnoredAndRebuilt(int byteFromStartOrEnd)
    {
        _cache.Write(Matrix());
        var path = _cache.PathFor("m", _taxonomy.Version);
        var bytes = File.ReadAllBytes(path);
        bytes[byteFromStartOrEnd < 0 ? bytes.Length + byteFromStartOrEnd : byteFromStartOrEnd] ^= 0x5A;
        File.WriteAllBytes(path, bytes);

        var (matrix, _) = await _cache.GetOrBuildAsync("m", _taxonomy, () => Build());

        Assert.Equal(1, _builds);
        Assert.Equal(Matrix().Values.ToArray(), matrix.Values.ToArray());
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Ignoring cached class matrix", StringComparison.Ordinal));
        Assert.NotNull(_cache.TryRead("m", _taxonomy));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(40)]
    public void TryRead_TruncatedFile_GivesNothing(int length)
    {
        _cache.Write(Matrix());
        var path = _cache.PathFor("m", _taxonomy.Version);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..length]);

        Assert.Null(_cache.TryRead("m", _taxonomy));
    }

    [Fact]
    public void TryRead_FileOfAnotherKey_IsNotTrusted()
    {
        _cache.Write(Matrix("other"));
        File.Copy(_cache.PathFor("other", _taxonomy.Version), _cache.PathFor("m", _taxonomy.Version));

        Assert.Null(_cache.TryRead("m", _taxonomy));
        Assert.Contains(_logger.Entries, e => e.Message.Contains("holds (other,", StringComparison.Ordinal));
    }

    [Fact]
    public void TryRead_NoFile_GivesNothingWithoutWarning()
    {
        Assert.Null(_cache.TryRead("m", _taxonomy));
        Assert.Empty(_logger.Entries);
    }

    [Fact]
    public void Write_ConcurrentWriters_LeaveOneReadableFile()
    {
        Parallel.For(0, 16, _ => new ClassMatrixCache(_folder.Path, _logger).Write(Matrix()));

        Assert.NotNull(_cache.TryRead("m", _taxonomy));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Write_PinnedMatrix_WritesTheBytesFormatVersion1AlwaysWrote()
    {
        var matrix = PinnedMatrix();

        _cache.Write(matrix);

        Assert.Equal(FormatVersion1Hex, Convert.ToHexString(File.ReadAllBytes(_cache.PathFor(matrix.ModelId, matrix.TaxonomyVersion))));
    }

    [Fact]
    public void Decode_BytesFormatVersion1Wrote_GivesTheMatrixBack()
    {
        var read = ClassMatrixCache.Decode(Convert.FromHexString(FormatVersion1Hex));

        Assert.Equal(("model@sha256:0123", "sha256:abcd", 2), (read.ModelId, read.TaxonomyVersion, read.Dimension));
        Assert.Equal(["cat", "dög"], read.ClassIds);
        Assert.Equal(PinnedMatrix().Values.ToArray(), read.Values.ToArray());
    }
}
