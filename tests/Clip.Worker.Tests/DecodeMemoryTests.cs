using System.Globalization;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.Worker.Tests;

/// <summary>Images the limits allow but that are huge once decoded: the decode-memory budget bounds the worker's memory.</summary>
public sealed class DecodeMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const int Side = 6300; // 39.7 M pixels, under the default MaxPixels of 40 M
    private const int Images = 64;
    private const long MiB = 1 << 20;
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public Task Worker_FloodOfAllowedHugePngsAtDefaultSettings_StaysWithin600MiBOfIdleAndComesBackDown() => FloodAsync(new());

    [Fact]
    public Task Worker_FloodOfAllowedHugePngsWithEightPrepareSlots_IsHeldToTheBudget() =>
        // As on an 8-core node: without the budget, eight 6300x6300 frames (about 1.3 GB) would be decoded at once.
        FloodAsync(new() { ["Clip:Pipeline:PrepareConcurrency"] = "8" });

    private async Task FloodAsync(Dictionary<string, string?> overrides)
    {
        var inbox = _temp.File("inbox");
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = inbox;
        settings["Clip:Database:ConnectionString"] = $"Data Source={_temp.File("clip.db")}";
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var png = HugePng();
        using var worker = WorkerProcess.Start(settings);
        await worker.WaitUntilStartedAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idle = worker.MemoryKiB("VmRSS") * 1024;

        var staging = _temp.File("staging");
        Directory.CreateDirectory(staging);
        for (var i = 0; i < Images; i++)
        {
            // Distinct files: the same picture with different bytes after the PNG's end.
            var path = Path.Combine(staging, $"huge-{i:D2}.png");
            await File.WriteAllBytesAsync(path, [.. png, (byte)i]);
            File.Move(path, Path.Combine(inbox, Path.GetFileName(path)));
        }

        var results = new SqliteResults(_temp.File("clip.db"));
        await WorkerRun.WaitUntilAsync(
            async () => await results.ScalarAsync("SELECT COUNT(*) FROM label_runs") + await results.ScalarAsync("SELECT COUNT(*) FROM failures") >= Images,
            "every huge image has an outcome",
            TimeSpan.FromMinutes(5));
        var peak = worker.MemoryKiB("VmHWM") * 1024;
        await Task.Delay(TimeSpan.FromMinutes(1));
        var after = worker.MemoryKiB("VmRSS") * 1024;
        Assert.True(await worker.TerminateAsync() == 0, worker.Output);

        var report = string.Create(CultureInfo.InvariantCulture, $"idle {idle / MiB} MiB, peak {peak / MiB} MiB, a minute after {after / MiB} MiB");
        output.WriteLine(report);
        Assert.Equal(Images, await results.ScalarAsync("SELECT COUNT(*) FROM label_runs"));
        Assert.Equal(0, await results.ScalarAsync("SELECT COUNT(*) FROM failures"));
        Assert.True(peak - idle <= 600 * MiB, report);
        Assert.True(after - idle <= 150 * MiB, report);
    }

    [Fact]
    public async Task Worker_ImageThatCouldNeverFitTheBudget_IsRefusedBeforeDecodingWithItsReason()
    {
        var inbox = _temp.File("inbox");
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = inbox;
        settings["Clip:Database:ConnectionString"] = $"Data Source={_temp.File("clip.db")}";
        settings["Clip:Images:DecodeMemoryBudget"] = (100 * MiB).ToString(CultureInfo.InvariantCulture);
        await using var worker = await WorkerRun.StartAsync(settings);
        Directory.CreateDirectory(inbox);
        await File.WriteAllBytesAsync(Path.Combine(inbox, "huge.png"), HugePng());
        File.Copy(TestPaths.Data("samples", "red-star.png"), Path.Combine(inbox, "red-star.png"));

        var results = new SqliteResults(_temp.File("clip.db"));
        await WorkerRun.WaitUntilAsync(
            async () => await results.ScalarAsync("SELECT COUNT(*) FROM label_runs") + await results.ScalarAsync("SELECT COUNT(*) FROM failures") >= 2,
            "both images have an outcome");

        var failure = Assert.Single(await results.FailuresAsync());
        Assert.Equal(("huge.png", "decode", "over_memory_budget"), failure);
        Assert.Equal(1, await results.ScalarAsync("SELECT COUNT(*) FROM label_runs"));
    }

    /// <summary>A 6300×6300 RGB PNG that compresses to a few hundred KB.</summary>
    private static byte[] HugePng()
    {
        using var image = new Image<Rgb24>(Side, Side);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                rows.GetRowSpan(y).Fill(new Rgb24((byte)(y * 255 / Side), 96, 160));
            }
        });
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder { ColorType = PngColorType.Rgb, CompressionLevel = PngCompressionLevel.BestCompression });
        return stream.ToArray();
    }
}
