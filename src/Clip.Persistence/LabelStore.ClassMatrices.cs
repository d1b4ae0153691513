using Dapper;

namespace Clip.Persistence;

/// <summary>Class matrices shared between workers; the bytes are opaque here and checked by the reader.</summary>
public sealed partial class LabelStore
{
    private const string FindClassMatrixSql = "SELECT matrix FROM class_matrices WHERE model_id = @ModelId AND taxonomy_version = @TaxonomyVersion";

    private const string InsertClassMatrixSql = """
        INSERT INTO class_matrices (model_id, taxonomy_version, matrix, created_at)
        VALUES (@ModelId, @TaxonomyVersion, @Matrix, @Now)
        ON CONFLICT (model_id, taxonomy_version) DO NOTHING
        """;

    public async Task<byte[]?> FindClassMatrixAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentException.ThrowIfNullOrWhiteSpace(taxonomyVersion);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<byte[]?>(new CommandDefinition(
            FindClassMatrixSql, new { ModelId = modelId, TaxonomyVersion = taxonomyVersion }, cancellationToken: cancellationToken));
    }

    public async Task SaveClassMatrixAsync(string modelId, string taxonomyVersion, byte[] encoded, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentException.ThrowIfNullOrWhiteSpace(taxonomyVersion);
        ArgumentNullException.ThrowIfNull(encoded);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            InsertClassMatrixSql,
            new { ModelId = modelId, TaxonomyVersion = taxonomyVersion, Matrix = encoded, Now = _time.GetUtcNow() },
            cancellationToken: cancellationToken));
    }
}
