using System.Data.Common;
using Dapper;

namespace Clip.Persistence.Tests;

/// <summary>Heads: candidates, promotion, rollback.</summary>
public abstract partial class LabelStoreContract
{
    private const string Metrics = """{"macro_f1": 0.91, "per_class": {"cat": {"f1": 0.93}, "dög": {"f1": 0.89}}, "note": "it's \"fine\""}""";

    private const string Training = """{"epochs": 30, "lr": 0.001, "examples": {"train": 800, "validation": 200}, "seed": 7}""";

    [Fact]
    public async Task SaveHeadAsync_GetAndList_RoundTripWeightsAndJson()
    {
        var weights = new byte[70_000];
        new Random(3).NextBytes(weights);
        weights[0] = 0;
        await Store.SaveHeadAsync(Head("head-1") with { Weights = weights });
        Time.Now += TimeSpan.FromMinutes(1);
        await Store.SaveHeadAsync(Head("head-2"));
        await Store.SaveHeadAsync(Head("head-other", model: OtherModel));

        var stored = await Store.GetHeadAsync("head-1");

        Assert.NotNull(stored);
        Assert.Equal(weights, stored.Weights);
        Assert.Equal(Head("head-1") with { Weights = stored.Weights, CreatedAt = Time.Now - TimeSpan.FromMinutes(1) }, stored);
        Assert.Null(await Store.GetHeadAsync("head-9"));
        var listed = await Store.ListHeadsAsync(Outcomes.Model, Outcomes.Taxonomy);
        Assert.Equal(["head-2", "head-1"], listed.Select(h => h.Version));
        Assert.Equal((70_000L, Metrics, 0.25, false, (DateTimeOffset?)null), (listed[1].WeightsBytes, listed[1].MetricsJson, listed[1].Alpha, listed[1].IsPromoted, listed[1].PromotedAt));
        Assert.Equal(3, (await Store.ListHeadsAsync()).Count);
    }

    [Fact]
    public async Task SaveHeadAsync_ExistingVersion_ThrowsAndKeepsTheFirst()
    {
        await Store.SaveHeadAsync(Head("head-1"));

        await Assert.ThrowsAsync<DuplicateHeadException>(() => Store.SaveHeadAsync(Head("head-1") with { Alpha = 0.75 }));

        Assert.Equal(0.25, (await Store.GetHeadAsync("head-1"))!.Alpha);
    }

