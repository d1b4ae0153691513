using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Clip.Persistence;

/// <summary>Migrates the schema before the host starts its work, when <see cref="PersistenceOptions.MigrateOnStart"/> is set.</summary>
internal sealed class DatabaseMigrationService(ILabelStore store, IOptions<PersistenceOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStart)
        {
            await store.MigrateAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
