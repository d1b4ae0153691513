using Azure.Core;
using Clip.Persistence.Authentication;
using Clip.TestUtilities;
using Npgsql;

namespace Clip.Persistence.Tests.Authentication;

/// <summary>
/// <c>Clip:Database:Authentication=entra</c> against a real PostgreSQL whose login role must present its password:
/// the stand-in credential's token is that password, so a connection works only with the token the store fetched.
/// </summary>
[Collection(PostgresServerDefinition.Name)]
public sealed class EntraAuthenticationTests(PostgresServer server)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task MigrateAsync_EntraToken_SignsInWithTheTokenForTheDatabaseScope()
    {
        var (role, connectionString) = await server.CreatePasswordLoginAsync("token-one");
        var credential = new ScriptedTokenCredential(ScriptedTokenCredential.Token("token-one", Hour));
        await using var store = new LabelStore(Entra(connectionString), credential: credential);

        var applied = await store.MigrateAsync();

        Assert.NotEmpty(applied);
        var request = Assert.Single(credential.Requests.DistinctBy(r => string.Join(' ', r.Scopes)));
        Assert.Equal(["https://ossrdbms-aad.database.windows.net/.default"], request.Scopes);
        Assert.Equal(role, await CurrentUserAsync(connectionString, "token-one"));
    }

    [Fact]
    public async Task MigrateAsync_TokenStillFresh_AsksTheCredentialOnce()
    {
        var (_, connectionString) = await server.CreatePasswordLoginAsync("token-one");
        var credential = new ScriptedTokenCredential(ScriptedTokenCredential.Token("token-one", Hour));
        await using var store = new LabelStore(Entra(connectionString, pollMs: 50), credential: credential);

        await store.MigrateAsync();
        await Task.Delay(500);
        await store.MigrateAsync();

        Assert.Equal(1, credential.RequestCount);
    }

    [Fact]
    public async Task OpenConnection_TokenExpires_RequestsANewTokenAndSignsInWithIt()
    {
        var (role, connectionString) = await server.CreatePasswordLoginAsync("token-one");
        var credential = new ScriptedTokenCredential(
            ScriptedTokenCredential.Token("token-one", TimeSpan.FromSeconds(2)),
            ScriptedTokenCredential.Token("token-two", Hour));
        await using var store = new LabelStore(Entra(connectionString, pollMs: 100), credential: credential);
        await store.MigrateAsync();

        // As Entra does: the old token stops working, the next one is the only way in.
        await server.SetPasswordAsync(role, "token-two");
        await WaitForAsync(() => credential.RequestCount >= 2, TimeSpan.FromSeconds(20));
        await Task.Delay(300); // Npgsql swaps the password in after the provider returns.

        var applied = await store.MigrateAsync();

        Assert.Empty(applied);
        Assert.Equal(2, credential.RequestCount);
    }

    [Fact]
    public async Task MigrateAsync_WrongToken_FailsWithPasswordAuthenticationError()
    {
        var (role, connectionString) = await server.CreatePasswordLoginAsync("the-real-password");
        var credential = new ScriptedTokenCredential(ScriptedTokenCredential.Token("not-the-password", Hour));
        await using var store = new LabelStore(Entra(connectionString), credential: credential);

        var e = await Assert.ThrowsAsync<PostgresException>(() => store.MigrateAsync());

        Assert.Equal(PostgresErrorCodes.InvalidPassword, e.SqlState);
        Assert.Contains(role, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_CredentialFails_ThrowsDatabaseTokenExceptionNamingTheScope()
    {
        var (_, connectionString) = await server.CreatePasswordLoginAsync("token-one");
        await using var store = new LabelStore(Entra(connectionString), credential: new FailingTokenCredential());

        var e = await Assert.ThrowsAnyAsync<Exception>(() => store.MigrateAsync());

        var tokenError = Assert.IsType<DatabaseTokenException>(FindInChain<DatabaseTokenException>(e));
        Assert.Contains("https://ossrdbms-aad.database.windows.net/.default", tokenError.Message, StringComparison.Ordinal);
        Assert.Contains("no workload identity in this pod", tokenError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_PasswordMode_NeverAsksForAToken()
    {
        var (_, connectionString) = await server.CreatePasswordLoginAsync("token-one");
        var credential = new ScriptedTokenCredential(ScriptedTokenCredential.Token("token-one", Hour));
        var withPassword = new NpgsqlConnectionStringBuilder(connectionString) { Password = "token-one" }.ConnectionString;
        await using var store = new LabelStore(
            new PersistenceOptions { Provider = DatabaseProvider.Postgres, ConnectionString = withPassword }, credential: credential);

        await store.MigrateAsync();

        Assert.Equal(0, credential.RequestCount);
    }

    private static PersistenceOptions Entra(string connectionString, int pollMs = 30_000) => new()
    {
        Provider = DatabaseProvider.Postgres,
        Authentication = DatabaseAuthentication.Entra,
        // A fresh physical connection per open, so that each one signs in with the password of the moment.
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString,
        EntraTokenPollInterval = TimeSpan.FromMilliseconds(pollMs),
        EntraTokenRetryInterval = TimeSpan.FromMilliseconds(100),
    };

    private static async Task<string> CurrentUserAsync(string connectionString, string password)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Password = password }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_user", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the credential to be asked again");
            await Task.Delay(50);
        }
    }

    private static T? FindInChain<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }
}

public sealed class EntraTokenPasswordTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void RefreshTime_HourLongToken_FiveMinutesBeforeExpiry()
    {
        var token = new AccessToken("t", Now.AddHours(1));

        Assert.Equal(Now.AddMinutes(55), EntraTokenPassword.RefreshTime(token, Now));
    }

    [Fact]
    public void RefreshTime_ShortLivedToken_HalfwayThroughItsLife()
    {
        var token = new AccessToken("t", Now.AddSeconds(4));

        Assert.Equal(Now.AddSeconds(2), EntraTokenPassword.RefreshTime(token, Now));
    }

    [Fact]
    public void RefreshTime_CredentialHintsEarlier_FollowsTheHint()
    {
        var token = new AccessToken("t", Now.AddHours(1), refreshOn: Now.AddMinutes(30), tokenType: "Bearer");

        Assert.Equal(Now.AddMinutes(30), EntraTokenPassword.RefreshTime(token, Now));
    }

    [Fact]
    public void RefreshTime_AlreadyExpired_Now()
    {
        var token = new AccessToken("t", Now.AddSeconds(-1));

        Assert.Equal(Now, EntraTokenPassword.RefreshTime(token, Now));
    }
}
