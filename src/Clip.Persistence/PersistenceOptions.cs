using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Clip.Persistence;

/// <summary>Where results are written. Bound from the <c>Clip:Database</c> section.</summary>
public sealed class PersistenceOptions : IValidatableObject
{
    public const string SectionName = "Clip:Database";

    public const string DefaultSqliteConnectionString = "Data Source=clip.db";

    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>An ADO.NET connection string for <see cref="Provider"/>; never logged.</summary>
    [Required]
    public string ConnectionString { get; set; } = DefaultSqliteConnectionString;

    /// <summary>
    /// How PostgreSQL connections sign in: <see cref="DatabaseAuthentication.Password"/> (the connection string's) or
    /// <see cref="DatabaseAuthentication.Entra"/> (an Entra ID token for the connection string's Username, which is then
    /// the Entra principal's name: for a managed identity, the identity's name).
    /// </summary>
    [EnumDataType(typeof(DatabaseAuthentication))]
    public DatabaseAuthentication Authentication { get; set; } = DatabaseAuthentication.Password;

    /// <summary>
    /// Apply pending schema migrations when the host starts. Leave it off where the host's database role may not
    /// change the schema (a least-privilege Entra principal); an administrator runs <c>clip db migrate</c> instead.
    /// </summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>How often the Entra token is checked (a cache read until it is due); short in tests.</summary>
    internal TimeSpan EntraTokenPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How soon a failed request for an Entra token is retried.</summary>
    internal TimeSpan EntraTokenRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield break; // [Required] reports it.
        }

        if (Provider == DatabaseProvider.Postgres && ConnectionString == DefaultSqliteConnectionString)
        {
            yield return new ValidationResult(
                $"{SectionName}:Provider is postgres but {SectionName}:ConnectionString is still the SQLite default; set a PostgreSQL connection string.",
                [nameof(ConnectionString)]);
            yield break;
        }

        if (Provider == DatabaseProvider.Sqlite && Authentication == DatabaseAuthentication.Entra)
        {
            yield return new ValidationResult(
                $"{SectionName}:Authentication is entra but {SectionName}:Provider is sqlite; Entra ID sign-in is for PostgreSQL.",
                [nameof(Authentication)]);
            yield break;
        }

        // The messages name the setting, never its value: connection strings carry passwords.
        string? problem = null;
        try
        {
            switch (Provider)
            {
                case DatabaseProvider.Sqlite:
                    if (string.IsNullOrWhiteSpace(new SqliteConnectionStringBuilder(ConnectionString).DataSource))
                    {
                        problem = $"{SectionName}:ConnectionString has no Data Source for SQLite.";
                    }

                    break;
                case DatabaseProvider.Postgres:
                    var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
                    if (string.IsNullOrWhiteSpace(builder.Host))
                    {
                        problem = $"{SectionName}:ConnectionString has no Host for PostgreSQL (set it when {SectionName}:Provider is postgres).";
                    }
                    else if (Authentication == DatabaseAuthentication.Entra && !string.IsNullOrEmpty(builder.Password))
                    {
                        problem = $"{SectionName}:ConnectionString has a Password but {SectionName}:Authentication is entra: remove the Password (the Entra ID token is the password), or set Authentication to password.";
                    }
                    else if (Authentication == DatabaseAuthentication.Entra && string.IsNullOrWhiteSpace(builder.Username))
                    {
                        problem = $"{SectionName}:ConnectionString has no Username but {SectionName}:Authentication is entra: set it to the Entra principal's name (for a managed identity, the identity's name).";
                    }

                    break;
            }
        }
        catch (ArgumentException)
        {
            problem = $"{SectionName}:ConnectionString is not a valid {Provider} connection string.";
        }
        catch (FormatException)
        {
            problem = $"{SectionName}:ConnectionString is not a valid {Provider} connection string.";
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(ConnectionString)]);
        }
    }
}
