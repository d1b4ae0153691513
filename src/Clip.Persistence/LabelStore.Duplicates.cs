using Dapper;

namespace Clip.Persistence;

/// <summary>Near-duplicate groups, replaced whole for a model each time they are found.</summary>
public sealed partial class LabelStore
{
    private const string DeleteDuplicatesSql = "DELETE FROM duplicate_groups WHERE model_id = @ModelId";

    private const string ReadDuplicatesSql = """
        SELECT group_id AS GroupId, image_id AS ImageId, cosine_to_first AS CosineToFirst
        FROM duplicate_groups WHERE model_id = @ModelId ORDER BY group_id, image_id
        """;

    public async Task ReplaceDuplicateGroupsAsync(string modelId, IReadOnlyList<DuplicateMember> members, double minCosine, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(members);
        var now = _time.GetUtcNow();
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(DeleteDuplicatesSql, new { ModelId = modelId }, transaction, cancellationToken: cancellationToken));
        // An image deleted since the index was read is skipped rather than failing the whole write.
        await _dialect.InsertDuplicateGroupsAsync(connection, transaction, modelId, members, minCosine, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DuplicateMember>> ReadDuplicateGroupsAsync(string modelId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<DuplicateMember>(new CommandDefinition(ReadDuplicatesSql, new { ModelId = modelId }, cancellationToken: cancellationToken))];
    }
}
