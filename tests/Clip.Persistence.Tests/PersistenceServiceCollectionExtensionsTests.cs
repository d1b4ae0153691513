using System.ComponentModel.DataAnnotations;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Clip.Persistence.Tests;

public sealed class PersistenceServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>))
            .AddClipPersistence(configuration)
            .BuildServiceProvider();
    }

    [Fact]
    public void AddClipPersistence_NoConfiguration_DefaultsToTheEmbeddedSqliteFile()
    {
        using var services = Build([]);

        var options = services.GetRequiredService<IOptions<PersistenceOptions>>().Value;

        Assert.Equal((DatabaseProvider.Sqlite, "Data Source=clip.db", false), (options.Provider, options.ConnectionString, options.MigrateOnStart));
    }

    [Fact]
    public void AddClipPersistence_BindsProviderCaseInsensitively()
    {
        using var services = Build(new()
        {
            ["Clip:Database:Provider"] = "postgres",
            ["Clip:Database:ConnectionString"] = "Host=db.internal;Database=clip;Username=clip;Password=hunter2",
        });

        var store = (LabelStore)services.GetRequiredService<ILabelStore>();

        Assert.Equal(DatabaseProvider.Postgres, store.Provider);
    }

    [Fact]
    public void Options_PostgresWithTheSqliteDefault_FailsNamingTheSettingNotTheValue()
    {
        using var services = Build(new() { ["Clip:Database:Provider"] = "Postgres" });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PersistenceOptions>>().Value);

        Assert.Contains("ConnectionString is still the SQLite default", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_PostgresWithoutHost_FailsNamingTheSetting()
    {
        using var services = Build(new() { ["Clip:Database:Provider"] = "postgres", ["Clip:Database:ConnectionString"] = "Database=clip;Password=hunter2" });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PersistenceOptions>>().Value);

        Assert.Contains("Clip:Database:ConnectionString has no Host", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelStore_InvalidConnectionString_ThrowsWithoutEchoingIt()
    {
        var options = new PersistenceOptions { Provider = DatabaseProvider.Postgres, ConnectionString = "Host=db;Password=hunter2;Bogus Keyword=1" };

        var e = Assert.Throws<ValidationException>(() => new LabelStore(options));

        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateOnStart_True_MigratesWhenTheHostStarts()
    {
        using var directory = new TemporaryDirectory();
        var database = directory.File("clip.db");
        await using (var services = Build(new() { ["Clip:Database:ConnectionString"] = $"Data Source={database}", ["Clip:Database:MigrateOnStart"] = "true" }))
        {
            foreach (var hosted in services.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }

            Assert.False(await services.GetRequiredService<ILabelStore>().IsLabelledAsync("x", "y", "m", "t", null));
        }

        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task StartupMigration_AwaitedBeforeTheHostStarts_MigratesOnceAndTheHostedServiceFindsItDone()
    {
        using var directory = new TemporaryDirectory();
        var database = directory.File("clip.db");
        await using (var services = Build(new() { ["Clip:Database:ConnectionString"] = $"Data Source={database}", ["Clip:Database:MigrateOnStart"] = "true" }))
        {
            var migration = services.GetRequiredService<StartupMigration>();
            var early = migration.EnsureMigratedAsync(CancellationToken.None);
            Assert.Same(early, migration.EnsureMigratedAsync(CancellationToken.None));
            await early;

            foreach (var hosted in services.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }

            Assert.Empty(await services.GetRequiredService<ILabelStore>().MigrateAsync());
            Assert.Null(await services.GetRequiredService<ILabelStore>().FindClassMatrixAsync("m", "t"));
        }

        SqliteConnection.ClearAllPools();
    }
}
