using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.ZeroShot;
using Clip.Persistence;
using Clip.TestUtilities;
using Clip.Training.Retraining;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Clip.Training.Tests;

/// <summary>
/// The retraining evidence on the bundled tiny model: verified labels turn a taxonomy zero-shot cannot read into one
/// the promoted head gets right; shuffled labels never displace a good classifier.
/// </summary>
public sealed class RetrainingJobTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TemporaryDirectory _temp = new();
    private ClipModel _model = null!;
    private LabelStore _store = null!;

    public async Task InitializeAsync()
    {
        _model = ClipModel.Load(new InferenceOptions { ModelPath = TestPaths.BundledModel, Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance);
        _store = new LabelStore(new PersistenceOptions { ConnectionString = $"Data Source={_temp.File("clip.db")}" }, NullLogger<LabelStore>.Instance);
        await _store.MigrateAsync();
        await File.WriteAllTextAsync(_temp.File("codenames.json"), VerifiedShapes.CodeNameTaxonomy);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    public void Dispose()
    {
        _model.Dispose();
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Run_VerifiedLabelsForATaxonomyZeroShotCannotRead_TrainsAClearlyBetterHeadAndPromotesIt()
    {
        var taxonomy = _temp.File("codenames.json");
        await VerifiedShapes.StoreAsync(_model, _store, taxonomy, shuffleLabels: false);

        var report = await Job(taxonomy).RunAsync();
        output.WriteLine(RetrainingReportText.Format(report));

        Assert.Equal(RetrainingOutcome.Promoted, report.Outcome);
        Assert.Equal("zero-shot", report.Decision!.Reference);
        Assert.True(report.Decision.Evidence.Lower > 0.5, $"the interval's lower end should be far above the margin: {report.Decision.Evidence}");
        Assert.Matches(@"^gain \+\d+\.\d points over zero-shot, 95 % interval \+\d+\.\d to \+\d+\.\d \(5-fold cross-validation, 180 held-out images\): promoted", report.Reason);
        Assert.True(report.ZeroShot!.Accuracy < 0.5, $"zero-shot should be weak here, got {report.ZeroShot.Accuracy:P1}");
        Assert.True(report.Candidate!.Accuracy >= report.ZeroShot.Accuracy + 0.3, $"candidate {report.Candidate.Accuracy:P1} vs zero-shot {report.ZeroShot.Accuracy:P1}");
        Assert.InRange(report.Alpha, 0.1, 1.0);
        var promoted = await _store.GetPromotedHeadAsync(report.ModelId, report.TaxonomyVersion);
        Assert.Equal(report.CandidateVersion, promoted?.Version);
        Assert.Equal(6 * VerifiedShapes.PerShape, report.Examples);
    }

    [Fact]
    public async Task Run_ShuffledLabels_StoresTheCandidateButDoesNotPromoteIt()
    {
        await VerifiedShapes.StoreAsync(_model, _store, "tiny-shapes", shuffleLabels: true);

        var report = await Job("tiny-shapes").RunAsync();
        output.WriteLine(RetrainingReportText.Format(report));

        Assert.Equal(RetrainingOutcome.Kept, report.Outcome);
        Assert.EndsWith("not promoted, not significant", report.Reason, StringComparison.Ordinal);
        Assert.Null(await _store.GetPromotedHeadAsync(report.ModelId, report.TaxonomyVersion));
        var stored = await _store.GetHeadAsync(report.CandidateVersion!);
        Assert.NotNull(stored);
        Assert.False(stored.IsPromoted);
    }

    [Fact]
    public async Task Run_256Examples_CrossValidatesWithANarrowerIntervalThanOneTestSplit()
    {
        var taxonomy = _temp.File("codenames.json");
        await VerifiedShapes.StoreAsync(_model, _store, taxonomy, shuffleLabels: false, count: 256);

        var crossValidated = await Job(taxonomy).RunAsync();
        await _store.RollbackHeadAsync(crossValidated.ModelId, crossValidated.TaxonomyVersion); // both against zero-shot
        var split = await Job(taxonomy, new RetrainingOptions { Taxonomy = taxonomy, CrossValidationBelow = 0 }).RunAsync();
        output.WriteLine(RetrainingReportText.Format(crossValidated));
        output.WriteLine(RetrainingReportText.Format(split));

        var (cv, single) = (crossValidated.Decision!.Evidence, split.Decision!.Evidence);
        output.WriteLine($"interval width: cross-validation {(cv.Upper - cv.Lower) * 100:0.0} points over {cv.Examples} images, one test split {(single.Upper - single.Lower) * 100:0.0} points over {single.Examples}");
        Assert.Equal(("5-fold cross-validation", 256), (crossValidated.Decision.Method, crossValidated.TestExamples));
        Assert.Equal("held-out split", split.Decision.Method);
        Assert.True(cv.Upper - cv.Lower < single.Upper - single.Lower, $"cross-validation {cv} vs split {single}");
        Assert.Equal(256, crossValidated.TrainingExamples + crossValidated.ValidationExamples);
        var stored = await _store.GetHeadAsync(crossValidated.CandidateVersion!);
        Assert.Contains("\"decision\":{\"promote\":true,\"reason\":\"gain +", stored!.MetricsJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoVerifiedLabels_ReportsNotEnoughDataAndStoresNothing()
    {
        var report = await Job("tiny-shapes").RunAsync();

        Assert.Equal(RetrainingOutcome.NotEnoughData, report.Outcome);
        Assert.Empty(await _store.ListHeadsAsync());
    }

    [Fact]
    public async Task Run_SameDataAndSeedTwice_TrainsTheSameHead()
    {
        var taxonomy = _temp.File("codenames.json");
        await VerifiedShapes.StoreAsync(_model, _store, taxonomy, shuffleLabels: false);

        var first = await Job(taxonomy).RunAsync();
        var second = await Job(taxonomy).RunAsync();

        var a = ClassifierHeadCodec.Decode((await _store.GetHeadAsync(first.CandidateVersion!))!.Weights, "a");
        var b = ClassifierHeadCodec.Decode((await _store.GetHeadAsync(second.CandidateVersion!))!.Weights, "b");
        Assert.Equal(a.Weights.ToArray(), b.Weights.ToArray());
        Assert.Equal(first.Alpha, second.Alpha);
    }

    private RetrainingJob Job(string taxonomy, RetrainingOptions? options = null) => new(
        _model,
        new ClassMatrixCache(_temp.File("class-matrices"), NullLogger<ClassMatrixCache>.Instance),
        _store,
        options ?? new RetrainingOptions { Taxonomy = taxonomy },
        new HeadTrainingOptions(),
        TimeProvider.System,
        NullLogger<RetrainingJob>.Instance);
}
