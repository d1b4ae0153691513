namespace Clip.Search;

/// <summary>What one refresh did.</summary>
/// <param name="Read">Embeddings read from SQL (changed since the watermark, or all on a rebuild).</param>
/// <param name="Added">Rows added to the index.</param>
/// <param name="Dropped">Rows no longer served: deleted from SQL, superseded by a newer version of their source, or re-embedded.</param>
/// <param name="Served">Rows the index serves now.</param>
/// <param name="Rebuilt">Whether the index was built from scratch (none yet, another model or format, or asked for).</param>
/// <param name="Compacted">Whether its segments were merged into one.</param>
/// <param name="Swept">Whether it compared every id with SQL's, instead of reading the log of deletions since the last refresh.</param>
public sealed record IndexRefresh(int Read, int Added, int Dropped, long Served, bool Rebuilt, bool Compacted, bool Swept);
