using Microsoft.Playwright;

namespace Clip.Review.Tests.EndToEnd;

/// <summary>
/// Debian's chromium, headless, driven by Playwright. Playwright's own browser downloads are never used: a machine
/// without /usr/bin/chromium fails these tests with the fix in the message (tests/run-all.sh installs it).
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        Assert.True(
            File.Exists(ExecutablePath),
            $"{ExecutablePath} is missing: the review app's browser tests drive Debian's chromium. Install it (sudo apt-get install chromium, as tests/run-all.sh does); the tests never download a browser.");
        var playwright = await Playwright.CreateAsync();
        try
        {
            return new HeadlessChromium(playwright, await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true }));
        }
        catch (PlaywrightException e)
        {
            playwright.Dispose();
            throw new InvalidOperationException($"{ExecutablePath} did not start headless under Playwright: {e.Message}", e);
        }
    }

    /// <summary>
    /// A 1400×900 page and what the browser reports going wrong on it: script errors, console errors (a refused
    /// Content-Security-Policy, a failed fetch, a missing /favicon.ico).
    /// </summary>
    public async Task<(IPage Page, List<string> Problems)> NewPageAsync(Uri server)
    {
        var page = await Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"{message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => problems.Add(error);
        return (page, problems);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
