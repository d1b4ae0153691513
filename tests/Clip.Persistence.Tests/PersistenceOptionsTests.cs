using System.ComponentModel.DataAnnotations;

namespace Clip.Persistence.Tests;

public sealed class PersistenceOptionsTests
{
    [Fact]
    public void Validate_EntraWithPasswordInConnectionString_FailsWithoutEchoingIt()
    {
        var options = Postgres("Host=db.example;Database=clip;Username=clip-workers;Password=hunter2");

        var e = Assert.Throws<ValidationException>(() => new LabelStore(options));

        Assert.Contains("has a Password but Clip:Database:Authentication is entra", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EntraWithoutUsername_FailsNamingThePrincipal()
    {
        var e = Assert.Throws<ValidationException>(() => new LabelStore(Postgres("Host=db.example;Database=clip")));

        Assert.Contains("no Username", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EntraOnSqlite_Fails()
    {
        var options = new PersistenceOptions { Authentication = DatabaseAuthentication.Entra };

        var e = Assert.Throws<ValidationException>(() => new LabelStore(options));

        Assert.Contains("Entra ID sign-in is for PostgreSQL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EntraWithHostDatabaseUserAndSsl_Passes()
    {
        var options = Postgres("Host=db.example;Database=clip;Username=clip-workers;SslMode=Require");

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    private static PersistenceOptions Postgres(string connectionString) => new()
    {
        Provider = DatabaseProvider.Postgres,
        Authentication = DatabaseAuthentication.Entra,
        ConnectionString = connectionString,
    };
}
