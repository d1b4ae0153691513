using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Clip.TestUtilities;

/// <summary>
/// A real, throwaway PostgreSQL server: <c>initdb</c> into a temp folder, started on a free loopback port, stopped
/// and deleted on dispose. Share one per test run through an xunit collection fixture; each test gets its own
/// database from <see cref="CreateDatabaseAsync"/>. Fails (never skips) when PostgreSQL is not installed.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime, IDisposable
{
    private const string InstallHint =
        "PostgreSQL server binaries (initdb, pg_ctl) were not found via pg_config --bindir, /usr/lib/postgresql/*/bin or PATH. " +
        "Install them with: apt-get install postgresql (tests/run-all.sh does this).";

    private const string PasswordLoginGroup = "clip_password_login";

    private string? _root;
    private string? _dataDirectory;
    private string? _binDirectory;
    private bool _started;
    private bool _disposed;

    public int Port { get; private set; }

    /// <summary>The <c>postgres</c> maintenance database, as the <c>postgres</c> superuser (trust authentication).</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    public async Task InitializeAsync()
    {
        _binDirectory = FindBinDirectory() ?? throw new InvalidOperationException(InstallHint);
        _root = Path.Combine(Path.GetTempPath(), "clip-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
        if (Environment.IsPrivilegedProcess && !OperatingSystem.IsWindows())
        {
            // The server refuses to run as root, so it runs as postgres and needs to write here.
            File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        }

        _dataDirectory = Path.Combine(_root, "data");
        await RunServerToolAsync("initdb", "-D", _dataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync");
        await RequirePasswordsForGroupAsync(Path.Combine(_dataDirectory, "pg_hba.conf"));

        for (var attempt = 1; ; attempt++)
        {
            Port = FreeLoopbackPort();
            var (exitCode, output) = await StartServerAsync();
            if (exitCode == 0)
            {
                _started = true;
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("CREATE ROLE " + PasswordLoginGroup + " NOLOGIN", connection);
                await command.ExecuteNonQueryAsync();
                return;
            }

            // Another process may have taken the port between our probe and the server's bind.
            if (attempt == 3)
            {
                var log = Path.Combine(_root, "server.log");
                var serverLog = File.Exists(log) ? await File.ReadAllTextAsync(log) : "";
                throw new InvalidOperationException($"pg_ctl start failed ({exitCode}): {output}\n{serverLog}");
            }
        }
    }

    /// <summary>Stops the server (fast shutdown, connections cut) but keeps its data, to test clients while it is down.</summary>
    public async Task StopAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunServerToolAsync("pg_ctl", "-D", _dataDirectory!, "-m", "fast", "-w", "stop");
        _started = false;
    }

    /// <summary>Starts a server stopped by <see cref="StopAsync"/> again, on the same port with the same data.</summary>
    public async Task StartAgainAsync()
    {
        var (exitCode, output) = await StartServerAsync();
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl start failed ({exitCode}): {output}");
        }

        _started = true;
    }

    private Task<(int ExitCode, string Output)> StartServerAsync()
    {
        // Durability is worth nothing to a throwaway test server and costs seconds on a busy disk.
        var options = $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        return RunAsync("pg_ctl", "-D", _dataDirectory!, "-l", Path.Combine(_root!, "server.log"), "-o", options, "-w", "-t", "120", "start");
    }

    /// <summary>
    /// Creates a login role that must sign in with <paramref name="password"/> (SCRAM; everyone else is trusted) and a new
    /// empty database, which the role owns when <paramref name="ownsDatabase"/> (it may then create tables) and may only
    /// connect to otherwise. Returns the role's name and a connection string to that database without a password.
    /// </summary>
    public async Task<(string Role, string ConnectionString)> CreatePasswordLoginAsync(string password, bool ownsDatabase = true)
    {
        var database = new NpgsqlConnectionStringBuilder(await CreateDatabaseAsync()).Database!;
        var role = "clip_login_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        // Identifiers cannot be parameters; both are generated above, never input. The password is a literal, quoted.
        await using var command = new NpgsqlCommand(
            $"CREATE ROLE {role} LOGIN PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}' IN ROLE {PasswordLoginGroup}" +
            (ownsDatabase ? $"; ALTER DATABASE {database} OWNER TO {role}" : ""),
            connection);
        await command.ExecuteNonQueryAsync();
        var builder = new NpgsqlConnectionStringBuilder(ConnectionStringFor(database)) { Username = role };
        return (role, builder.ConnectionString);
    }

    /// <summary>Changes the password of a role made by <see cref="CreatePasswordLoginAsync"/>; open sessions stay open.</summary>
    public async Task SetPasswordAsync(string role, string password)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"ALTER ROLE {role} PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        if (!_started)
        {
            throw new InvalidOperationException("The PostgreSQL server is not running.");
        }

        var name = "clip_test_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        // A database name cannot be a parameter; this one is generated above, never input.
        await using var command = new NpgsqlCommand("CREATE DATABASE " + name, connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        NpgsqlConnection.ClearAllPools();
        if (_started)
        {
            await RunAsync("pg_ctl", "-D", _dataDirectory!, "-m", "immediate", "-w", "stop");
        }

        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    public void Dispose() => DisposeAsync().GetAwaiter().GetResult();

    private string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        IncludeErrorDetail = true,
    }.ConnectionString;

    // Members of this group authenticate with a password over TCP; the first matching pg_hba line wins, so it goes first.
    private static async Task RequirePasswordsForGroupAsync(string hbaFile)
    {
        var existing = await File.ReadAllTextAsync(hbaFile);
        await File.WriteAllTextAsync(hbaFile,
            $"host all +{PasswordLoginGroup} 127.0.0.1/32 scram-sha-256\n" +
            $"host all +{PasswordLoginGroup} ::1/128 scram-sha-256\n" +
            existing);
    }

    private async Task RunServerToolAsync(string tool, params string[] arguments)
    {
        var (exitCode, output) = await RunAsync(tool, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({exitCode}): {output}");
        }
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] arguments)
    {
        var executable = Path.Combine(_binDirectory!, tool);
        ProcessStartInfo start;
        if (Environment.IsPrivilegedProcess)
        {
            start = new ProcessStartInfo("runuser");
            foreach (var argument in (string[])["-u", "postgres", "--", executable])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start = new ProcessStartInfo(executable);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static string? FindBinDirectory()
    {
        static bool HasServer(string? directory) =>
            directory is not null && File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"));

        var fromPgConfig = PgConfigBinDirectory();
        if (HasServer(fromPgConfig))
        {
            return fromPgConfig;
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var newest = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Directory: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => HasServer(d.Directory))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Directory)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(HasServer);
    }

    private static string? PgConfigBinDirectory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed.
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
