using System.Globalization;
using System.Reflection;

namespace Clip.Persistence.Migrations;

/// <summary>One embedded SQL script, <c>Migrations/&lt;Dialect&gt;/&lt;version&gt;_&lt;name&gt;.sql</c>.</summary>
internal sealed record SchemaMigration(int Version, string Name, string Sql)
{
    /// <summary>The dialect's migrations in version order.</summary>
    public static IReadOnlyList<SchemaMigration> Load(string dialectFolder)
    {
        var assembly = typeof(SchemaMigration).Assembly;
        var prefix = $"Migrations/{dialectFolder}/";
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = resource[prefix.Length..^".sql".Length];
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version <= 0)
            {
                throw new InvalidOperationException($"Migration {resource} is not named <version>_<name>.sql.");
            }

            migrations.Add(new SchemaMigration(version, fileName[(separator + 1)..], Read(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Two {dialectFolder} migrations have version {migrations[i].Version}.");
            }
        }

        return migrations.Count > 0
            ? migrations
            : throw new InvalidOperationException($"No embedded migrations under {prefix}.");
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
