using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Storage.Blobs;
using Xunit;

namespace Clip.TestUtilities;

/// <summary>
/// A real, throwaway Azurite blob server (in memory, on a free loopback port) with the well-known development
/// account. Share one per test run through an xunit collection fixture; each test makes its own container with
/// <see cref="CreateContainerAsync"/>. Fails (never skips) when Azurite is not installed. A server made with
/// <see cref="Persistent"/> keeps its blobs on disk, so it can be stopped and started again (an outage).
/// </summary>
public sealed class AzuriteServer : IAsyncLifetime, IDisposable
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>The development account's documented, public key: not a secret.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string InstallHint =
        "Azurite was not found at tests/tools/node_modules/.bin/azurite-blob. Install it with: " +
        "npm ci --no-audit --no-fund --prefix tests/tools (tests/run-all.sh does this).";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private readonly bool _persistent;
    private Process? _process;
    private string? _workspace;
    private bool _disposed;

    /// <summary>In memory: what an xunit fixture gets.</summary>
    public AzuriteServer()
        : this(persistent: false)
    {
    }

    private AzuriteServer(bool persistent)
    {
        _persistent = persistent;
    }

    public int Port { get; private set; }

    /// <summary>A server that keeps its blobs on disk, so that <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> can stage an outage.</summary>
    public static AzuriteServer Persistent() => new(persistent: true);

    /// <summary><c>http://127.0.0.1:PORT/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{AccountName}");

    public string ConnectionString => ConnectionStringFor(AccountKey);

    public static string Executable => Path.Combine(TestPaths.RepositoryRoot, "tests", "tools", "node_modules", ".bin", "azurite-blob");

    /// <summary>A connection string to this server signed with another key, for tests of what a wrong key does.</summary>
    public string ConnectionStringFor(string accountKey) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={accountKey};BlobEndpoint={BlobEndpoint};";

    public async Task InitializeAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException(InstallHint);
        }

        _workspace = Path.Combine(Path.GetTempPath(), "clip-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_workspace);
        for (var attempt = 1; ; attempt++)
        {
            Port = FreeLoopbackPort();
            if (await TryStartAsync())
            {
                return;
            }

            // Another process may have taken the port between our probe and Azurite's bind; any other failure is final.
            StopProcess();
            if (attempt == 3 || !Output().Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Azurite did not start on 127.0.0.1:{Port}:\n{Output()}");
            }
        }
    }

    /// <summary>Stops the server as an operator would (SIGTERM, so a persistent one saves its blobs), leaving its port unanswered.</summary>
    public async Task StopAsync()
    {
        if (!_persistent)
        {
            throw new InvalidOperationException("Only a persistent Azurite keeps its blobs across a stop.");
        }

        if (_process is { HasExited: false } process)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        StopProcess();
    }

    /// <summary>Starts a server stopped by <see cref="StopAsync"/> again, on the same port with the same blobs.</summary>
    public async Task StartAgainAsync()
    {
        if (!await TryStartAsync())
        {
            throw new InvalidOperationException($"Azurite did not start again on 127.0.0.1:{Port}:\n{Output()}");
        }
    }

    /// <summary>Creates an empty container with a fresh name and returns its client.</summary>
    public async Task<BlobContainerClient> CreateContainerAsync()
    {
        var container = new BlobServiceClient(ConnectionString).GetBlobContainerClient("c" + Guid.NewGuid().ToString("N"));
        await container.CreateAsync();
        return container;
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        StopProcess();
        if (_workspace is not null && Directory.Exists(_workspace))
        {
            Directory.Delete(_workspace, recursive: true);
        }
    }

    private async Task<bool> TryStartAsync()
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _workspace,
        };
        foreach (var argument in (string[])[
            "--blobHost", "127.0.0.1",
            "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. (_persistent ? ["--location", _workspace!] : (string[])["--inMemoryPersistence", "--extentMemoryLimit", "512"]),
            // Azure.Storage.Blobs 12.30 speaks a newer service version than Azurite 3.37 knows.
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--silent",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Azurite.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var service = new BlobServiceClient(ConnectionString, new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } });
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                await service.GetPropertiesAsync();
                return true;
            }
            catch (Azure.RequestFailedException)
            {
                await Task.Delay(100); // Not listening yet, or it exited: the loop looks again.
            }
        }

        throw new InvalidOperationException($"Azurite did not answer on {BlobEndpoint} within {StartTimeout}:\n{Output()}");
    }

    private void StopProcess()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        _process.Dispose();
        _process = null;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
