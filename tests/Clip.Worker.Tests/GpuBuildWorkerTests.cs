#if CLIP_GPU
using System.Runtime.InteropServices;
using Clip.Persistence;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Worker.Tests;

/// <summary>
/// The worker built as its image is (<c>-p:ClipGpu=true</c>: ONNX Runtime's CUDA build), started as a process the way
/// a node starts it. CI has no GPU: there, <c>cuda</c> must stop at start naming the cause, and <c>auto</c> must warn
/// and label on CPU with the same binaries. On a machine with a driver, <c>cuda</c> must start on it instead.
/// Compiled only into the GPU build (tests/run-all.sh runs it).
/// </summary>
public sealed class GpuBuildWorkerTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private static bool NvidiaDriverPresent()
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    private Dictionary<string, string?> Settings(string device)
    {
        var settings = WorkerRun.Defaults(_temp);
        Directory.CreateDirectory(_temp.File("inbox"));
        settings["Clip:Folder:Path"] = _temp.File("inbox");
        settings["Clip:Database:ConnectionString"] = $"Data Source={_temp.File("clip.db")}";
        settings["Clip:Inference:Device"] = device;
        return settings;
    }

    [Fact]
    public async Task Worker_CudaOnThisMachine_StopsAtStartNamingTheCauseOrRunsOnTheGpu()
    {
        using var worker = WorkerProcess.Start(Settings("cuda"));

        if (NvidiaDriverPresent())
        {
            await worker.WaitUntilStartedAsync();
            Assert.Contains("GPU preflight passed", worker.Output, StringComparison.Ordinal);
            Assert.True(await worker.TerminateAsync() == 0, worker.Output);
            return;
        }

        var exitCode = await worker.WaitForExitAsync();
        Assert.True(exitCode == 2, worker.Output);
        Assert.Contains("configuration error", worker.Output, StringComparison.Ordinal);
        Assert.Contains("no NVIDIA driver found", worker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_AutoOnThisMachine_LabelsOnCpuWithAWarningOrOnTheGpu()
    {
        var settings = Settings("auto");
        using var worker = WorkerProcess.Start(settings);
        await worker.WaitUntilStartedAsync();
        await using var store = new LabelStore(new PersistenceOptions { ConnectionString = settings["Clip:Database:ConnectionString"]! });

        var run = await WorkerRun.DropAndWaitForRunAsync(store, _temp.File("inbox"), "red-circle.png");

        Assert.Contains(NvidiaDriverPresent() ? "GPU preflight passed" : "falling back to CPU: no NVIDIA driver found", worker.Output, StringComparison.Ordinal);
        Assert.Equal("circle", Assert.Single(run.Labels, l => l.Rank == 1).LabelId);
        Assert.True(await worker.TerminateAsync() == 0, worker.Output);
    }
}
#endif
