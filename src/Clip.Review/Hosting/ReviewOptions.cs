using System.ComponentModel.DataAnnotations;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Bundles;

namespace Clip.Review.Hosting;

/// <summary>The review app's settings, bound from <c>Clip:Review</c>.</summary>
public sealed class ReviewOptions
{
    public const string SectionName = "Clip:Review";

    /// <summary>The address to listen on. A non-loopback address needs Entra ID sign-in configured (<c>AzureAd</c>).</summary>
    [Required]
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>The TCP port (0: any free port, for tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 5080;

    /// <summary>
    /// The model bundle that embeds search texts and example files: the workers' model, so that its embeddings are the
    /// ones in the database. Default: the bundled tiny CLIP.
    /// </summary>
    public string ModelPath { get; set; } = BundledModel.DirectoryPath;

    /// <summary>Which tower variants search loads (fp32, int8, fp16, auto).</summary>
    public ModelPrecision Precision { get; set; } = ModelPrecision.Fp32;

    /// <summary>Folder of the search indexes; empty: the CLI's default, beside the class-matrix cache.</summary>
    public string? IndexRoot { get; set; }

    /// <summary>
    /// Taxonomies whose classes the correction picker offers (shipped names or files). Empty: every shipped taxonomy.
    /// A run of a taxonomy not listed can only be corrected to one of its own stored labels.
    /// </summary>
    public IList<string> Taxonomies { get; } = [];

    /// <summary>Cards per queue page.</summary>
    [Range(1, 200)]
    public int PageSize { get; set; } = 100;

    /// <summary>Longest side of a thumbnail, in pixels.</summary>
    [Range(32, 1024)]
    public int ThumbnailSize { get; set; } = 256;

    /// <summary>Longest side of the image page's full view, in pixels.</summary>
    [Range(256, 4096)]
    public int FullViewSize { get; set; } = 1600;

    /// <summary>Memory the rendered thumbnails may hold, in MiB.</summary>
    [Range(1, 4096)]
    public int ThumbnailCacheMegabytes { get; set; } = 64;

    /// <summary>The app role a signed-in user needs (Entra ID app roles, the token's <c>roles</c> claim).</summary>
    [Required]
    public string ReviewerRole { get; set; } = "Reviewer";

    /// <summary>The name verdicts carry when nobody signs in (loopback only). Default: <c>local:</c> and the OS user.</summary>
    public string? LocalReviewer { get; set; }

    /// <summary>Trust X-Forwarded-For/-Proto from the ingress in front (deployed behind a TLS-terminating proxy).</summary>
    public bool TrustForwardedHeaders { get; set; }

    internal string EffectiveIndexRoot => string.IsNullOrWhiteSpace(IndexRoot) ? Search.ImageSearch.DefaultIndexRoot() : IndexRoot;

    internal string EffectiveLocalReviewer => string.IsNullOrWhiteSpace(LocalReviewer) ? "local:" + Environment.UserName : LocalReviewer;

    internal InferenceOptions Inference => new() { ModelPath = ModelPath, Device = ExecutionDevice.Cpu, Precision = Precision };
}
