using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Clip.Inference.Imaging;
using Clip.Labeling;
using Clip.Persistence;
using Clip.Worker.Telemetry;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The second stage, run by several workers at once: skips images already labelled, fetches the bytes (retrying
/// transient failures), and decodes and preprocesses them within the decode memory budget.
/// </summary>
internal sealed class PrepareStage(
    LabelingEngine engine,
    DuplicateCheck duplicates,
    ImageFetcher fetcher,
    TransientRetry retry,
    DependencyHealth health,
    DecodeMemoryBudget decodeBudget,
    JobSettler settler,
    WorkerTelemetry telemetry)
{
    public async Task RunAsync(ChannelReader<ImageJob> jobs, ChannelWriter<PreparedImage> prepared, CancellationToken ct)
    {
        await foreach (var job in jobs.ReadAllAsync(ct))
        {
            using var activity = WorkerTelemetry.Tracing.StartActivity("clip.prepare", ActivityKind.Internal, job.Owner.Activity?.Context ?? default);
            activity?.SetTag("clip.source", job.SourceUri);
            if (await PrepareAsync(job, ct) is { } image)
            {
                await prepared.WriteAsync(image, ct);
            }
        }
    }

    /// <summary>The preprocessed image, or null when the job already ended (failed, already labelled, given back).</summary>
    private async Task<PreparedImage?> PrepareAsync(ImageJob job, CancellationToken ct)
    {
        // A blob event names its version, so a redelivered event is recognised before anything is downloaded.
        var announced = ImageFetcher.AnnouncedVersion(job);
        if (announced is not null && !await NeedsLabellingAsync(job, announced, ct))
        {
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        var fetched = await FetchAsync(job, announced, ct);
        if (fetched is null)
        {
            return null;
        }

        var fetchTime = Stopwatch.GetElapsedTime(started);
        telemetry.Fetched(fetchTime);
        if (fetched.EtagOrHash != announced && !await NeedsLabellingAsync(job, fetched.EtagOrHash, ct))
        {
            return null;
        }

        var decodeStarted = Stopwatch.GetTimestamp();
        var pixels = ArrayPool<float>.Shared.Rent(engine.ImageLength);
        telemetry.ImageHeld();
        try
        {
            var size = await PreprocessAsync(fetched.Bytes, pixels, ct);
            var decodeTime = Stopwatch.GetElapsedTime(decodeStarted);
            telemetry.Decoded(decodeTime);
            return new PreparedImage(job, fetched.EtagOrHash, fetched.Bytes.LongLength, size, pixels, fetchTime.TotalMilliseconds, decodeTime.TotalMilliseconds);
        }
        catch (ImageRejectedException e)
        {
            ArrayPool<float>.Shared.Return(pixels);
            telemetry.ImageReleased();
            await settler.FailAsync(DispositionCase.Undecodable, job.Owner, job.SourceUri, fetched.EtagOrHash, e.ReasonCode, e.Message, ct);
            return null;
        }
        catch
        {
            ArrayPool<float>.Shared.Return(pixels);
            telemetry.ImageReleased();
            throw;
        }
    }

    /// <summary>Decodes into <paramref name="pixels"/> once the image's worst-case decode memory fits the budget.</summary>
    /// <exception cref="ImageRejectedException">Not a usable image, or one that alone needs more than the whole budget.</exception>
    private async Task<ImageSize> PreprocessAsync(byte[] bytes, float[] pixels, CancellationToken ct)
    {
        // Decoded pixels are what can run a node out of memory: wait for room in the budget before decoding.
        var preprocessor = engine.Model.Preprocessor;
        var cost = preprocessor.DecodeCost(bytes);
        if (cost > decodeBudget.Total)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.OverMemoryBudget,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Decoding it needs up to {cost >> 20} MiB, more than the {decodeBudget.Total >> 20} MiB of {ImageLimits.SectionName}:{nameof(ImageLimits.DecodeMemoryBudget)} for all images together."));
        }

        using (await decodeBudget.AcquireAsync(cost, ct))
        {
            return preprocessor.Preprocess(bytes, pixels.AsSpan(0, engine.ImageLength));
        }
    }

    /// <summary>
    /// The image's bytes, retrying transient failures with backoff until the message's deadline; null when the job
    /// already ended (a recorded failure, or given back).
    /// </summary>
    private async Task<FetchedImage?> FetchAsync(ImageJob job, string? announced, CancellationToken ct)
    {
        var storage = job is BlobImageJob ? health.Storage : null;
        try
        {
            var (fetched, image, failure) = await retry.RunAsync(
                $"Fetching {job.SourceUri}", storage, job.Owner.Deadline, token => fetcher.FetchAsync(job, token), static e => e is ImageFetchException { Transient: true }, ct);
            if (fetched)
            {
                return image;
            }

            var last = (ImageFetchException)failure!;
            await settler.FailAsync(last.Case, job.Owner, job.SourceUri, announced, last.Reason, last.Message, ct);
            return null;
        }
        catch (ImageFetchException e)
        {
            // Storage answered, if only to say no.
            storage?.Succeeded();
            await settler.FailAsync(e.Case, job.Owner, job.SourceUri, announced, e.Reason, e.Message, ct);
            return null;
        }
    }

    /// <summary>
    /// Whether this version still needs labelling. False when it already has a result (the job is ended as such) or
    /// when the database could not say (the job is given back).
    /// </summary>
    private async Task<bool> NeedsLabellingAsync(ImageJob job, string version, CancellationToken ct)
    {
        // Whatever the database throws is retried, then the job given back; nothing is settled on it.
        var state = engine.State;
        var key = new DuplicateCheck.RunKey(engine.ModelId, state.Taxonomy.Version, state.Classifier.HeadVersion);
        var (answered, labelled, failure) = await retry.RunAsync(
            "The duplicate check",
            health.Database,
            job.Owner.Deadline,
            token => duplicates.IsLabelledAsync(new ImageVersion(job.SourceUri, version), key, token),
            static _ => true,
            ct);
        if (!answered)
        {
            await settler.FailAsync(
                DispositionCase.DatabaseUnavailable,
                job.Owner,
                job.SourceUri,
                version,
                JobSettler.DatabaseUnavailable,
                "the database could not say whether the image is already labelled: " + failure!.Message,
                ct);
            return false;
        }

        if (labelled)
        {
            settler.AlreadyLabelled(job.Owner);
        }

        return !labelled;
    }
}