    [Fact]
    public async Task SaveHeadAsync_PromotedOrInvalid_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveHeadAsync(Head("head-1") with { IsPromoted = true, PromotedAt = Time.Now }));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveHeadAsync(Head("head-1") with { MetricsJson = "{not json" }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.SaveHeadAsync(Head("head-1") with { Alpha = 1.5 }));

        Assert.Equal(0, await CountAsync("heads"));
    }

    [Fact]
    public async Task PromoteHeadAsync_Second_DemotesTheFirstAndLeavesOtherModelsAlone()
    {
        await SaveHeadsAsync("head-1", "head-2");
        await Store.SaveHeadAsync(Head("head-other", model: OtherModel));
        await Store.PromoteHeadAsync("head-other");
        await Store.PromoteHeadAsync("head-1");
        Time.Now += TimeSpan.FromMinutes(1);

        await Store.PromoteHeadAsync("head-2");

        var promoted = await Store.GetPromotedHeadAsync(Outcomes.Model, Outcomes.Taxonomy);
        Assert.Equal(("head-2", true, (DateTimeOffset?)Time.Now), (promoted!.Version, promoted.IsPromoted, promoted.PromotedAt));
        Assert.False((await Store.GetHeadAsync("head-1"))!.IsPromoted);
        Assert.Equal("head-other", (await Store.GetPromotedHeadAsync(OtherModel, Outcomes.Taxonomy))!.Version);
        Assert.Null(await Store.GetPromotedHeadAsync(Outcomes.Model, "sha256:taxonomy-b"));
    }

    [Fact]
    public async Task PromoteHeadAsync_AlreadyPromoted_ChangesNothing()
    {
        await SaveHeadsAsync("head-1");
        await Store.PromoteHeadAsync("head-1");

        await Store.PromoteHeadAsync("head-1");

        Assert.Equal(1, await CountAsync("head_promotions"));
        Assert.Null(await Store.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy));
    }

    [Fact]
    public async Task PromoteHeadAsync_UnknownVersion_Throws()
    {
        var e = await Assert.ThrowsAsync<UnknownHeadException>(() => Store.PromoteHeadAsync("head-9"));

        Assert.Contains("head-9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RollbackHeadAsync_RestoresThePreviousThenZeroShot()
    {
        await SaveHeadsAsync("head-1", "head-2");
        await Store.PromoteHeadAsync("head-1");
        await Store.PromoteHeadAsync("head-2");

        var first = await Store.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy);
        var firstPromoted = await Store.GetPromotedHeadAsync(Outcomes.Model, Outcomes.Taxonomy);
        var second = await Store.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy);
        var third = await Store.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy);

        Assert.Equal(("head-1", "head-1"), (first, firstPromoted!.Version));
        Assert.Null(second);
        Assert.Null(third);
        Assert.Null(await Store.GetPromotedHeadAsync(Outcomes.Model, Outcomes.Taxonomy));
        Assert.DoesNotContain(await Store.ListHeadsAsync(), h => h.IsPromoted);
    }

    [Fact]
    public async Task RollbackHeadAsync_AfterRollbackAndNewPromotion_ReturnsToTheHeadBeforeIt()
    {
        await SaveHeadsAsync("head-1", "head-2", "head-3");
        await Store.PromoteHeadAsync("head-1");
        await Store.PromoteHeadAsync("head-2");
        await Store.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy);
        await Store.PromoteHeadAsync("head-3");

        var restored = await Store.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy);

        Assert.Equal("head-1", restored);
        Assert.Equal("head-1", (await Store.GetPromotedHeadAsync(Outcomes.Model, Outcomes.Taxonomy))!.Version);
    }

    [Fact]
    public async Task PromoteHeadAsync_Concurrently_NeverLeavesTwoPromoted()
    {
        var versions = Enumerable.Range(1, 8).Select(i => $"head-{i}").ToArray();
        await SaveHeadsAsync(versions);

        await Task.WhenAll(versions.Concat(versions).Select(v => Task.Run(() => Store.PromoteHeadAsync(v))));

        var promoted = Assert.Single(await Store.ListHeadsAsync(), h => h.IsPromoted);
        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        var lastPromotion = await connection.ExecuteScalarAsync<string>("SELECT version FROM head_promotions ORDER BY id DESC LIMIT 1");
        Assert.Equal(lastPromotion, promoted.Version);
    }

    [Fact]
    public async Task Heads_SecondPromotedRowWrittenByHand_IsRejectedByTheSchema()
    {
        await SaveHeadsAsync("head-1", "head-2");
        await Store.PromoteHeadAsync("head-1");
        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);

        await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync(
            "UPDATE heads SET is_promoted = true, promoted_at = created_at WHERE version = @Version", new { Version = "head-2" }));

        Assert.Equal("head-1", (await Store.GetPromotedHeadAsync(Outcomes.Model, Outcomes.Taxonomy))!.Version);
    }

    private StoredHead Head(string version, string model = Outcomes.Model) =>
        new(version, model, Outcomes.Taxonomy, [1, 2, 3, 0, 255], Metrics, 0.25, Training, Time.Now);

    private async Task SaveHeadsAsync(params string[] versions)
    {
        foreach (var version in versions)
        {
            await Store.SaveHeadAsync(Head(version));
            Time.Now += TimeSpan.FromSeconds(1);
        }
    }
}
