using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.Persistence;
using Clip.TestUtilities;
using Clip.Training.Retraining;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Clip.Training.Tests;

/// <summary>
/// The real retraining job on a real PostgreSQL, signed in as a role with only the grants of
/// <c>infra/sql/retrainer-role.sql</c>: whatever store calls the job makes, that role may make them. (What the role
/// may not do is checked in Clip.Persistence.Tests' RetrainerRoleTests.)
/// </summary>
[Collection(PostgresServerDefinition.Name)]
public sealed class RetrainingJobRoleTests(PostgresServer server) : IAsyncLifetime, IDisposable
{
    private const string Password = "retrainer-password";

    private readonly TemporaryDirectory _temp = new();
    private ClipModel _model = null!;
    private LabelStore _admin = null!;
    private LabelStore _retrainer = null!;

    public async Task InitializeAsync()
    {
        var (role, connectionString) = await server.CreatePasswordLoginAsync(Password, ownsDatabase: false);
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        var adminConnectionString = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString;
        _model = ClipModel.Load(new InferenceOptions { ModelPath = TestPaths.BundledModel, Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance);

        // The administrator migrates; the workers and reviewers (here the administrator too) store embeddings and verdicts.
        _admin = new LabelStore(new PersistenceOptions { Provider = DatabaseProvider.Postgres, ConnectionString = adminConnectionString });
        await _admin.MigrateAsync();
        await File.WriteAllTextAsync(_temp.File("codenames.json"), VerifiedShapes.CodeNameTaxonomy);
        await VerifiedShapes.StoreAsync(_model, _admin, _temp.File("codenames.json"), shuffleLabels: false);

        await RoleScripts.GrantAsync(adminConnectionString, "retrainer-role.sql", role);

        var retrainer = new NpgsqlConnectionStringBuilder(connectionString) { Password = Password }.ConnectionString;
        _retrainer = new LabelStore(new PersistenceOptions { Provider = DatabaseProvider.Postgres, ConnectionString = retrainer });
    }

    public async Task DisposeAsync()
    {
        await _retrainer.DisposeAsync();
        await _admin.DisposeAsync();
    }

    public void Dispose()
    {
        _model.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Run_AsTheRetrainerRole_StoresThePromotedHeadAndTheClassMatrix()
    {
        var taxonomy = _temp.File("codenames.json");
        var job = new RetrainingJob(
            _model,
            new ClassMatrixCache(_temp.File("class-matrices"), NullLogger<ClassMatrixCache>.Instance),
            _retrainer,
            // One held-out split rather than five folds: one head trained, the same store calls.
            new RetrainingOptions { Taxonomy = taxonomy, CrossValidationBelow = 0 },
            new HeadTrainingOptions(),
            TimeProvider.System,
            NullLogger<RetrainingJob>.Instance);

        var report = await job.RunAsync();

        Assert.Equal(RetrainingOutcome.Promoted, report.Outcome);
        Assert.Equal(6 * VerifiedShapes.PerShape, report.Examples);
        Assert.Equal(report.CandidateVersion, (await _admin.GetPromotedHeadAsync(report.ModelId, report.TaxonomyVersion))?.Version);
        // The class matrix cache swallows a refused write, so look for the row: the job shared it as this role.
        Assert.NotNull(await _admin.FindClassMatrixAsync(_model.ModelId, StandardTaxonomies.Load(taxonomy).Version));
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresServerDefinition : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}
