using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Clip.Review.Tests;

/// <summary>Reads the results database straight from SQL, as a person checking what the app wrote would.</summary>
public static class Sql
{
    public static List<IReadOnlyList<string?>> Rows(string database, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var rows = new List<IReadOnlyList<string?>>();
        while (reader.Read())
        {
            rows.Add((string?[])[.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))]);
        }

        return rows;
    }

    public static string? Scalar(string database, string sql, params (string Name, object Value)[] parameters) =>
        Rows(database, sql, parameters).Single()[0];

    public static void Execute(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The id of the image whose source file is <paramref name="fileName"/>.</summary>
    public static long ImageId(string database, string fileName) =>
        long.Parse(Scalar(database, "SELECT id FROM images WHERE source_uri LIKE @Pattern", ("@Pattern", "%/" + fileName))!, CultureInfo.InvariantCulture);

    /// <summary>The taxonomy version the images were labelled with (one taxonomy per database in these tests).</summary>
    public static string TaxonomyVersion(string database) =>
        Scalar(database, "SELECT DISTINCT taxonomy_version FROM label_runs")!;
}
