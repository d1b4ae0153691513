using Npgsql;

namespace Clip.TestUtilities;

/// <summary>The grant scripts of <c>infra/sql</c>, run as infra/README.md tells the administrator to run them with psql.</summary>
public static class RoleScripts
{
    /// <summary>
    /// Runs <c>infra/sql/<paramref name="script"/></c> on <paramref name="adminConnectionString"/>'s database with
    /// its psql variable (the file name with '_' for '-', e.g. <c>:"worker_role"</c> in <c>worker-role.sql</c>) set to
    /// <paramref name="role"/>.
    /// </summary>
    public static async Task GrantAsync(string adminConnectionString, string script, string role)
    {
        var variable = ":\"" + Path.GetFileNameWithoutExtension(script).Replace('-', '_') + "\"";
        var text = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "infra", "sql", script));
        if (!text.Contains(variable, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{script} never names {variable}.");
        }

        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(text.Replace(variable, "\"" + role + "\"", StringComparison.Ordinal), connection);
        await command.ExecuteNonQueryAsync();
    }
}
