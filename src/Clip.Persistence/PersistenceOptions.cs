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

    /// <summary>Apply pending schema migrations when the host starts.</summary>
    public bool MigrateOnStart { get; set; }

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
                    if (string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(ConnectionString).Host))
                    {
                        problem = $"{SectionName}:ConnectionString has no Host for PostgreSQL (set it when {SectionName}:Provider is postgres).";
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
