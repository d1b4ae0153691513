using Clip.Inference;
using Clip.Inference.Imaging;
using Clip.Persistence;
using Clip.Search;

namespace Clip.Review.Hosting;

/// <summary>
/// Text and by-example search for the review pages: the model is loaded on first use (its text tower embeds the
/// query), the index is refreshed from SQL before each search, one search at a time.
/// </summary>
public sealed class ReviewSearch(LabelStore store, ReviewOptions options, ILoggerFactory loggers) : IDisposable
{
    private readonly ImageSearch _search = new(store, options.EffectiveIndexRoot);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ClipModel? _model;

    /// <summary>The model id searches run under (loads the model).</summary>
    public async Task<string> ModelIdAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return Model().ModelId;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The images most like <paramref name="text"/> (wrapped in <paramref name="template"/>), within the filter.</summary>
    public Task<SearchResults> ByTextAsync(string text, string template, SearchOptions searchOptions, CancellationToken cancellationToken) =>
        RunAsync(
            model => (model.EmbedTexts([template.Replace("{}", text, StringComparison.Ordinal)]).Row(0).ToArray(), null),
            searchOptions,
            cancellationToken);

    /// <summary>The images most like the stored image <paramref name="example"/>, itself left out; null when it has no embedding from the model.</summary>
    public async Task<SearchResults?> ByExampleAsync(ReviewImageRef example, SearchOptions searchOptions, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(
                model => _search.FindExample(model.ModelId, example.SourceUri) is { } found && found.ImageId == example.ImageId
                    ? (found.Vector, found.ImageId)
                    : throw new KeyNotFoundException(),
                searchOptions,
                cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _model?.Dispose();
        _gate.Dispose();
    }

    private async Task<SearchResults> RunAsync(Func<ClipModel, (float[] Vector, long? Exclude)> query, SearchOptions searchOptions, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var model = Model();
            await _search.RefreshAsync(model.ModelId, cancellationToken: cancellationToken);
            var (vector, exclude) = query(model);
            return await _search.SearchAsync(model.ModelId, vector, searchOptions with { Refresh = false }, exclude, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private ClipModel Model() => _model ??= ClipModel.Load(options.Inference, new ImageLimits(), loggers);
}

/// <summary>An image of the results database, by id and source.</summary>
public sealed record ReviewImageRef(long ImageId, string SourceUri);
