using Microsoft.Extensions.Options;

namespace Clip.Persistence;

/// <summary>
/// Migrates the schema once per process when <see cref="PersistenceOptions.MigrateOnStart"/> is set. Whatever needs
/// the schema before the hosted services start (the worker reads shared class matrices while it builds its services)
/// awaits <see cref="EnsureMigratedAsync"/>; every caller shares the one run.
/// </summary>
public sealed class StartupMigration(ILabelStore store, IOptions<PersistenceOptions> options)
{
    private readonly Lock _gate = new();
    private Task? _run;

    public Task EnsureMigratedAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStart)
        {
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            // A failed or cancelled run is not remembered: the next caller tries again.
            if (_run is null || _run.IsFaulted || _run.IsCanceled)
            {
                _run = store.MigrateAsync(cancellationToken);
            }

            return _run;
        }
    }
}
