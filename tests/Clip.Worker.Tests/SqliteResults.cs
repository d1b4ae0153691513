using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Clip.Worker.Tests;

/// <summary>Reads what a worker wrote to a SQLite results file, the way a user would query it.</summary>
internal sealed class SqliteResults(string path)
{
    public string ConnectionString { get; } = $"Data Source={path}";

    public async Task<long> ScalarAsync(string sql)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        if (!await HasSchemaAsync(connection))
        {
            return 0;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>File name → top label of every labelled image.</summary>
    public async Task<Dictionary<string, string>> TopLabelsAsync()
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT i.source_uri, l.label_id
            FROM images i JOIN label_runs r ON r.image_id = i.id JOIN labels l ON l.run_id = r.id
            WHERE l.rank = 1
            """;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            labels.Add(Path.GetFileName(new Uri(reader.GetString(0)).LocalPath), reader.GetString(1));
        }

        return labels;
    }

    /// <summary>(file name, stage, reason) of every failure row.</summary>
    public async Task<List<(string File, string Stage, string Reason)>> FailuresAsync()
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT source_uri, stage, reason FROM failures ORDER BY id";
        var failures = new List<(string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            failures.Add((Path.GetFileName(new Uri(reader.GetString(0)).LocalPath), reader.GetString(1), reader.GetString(2)));
        }

        return failures;
    }

    private static async Task<bool> HasSchemaAsync(SqliteConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'label_runs'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) > 0;
    }
}
