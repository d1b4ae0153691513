using Microsoft.Extensions.Hosting;

namespace Clip.Persistence;

/// <summary>Migrates the schema before the host starts its work, when <see cref="PersistenceOptions.MigrateOnStart"/> is set.</summary>
internal sealed class DatabaseMigrationService(StartupMigration migration) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migration.EnsureMigratedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
