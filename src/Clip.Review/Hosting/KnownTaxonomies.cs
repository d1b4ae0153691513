using Clip.Inference.Taxonomies;

namespace Clip.Review.Hosting;

/// <summary>The taxonomies the app knows the classes of, by version: what the correction picker offers and checks against.</summary>
public sealed class KnownTaxonomies
{
    private readonly Dictionary<string, Taxonomy> _byVersion;

    public KnownTaxonomies(IEnumerable<string> namesOrFiles)
    {
        ArgumentNullException.ThrowIfNull(namesOrFiles);
        var wanted = namesOrFiles.ToList();
        if (wanted.Count == 0)
        {
            wanted.AddRange(StandardTaxonomies.Names());
        }

        _byVersion = [];
        foreach (var nameOrFile in wanted)
        {
            Taxonomy taxonomy;
            try
            {
                taxonomy = StandardTaxonomies.Load(nameOrFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or System.Text.Json.JsonException or TaxonomyException)
            {
                throw new ReviewConfigurationException($"Clip:Review:Taxonomies: {nameOrFile} cannot be loaded: {e.Message}", e);
            }

            _byVersion[taxonomy.Version] = taxonomy;
        }
    }

    public IReadOnlyCollection<Taxonomy> All => _byVersion.Values;

    public Taxonomy? Find(string version) => _byVersion.GetValueOrDefault(version);

    /// <summary>The taxonomy's name when known, else its version shortened for display.</summary>
    public string Describe(string version) =>
        Find(version)?.Name ?? (version.Length > 19 ? version[..19] + "…" : version);
}
