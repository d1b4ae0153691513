using System.Net;
using Clip.Inference.Imaging;
using Clip.Ingestion.Blobs;
using Clip.Ingestion.Sources;
using Clip.Persistence;
using Clip.Persistence.Review;
using Clip.Review.Images;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Identity.Web;

namespace Clip.Review.Hosting;

/// <summary>
/// Builds the review app: Razor Pages over the results database, thumbnails by image id, Entra ID sign-in with an app
/// role when <c>AzureAd:ClientId</c> is set, and otherwise loopback only with no sign-in.
/// </summary>
public static class ReviewApp
{
    /// <summary>Whether <c>AzureAd:ClientId</c> turns Entra ID sign-in on.</summary>
    public static bool SignInConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration?["AzureAd:ClientId"]);

    /// <summary>
    /// The app, configured from environment variables, <paramref name="args"/>, then <paramref name="overrides"/> (the
    /// CLI's options). Refuses, with <see cref="ReviewConfigurationException"/>, a bind address other than loopback
    /// without sign-in, and a database without this build's schema.
    /// </summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(ReviewApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var options = new ReviewOptions();
        builder.Configuration.GetSection(ReviewOptions.SectionName).Bind(options);
        ValidateOptions(options);
        var signIn = SignInConfigured(builder.Configuration);
        var address = ListenAddress(options.Bind);
        if (!signIn && !IPAddress.IsLoopback(address))
        {
            throw new ReviewConfigurationException(
                $"Clip:Review:Bind is {options.Bind}, which is not loopback, and no sign-in is configured: set AzureAd:TenantId, AzureAd:ClientId " +
                "(and a client credential) so that only people with the reviewer role can open it, or bind to 127.0.0.1.");
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, options.Port);
            k.AddServerHeader = false;
        });

        var database = new PersistenceOptions();
        builder.Configuration.GetSection(PersistenceOptions.SectionName).Bind(database);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new LabelStore(database, sp.GetRequiredService<ILogger<LabelStore>>()));
        builder.Services.AddSingleton(sp => new ReviewQueries(sp.GetRequiredService<LabelStore>()));
        builder.Services.AddSingleton(new KnownTaxonomies(options.Taxonomies));
        builder.Services.AddSingleton<ReviewSearch>();
        builder.Services.AddMemoryCache(o => o.SizeLimit = options.ThumbnailCacheMegabytes * 1024L * 1024);
        builder.Services.AddSingleton(new ImagePreview(new ImageLimits()));
        AddImageSources(builder);
        builder.Services.AddSingleton<Thumbnails>();

        builder.Services.AddRazorPages(o => o.Conventions.AddPageRoute("/Queue", string.Empty))
            .AddApplicationPart(typeof(ReviewApp).Assembly);
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "clip-review-af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.HeaderName = "X-CSRF-TOKEN";
        });
        if (signIn)
        {
            builder.Services.AddAuthentication(OpenIdConnectDefaults.AuthenticationScheme)
                .AddMicrosoftIdentityWebApp(builder.Configuration.GetSection("AzureAd"));
            builder.Services.AddAuthorization(o =>
                o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(options.ReviewerRole).Build());
        }
        else
        {
            builder.Services.AddAuthorization();
        }

        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        CheckDatabase(app);

        if (options.TrustForwardedHeaders)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            app.UseForwardedHeaders(forwarded);
        }

        app.Use(SecurityHeaders);
        app.UseRouting();
        if (signIn)
        {
            app.UseAuthentication();
        }

        app.UseAuthorization();
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
        app.MapGet("/assets/{name}", ServeAsset).AllowAnonymous();
        app.MapGet("/favicon.ico", () => Results.NoContent()).AllowAnonymous(); // No icon; browsers ask anyway.
        app.MapGet("/thumbnails/{imageId:long}", (long imageId, Thumbnails thumbnails, ReviewOptions o, CancellationToken ct) =>
            ServePreviewAsync(thumbnails, imageId, o.ThumbnailSize, ct));
        app.MapGet("/images/{imageId:long}/view", (long imageId, Thumbnails thumbnails, ReviewOptions o, CancellationToken ct) =>
            ServePreviewAsync(thumbnails, imageId, o.FullViewSize, ct));
        app.MapRazorPages();
        if (signIn)
        {
            app.MapPost("/signout", () => Results.SignOut(authenticationSchemes: [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        }

        var signInText = signIn ? "Entra ID, role " + options.ReviewerRole : "none (loopback only)";
        var target = app.Services.GetRequiredService<LabelStore>().Target;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Clip.Review");
            ReviewLog.Listening(logger, app.Urls, signInText, target);
        });
        return app;
    }

    private static void ValidateOptions(ReviewOptions options)
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true))
        {
            throw new ReviewConfigurationException("Clip:Review: " + string.Join("; ", results.Select(r => r.ErrorMessage)));
        }
    }

    private static IPAddress ListenAddress(string bind) =>
        string.Equals(bind, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(bind, out var address) ? address
        : throw new ReviewConfigurationException($"Clip:Review:Bind '{bind}' is not an IP address (use 127.0.0.1, or 0.0.0.0 with sign-in).");

    private static void AddImageSources(WebApplicationBuilder builder)
    {
        var sources = new BlobSourceOptions();
        builder.Configuration.GetSection(BlobSourceOptions.SectionName).Bind(sources);
        var storage = new BlobStorageOptions();
        builder.Configuration.GetSection(BlobStorageOptions.SectionName).Bind(storage);
        if (sources.AllowedContainers.Count > 0)
        {
            builder.Services.AddSingleton(new BlobSourcePolicy(sources));
            builder.Services.AddSingleton(sp => new BlobImageFetcher(storage, sp.GetRequiredService<ILogger<BlobImageFetcher>>()));
        }

        builder.Services.AddSingleton(sp => new ImageContentReader(
            sp.GetService<BlobSourcePolicy>(), sp.GetService<BlobImageFetcher>(), sources.MaxBlobBytes));
    }

    private static void CheckDatabase(WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<ReviewQueries>().CheckSchemaAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or System.ComponentModel.DataAnnotations.ValidationException or System.Data.Common.DbException)
        {
            // A schema too old, a malformed connection string, or a database that cannot be reached or read.
            throw new ReviewConfigurationException(e.Message, e);
        }
    }

    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self' https://login.microsoftonline.com; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        return next(context);
    }

    private static async Task<IResult> ServePreviewAsync(Thumbnails thumbnails, long imageId, int size, CancellationToken cancellationToken)
    {
        var rendering = await thumbnails.RenderAsync(imageId, size, cancellationToken);
        if (rendering.Jpeg is { } jpeg)
        {
            return new PreviewResult(jpeg);
        }

        return rendering == Rendering.Missing
            ? Results.NotFound()
            : Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No preview", detail: rendering.Failure);
    }

    private static IResult ServeAsset(string name)
    {
        var type = Path.GetExtension(name) switch
        {
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            _ => null,
        };
        var stream = type is null ? null : typeof(ReviewApp).Assembly.GetManifestResourceStream("Assets/" + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }

    // A rendering for one image row never changes (a new version of a file is a new row), so browsers may keep it; private,
    // since what a reviewer may see is theirs.
    private sealed class PreviewResult(byte[] jpeg) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "private, max-age=86400";
            return Results.Bytes(jpeg, "image/jpeg").ExecuteAsync(httpContext);
        }
    }
}
