using Clip.Review.Hosting;

// The review app as its own program (the container's entry point): configuration from appsettings-free sources only,
// environment variables (Clip__Review__Port, Clip__Database__ConnectionString, AzureAd__ClientId, ...) and arguments.
try
{
    await using var app = ReviewApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (ReviewConfigurationException e)
{
    await Console.Error.WriteLineAsync($"clip-review: {e.Message}");
    return 2;
}
