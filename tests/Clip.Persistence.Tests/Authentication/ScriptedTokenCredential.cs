using System.Collections.Concurrent;
using Azure.Core;

namespace Clip.Persistence.Tests.Authentication;

/// <summary>
/// Stands in for <c>DefaultAzureCredential</c>: hands out the scripted tokens in turn (the last one for ever after) and
/// records every request. Against the test server a token is simply the login role's password.
/// </summary>
internal sealed class ScriptedTokenCredential(params Func<AccessToken>[] tokens) : TokenCredential
{
    private int _served;

    public ConcurrentQueue<TokenRequestContext> Requests { get; } = new();

    public int RequestCount => Requests.Count;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Requests.Enqueue(requestContext);
        var next = Interlocked.Increment(ref _served) - 1;
        return tokens[Math.Min(next, tokens.Length - 1)]();
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));

    public static Func<AccessToken> Token(string password, TimeSpan lifetime) =>
        () => new AccessToken(password, DateTimeOffset.UtcNow + lifetime);
}

/// <summary>A credential that cannot sign in, as when the pod has no federated identity.</summary>
internal sealed class FailingTokenCredential : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("no workload identity in this pod");

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("no workload identity in this pod");
}
