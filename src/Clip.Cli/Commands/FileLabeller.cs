using System.Diagnostics;
using Clip.Inference;
using Clip.Inference.Imaging;
using Clip.Labeling;
using Clip.Persistence;

namespace Clip.Cli.Commands;

/// <summary>
/// Turns a chunk of files into outcomes, labelled, failed, or nothing for files already labelled, with the
/// worker's labeling core: the same state, the same rows, the same failure reasons.
/// </summary>
internal sealed class FileLabeller(LabelingEngine engine, ImageLimits limits, int batchSize)
{
    private readonly ImageBatch _batch = new(engine.Model, batchSize);

    public async Task<List<ImageOutcome>> LabelAsync(FileInfo[] files, LabelStore store, LabelSummary summary, CancellationToken cancellationToken)
    {
        var state = engine.State;
        var accepted = new List<(LabelSource Source, double DecodeMs)>();
        var outcomes = new List<ImageOutcome>();
        foreach (var file in files)
        {
            var uri = LocalImageKey.SourceUri(file.FullName);
            var started = Stopwatch.GetTimestamp();
            byte[] bytes;
            try
            {
                bytes = await LocalImageFile.ReadAsync(file, limits.MaxEncodedBytes, cancellationToken);
            }
            catch (ImageFetchException e)
            {
                outcomes.Add(summary.Fail(DispositionPolicy.FailureRow(e.Case, uri, null, e.Reason, e.Message)));
                continue;
            }

            var hash = LocalImageKey.ContentHash(bytes);
            if (await store.IsLabelledAsync(uri, hash, engine.ModelId, state.Taxonomy.Version, state.Classifier.HeadVersion, cancellationToken))
            {
                summary.Skip();
                continue;
            }

            try
            {
                var size = _batch.Add(bytes);
                accepted.Add((new LabelSource(uri, hash, bytes.LongLength, size), Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
            catch (ImageRejectedException e)
            {
                outcomes.Add(summary.Fail(DispositionPolicy.FailureRow(DispositionCase.Undecodable, uri, hash, e.ReasonCode, e.Message)));
            }
        }

        if (accepted.Count == 0)
        {
            return outcomes;
        }

        var encodeStarted = Stopwatch.GetTimestamp();
        var embeddings = _batch.Encode();
        var encodeMs = Stopwatch.GetElapsedTime(encodeStarted).TotalMilliseconds / accepted.Count;
        for (var i = 0; i < accepted.Count; i++)
        {
            var (source, decodeMs) = accepted[i];
            var labelled = engine.Label(state, source, embeddings.Row(i), new StageTimings(decodeMs, encodeMs, decodeMs + encodeMs));
            outcomes.Add(labelled);
            summary.Label(labelled);
        }

        return outcomes;
    }
}
