using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Clip.Labeling;
using Clip.Persistence;
using Clip.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The third stage: gathers prepared images into batches (full, or whatever arrived by the batch deadline), encodes
/// each batch and turns every embedding into a labelled result for the write stage.
/// </summary>
internal sealed class EncodeStage(LabelingEngine engine, PipelineOptions options, JobSettler settler, WorkerTelemetry telemetry, ILogger logger)
{
    public async Task RunAsync(ChannelReader<PreparedImage> prepared, CancellationToken ct)
    {
        var length = engine.ImageLength;
        var pixels = new float[options.BatchSize * length];
        var batch = new List<PreparedImage>(options.BatchSize);
        while (await NextBatchAsync(prepared, batch, ct))
        {
            using var activity = WorkerTelemetry.Tracing.StartActivity("clip.encode");
            activity?.SetTag("clip.batch.size", batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Pixels.AsSpan(0, length).CopyTo(pixels.AsSpan(i * length, length));
                ArrayPool<float>.Shared.Return(batch[i].Pixels);
                telemetry.ImageReleased();
            }

            List<(WorkItem Owner, LabelledImage Image)> results;
            try
            {
                results = Label(batch, pixels);
            }
#pragma warning disable CA1031 // An encoder failure (device lost, out of memory) gives the batch back; the worker keeps serving.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                Log.EncodeFailed(logger, e, batch.Count);
                foreach (var image in batch)
                {
                    await settler.FailAsync(DispositionCase.EncoderFailed, image.Job.Owner, image.Job.SourceUri, image.EtagOrHash, "encode_failed", e.Message, ct);
                }

                batch.Clear();
                continue;
            }

            batch.Clear();
            foreach (var (owner, image) in results)
            {
                await settler.LabelledAsync(owner, image, ct);
            }
        }
    }

    private List<(WorkItem Owner, LabelledImage Image)> Label(List<PreparedImage> batch, float[] pixels)
    {
        var started = Stopwatch.GetTimestamp();
        var embeddings = engine.Encode(pixels.AsMemory(0, batch.Count * engine.ImageLength), batch.Count);
        var elapsed = Stopwatch.GetElapsedTime(started);
        telemetry.Encoded(batch.Count, elapsed);
        var perImageMs = elapsed.TotalMilliseconds / batch.Count;
        var state = engine.State;
        return batch.Select((image, i) => (
            image.Job.Owner,
            engine.Label(
                state,
                new LabelSource(image.Job.SourceUri, image.EtagOrHash, image.SizeBytes, image.Size),
                embeddings.Row(i),
                new StageTimings(image.DecodeMs, perImageMs, image.FetchMs + image.DecodeMs + perImageMs)))).ToList();
    }

    /// <summary>Fills <paramref name="batch"/> up to the batch size, or with what arrived by the deadline after its first image.</summary>
    /// <returns>False once the prepare stage has finished and nothing is left.</returns>
    private async Task<bool> NextBatchAsync(ChannelReader<PreparedImage> reader, List<PreparedImage> batch, CancellationToken ct)
    {
        if (!await reader.WaitToReadAsync(ct))
        {
            return false;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(options.BatchDeadline.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < options.BatchSize)
        {
            if (reader.TryRead(out var image))
            {
                batch.Add(image);
                continue;
            }

            var remaining = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(remaining);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                break;
            }
        }

        return batch.Count > 0;
    }
}
