using Azure.Core;
using Microsoft.Extensions.Logging;

namespace Clip.Persistence.Authentication;

/// <summary>
/// Hands out an Entra ID access token for Azure Database for PostgreSQL as the connection password, and asks the
/// credential for a new one only when the current one is near its expiry. Npgsql's periodic password provider calls
/// <see cref="GetPasswordAsync"/> every <see cref="PersistenceOptions.EntraTokenPollInterval"/> and retries a failure
/// after <see cref="PersistenceOptions.EntraTokenRetryInterval"/>. Tokens are never logged.
/// </summary>
internal sealed class EntraTokenPassword(TokenCredential credential, TimeProvider time, ILogger logger)
{
    /// <summary>The scope every Azure Database for PostgreSQL server accepts tokens for.</summary>
    public const string Scope = "https://ossrdbms-aad.database.windows.net/.default";

    /// <summary>The most a token is refreshed ahead of its expiry (Entra tokens last an hour or more).</summary>
    public static readonly TimeSpan MaxSafetyMargin = TimeSpan.FromMinutes(5);

    private static readonly TokenRequestContext Request = new([Scope]);

    // Swapped whole, so a reader never sees one token with another's refresh time; two racing callers at worst both ask.
    private volatile CachedToken? _cached;

    public async ValueTask<string> GetPasswordAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cached is { } cached && now < cached.RefreshAt)
        {
            return cached.Token.Token;
        }

        AccessToken token;
        try
        {
            token = await credential.GetTokenAsync(Request, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.DatabaseTokenFailed(logger, e.GetType().Name);
            throw new DatabaseTokenException(
                $"Could not get a Microsoft Entra ID token for PostgreSQL (scope {Scope}): {e.Message}", e);
        }

        var refreshAt = RefreshTime(token, now);
        _cached = new CachedToken(token, refreshAt);
        Log.DatabaseTokenAcquired(logger, token.ExpiresOn, refreshAt);
        return token.Token;
    }

    /// <summary>
    /// When to ask for the next token: the credential's own hint (<see cref="AccessToken.RefreshOn"/>) when it gives
    /// one, otherwise ahead of <see cref="AccessToken.ExpiresOn"/> by five minutes or half the remaining lifetime,
    /// whichever is less, so that a short-lived token is still used before it is replaced.
    /// </summary>
    public static DateTimeOffset RefreshTime(AccessToken token, DateTimeOffset now)
    {
        var lifetime = token.ExpiresOn - now;
        if (lifetime <= TimeSpan.Zero)
        {
            return now;
        }

        var margin = lifetime / 2 < MaxSafetyMargin ? lifetime / 2 : MaxSafetyMargin;
        var beforeExpiry = token.ExpiresOn - margin;
        return token.RefreshOn is { } hint && hint < beforeExpiry ? hint : beforeExpiry;
    }

    private sealed record CachedToken(AccessToken Token, DateTimeOffset RefreshAt);
}
