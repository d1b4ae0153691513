using System.Text.RegularExpressions;
using Clip.Persistence.Review;
using Dapper;

namespace Clip.Persistence.Tests;

/// <summary>
/// The review app's reads (<see cref="ReviewQueries"/>): the queue shows each image's latest run once, least confident
/// first, through every filter and page; cards carry their alternatives and latest verdict; the quality figures count
/// latest runs and latest verdicts; and the unfiltered queue walks its index instead of sorting the taxonomy's runs.
/// </summary>
public abstract partial class LabelStoreContract
{
    private const string OtherTaxonomy = "sha256:taxonomy-b";

    private ReviewQueries Review => new(Store);

    private static QueueFilter AllOf(string taxonomy = Outcomes.Taxonomy) => new(Outcomes.Model, taxonomy);

    [Fact]
    public async Task ReadQueueAsync_Unfiltered_LeastConfidentFirstThenByRunId()
    {
        await Store.WriteBatchAsync([Scored("a.jpg", "cat", 0.7), Scored("b.jpg", "dog", 0.3), Scored("c.jpg", "cat", 0.5), Scored("d.jpg", "fox", 0.3)]);

        var page = await Review.ReadQueueAsync(AllOf(), null, 10);

        Assert.Equal(["b.jpg", "d.jpg", "c.jpg", "a.jpg"], page.Cards.Select(c => c.SourceUri));
        Assert.Equal([0.3, 0.3, 0.5, 0.7], page.Cards.Select(c => c.Probability));
        Assert.True(page.Cards[0].RunId < page.Cards[1].RunId);
        Assert.Null(page.Next);
        Assert.Empty((await Review.ReadQueueAsync(AllOf(OtherTaxonomy), null, 10)).Cards);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(ReviewQueries.MaxPageSize)]
    public async Task ReadQueueAsync_PagedByCursor_ShowsEveryLatestRunExactlyOnceInOrder(int pageSize)
    {
        for (var i = 0; i < 30; i++)
        {
            // Six probabilities for thirty images: most cards tie with others, so the run id decides their order.
            await Store.WriteBatchAsync([Scored($"img-{i:D2}.jpg", "cat", 0.05 + (i % 6 / 10.0))]);
        }

        Time.Now += TimeSpan.FromMinutes(1);
        var relabelled = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 30; i += 4)
        {
            relabelled.Add($"img-{i:D2}.jpg");
            await Store.WriteBatchAsync([Scored($"img-{i:D2}.jpg", "dog", 0.05 + (i % 5 / 10.0)) with { HeadVersion = "head-7" }]);
        }

        var cards = new List<QueueCard>();
        QueueCursor? after = null;
        var pages = 0;
        do
        {
            var page = await Review.ReadQueueAsync(AllOf(), after, pageSize);
            Assert.InRange(page.Cards.Count, 1, pageSize);
            cards.AddRange(page.Cards);
            after = page.Next;
            pages++;
        }
        while (after is not null && pages <= 30);

        Assert.Equal(30, cards.Count);
        Assert.Equal(30, cards.Select(c => c.ImageId).Distinct().Count());
        Assert.Equal(cards.OrderBy(c => c.Probability).ThenBy(c => c.RunId).Select(c => c.RunId), cards.Select(c => c.RunId));
        Assert.All(cards, c => Assert.Equal(relabelled.Contains(c.SourceUri) ? "head-7" : null, c.HeadVersion));
        Assert.Equal((int)Math.Ceiling(30.0 / pageSize), pages);
    }

    [Fact]
    public async Task ReadQueueAsync_ImageLabelledAgain_ShowsOnlyItsLatestRun()
    {
        await Store.WriteBatchAsync([Scored("cat.jpg", "cat", 0.2)]);
        Time.Now += TimeSpan.FromMinutes(1);
        await Store.WriteBatchAsync([Scored("cat.jpg", "lynx", 0.9) with { HeadVersion = "head-7" }]);
        await Store.WriteBatchAsync([Scored("cat.jpg", "animal", 0.1) with { TaxonomyVersion = OtherTaxonomy }]);
        // Two runs at one instant: the later-written (higher id) is the latest.
        await Store.WriteBatchAsync([Scored("dog.jpg", "dog", 0.3)]);
        await Store.WriteBatchAsync([Scored("dog.jpg", "wolf", 0.4) with { HeadVersion = "head-7" }]);

        var cards = (await Review.ReadQueueAsync(AllOf(), null, 10)).Cards;

        Assert.Equal([("dog.jpg", "wolf", "head-7"), ("cat.jpg", "lynx", "head-7")], cards.Select(c => (c.SourceUri, c.LabelId, c.HeadVersion)));
        Assert.Empty((await Review.ReadQueueAsync(AllOf() with { Head = HeadFilter.ZeroShot }, null, 10)).Cards);
        Assert.Equal("animal", Assert.Single((await Review.ReadQueueAsync(AllOf(OtherTaxonomy), null, 10)).Cards).LabelId);
        Assert.Equal(3, (await Review.GetRunsAsync(cards[1].ImageId)).Count);
    }

    [Theory]
    [InlineData("none", "a f c e b d")]
    [InlineData("label cat", "a c d")]
    [InlineData("abstained", "c")]
    [InlineData("not abstained", "a f e b d")]
    [InlineData("probability 0.3 to 0.6", "f c e b")]
    [InlineData("probability from 0.5", "e b d")]
    [InlineData("probability up to 0.4", "a f c")]
    [InlineData("zero-shot", "a f c e")]
    [InlineData("head-7", "b")]
    [InlineData("unreviewed", "a f c b d")]
    [InlineData("from minute 2", "f c e d")]
    [InlineData("until minute 2", "a b")]
    [InlineData("zero-shot cat labels, not abstained", "a")]
    public async Task ReadQueueAsync_Filter_KeepsExactlyTheMatchingLatestRuns(string filter, string expected)
    {
        var start = Time.Now;
        await SeedQueueWorldAsync();
        var all = AllOf();
        var chosen = filter switch
        {
            "none" => all,
            "label cat" => all with { LabelId = "cat" },
            "abstained" => all with { Abstained = true },
            "not abstained" => all with { Abstained = false },
            "probability 0.3 to 0.6" => all with { MinProbability = 0.3, MaxProbability = 0.6 },
            "probability from 0.5" => all with { MinProbability = 0.5 },
            "probability up to 0.4" => all with { MaxProbability = 0.4 },
            "zero-shot" => all with { Head = HeadFilter.ZeroShot },
            "head-7" => all with { Head = HeadFilter.Version, HeadVersion = "head-7" },
            "unreviewed" => all with { UnreviewedOnly = true },
            "from minute 2" => all with { From = start + TimeSpan.FromMinutes(2) },
            "until minute 2" => all with { Until = start + TimeSpan.FromMinutes(2) },
            "zero-shot cat labels, not abstained" => all with { LabelId = "cat", Head = HeadFilter.ZeroShot, Abstained = false },
            _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, null),
        };

        var cards = (await Review.ReadQueueAsync(chosen, null, 10)).Cards;

        Assert.Equal(expected.Split(' ').Select(n => n + ".jpg"), cards.Select(c => c.SourceUri));
    }

    [Fact]
    public async Task ReadQueueAsync_Card_CarriesItsTopLabelsInRankOrderAndTheLatestVerdict()
    {
        var many = Outcomes.Labelled("cat.jpg", labels: [.. Enumerable.Range(1, 11).Select(i => $"label-{i:D2}")]);
        // Stored in reverse: the card's order comes from the ranks, not from the order of writing.
        await Store.WriteBatchAsync([many with { Labels = [.. many.Labels.Reverse()] }, Scored("dog.jpg", "dog", 0.9)]);
        await Store.AddFeedbackAsync(Feedback("cat.jpg", "dog"));
        await Store.AddFeedbackAsync(Feedback("cat.jpg", "label-02"));
        await Store.AddFeedbackAsync(Feedback("cat.jpg", "lynx") with { TaxonomyVersion = OtherTaxonomy });

        var cards = (await Review.ReadQueueAsync(AllOf(), null, 10)).Cards;

        var cat = cards.Single(c => c.SourceUri == "cat.jpg");
        Assert.Equal(Enumerable.Range(1, ReviewQueries.MaxAlternatives).Select(i => $"label-{i:D2}"), cat.Alternatives.Select(a => a.LabelId));
        Assert.Equal(Enumerable.Range(1, ReviewQueries.MaxAlternatives), cat.Alternatives.Select(a => a.Rank));
        Assert.Equal(many.Labels.Take(ReviewQueries.MaxAlternatives).Select(l => l.Probability), cat.Alternatives.Select(a => a.Probability));
        Assert.Equal(("label-02", Outcomes.Taxonomy, "reviewer@example.com"), (cat.LatestVerdict?.LabelId, cat.LatestVerdict?.TaxonomyVersion, cat.LatestVerdict?.VerifiedBy));
        Assert.Equal(["dog", "other"], cards.Single(c => c.SourceUri == "dog.jpg").Alternatives.Select(a => a.LabelId));
        Assert.Null(cards.Single(c => c.SourceUri == "dog.jpg").LatestVerdict);
        Assert.Equal(11, Assert.Single(await Review.GetRunsAsync(cat.ImageId)).Labels.Count);
        Assert.Equal(["lynx", "label-02", "dog"], (await Review.GetFeedbackAsync(cat.ImageId)).Select(v => v.LabelId));
    }

    [Fact]
    public async Task ReadLabelQualityAsync_CountsLatestRunsAndLatestVerdicts()
    {
        await Store.WriteBatchAsync([
            Scored("cat-1.jpg", "cat", 0.9),
            Scored("cat-2.jpg", "cat", 0.8),
            Scored("cat-3.jpg", "cat", 0.3) with { Abstained = true, AbstainReason = "low_margin" },
            Scored("dog-1.jpg", "cat", 0.5),
            Scored("cat-1.jpg", "dog", 0.9) with { TaxonomyVersion = OtherTaxonomy },
            Scored("cat-4.jpg", "cat", 0.9) with { ModelId = "openai/clip-vit-base-patch32" }]);
        Time.Now += TimeSpan.FromMinutes(1);
        await Store.WriteBatchAsync([Scored("dog-1.jpg", "dog", 0.7) with { HeadVersion = "head-7" }]);
        foreach (var (source, label) in new[] { ("cat-1.jpg", "dog"), ("cat-1.jpg", "cat"), ("cat-2.jpg", "cat"), ("cat-2.jpg", "dog"), ("dog-1.jpg", "dog"), ("cat-4.jpg", "cat") })
        {
            await Store.AddFeedbackAsync(Feedback(source, label));
        }

        await Store.AddFeedbackAsync(Feedback("cat-3.jpg", "cat") with { TaxonomyVersion = OtherTaxonomy });

        var quality = await Review.ReadLabelQualityAsync(Outcomes.Model, Outcomes.Taxonomy);

        Assert.Equal([new LabelQuality("cat", "a cat", 3, 1, 2, 1), new LabelQuality("dog", "a dog", 1, 0, 1, 1)], quality);
        Assert.Equal((1 / 3.0, (double?)0.5), (quality[0].AbstainRate, quality[0].Precision));
    }

    [Fact]
    public async Task QueueSql_Unfiltered_WalksTheRankOneProbabilityIndexInsteadOfSorting()
    {
        await SeedManyRunsAsync(20_000);
        var (sql, parameters) = ReviewQueries.QueueSql(AllOf(), null, ReviewQueries.MaxPageSize + 1);

        var plan = await ExplainAsync(sql, parameters);

        Assert.Contains("ix_labels_rank1_probability", plan, StringComparison.Ordinal);
        Assert.DoesNotMatch(SortStep(), plan);
    }

    [Fact]
    public async Task QueueSql_LaterPage_SeeksTheIndexToTheCursor()
    {
        await SeedManyRunsAsync(20_000);
        var (sql, parameters) = ReviewQueries.QueueSql(AllOf(), new QueueCursor(0.5, 1000), ReviewQueries.MaxPageSize + 1);

        var plan = await ExplainAsync(sql, parameters);

        // SQLite: "SEARCH l USING INDEX ix_labels_rank1_probability (probability>?)"; PostgreSQL: an Index Cond on
        // probability under the index scan, not only a Filter (which would read the index from its start).
        Assert.Matches(CursorSeek(), plan);
        Assert.DoesNotMatch(SortStep(), plan);
    }

    [Fact]
    public async Task QueueSql_OneLabel_WalksTheRankOneLabelIndexInsteadOfSorting()
    {
        await SeedManyRunsAsync(20_000);
        var (sql, parameters) = ReviewQueries.QueueSql(AllOf() with { LabelId = "label-3" }, null, ReviewQueries.MaxPageSize + 1);

        var plan = await ExplainAsync(sql, parameters);

        Assert.Contains("ix_labels_rank1_label_probability", plan, StringComparison.Ordinal);
        Assert.DoesNotMatch(SortStep(), plan);
    }

    /// <summary>The dialect's plan for <paramref name="sql"/>, as text: SQLite's EXPLAIN QUERY PLAN details, PostgreSQL's EXPLAIN.</summary>
    private protected abstract Task<string> ExplainAsync(string sql, DynamicParameters parameters);

    [GeneratedRegex(@"ix_labels_rank1_probability (\(probability>=?\?\)|[^\n]*\n\s*Index Cond: \(probability >=)")]
    private static partial Regex CursorSeek();

    // SQLite: "USE TEMP B-TREE FOR ORDER BY"; PostgreSQL: a Sort or Incremental Sort node.
    [GeneratedRegex(@"TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY|(^|->)\s*(Incremental )?Sort\b", RegexOptions.Multiline)]
    private static partial Regex SortStep();

    /// <summary>
    /// Six latest runs, one minute apart from the test's start (rank-1 label, probability): a cat 0.2 zero-shot,
    /// b dog 0.6 head-7, c cat 0.4 zero-shot abstained, d cat 0.9 head-8, e dog 0.5 zero-shot with a verdict,
    /// f fox 0.3 zero-shot with a verdict under another taxonomy only; plus older and other-taxonomy runs that never show.
    /// </summary>
    private async Task SeedQueueWorldAsync()
    {
        await Store.WriteBatchAsync([Scored("b.jpg", "cat", 0.1), Scored("a.jpg", "cat", 0.2) with { TaxonomyVersion = OtherTaxonomy }]);
        LabelledImage[] runs =
        [
            Scored("a.jpg", "cat", 0.2),
            Scored("b.jpg", "dog", 0.6) with { HeadVersion = "head-7" },
            Scored("c.jpg", "cat", 0.4) with { Abstained = true, AbstainReason = "low_margin" },
            Scored("d.jpg", "cat", 0.9) with { HeadVersion = "head-8" },
            Scored("e.jpg", "dog", 0.5),
            Scored("f.jpg", "fox", 0.3),
        ];
        foreach (var run in runs)
        {
            await Store.WriteBatchAsync([run]);
            Time.Now += TimeSpan.FromMinutes(1);
        }

        await Store.AddFeedbackAsync(Feedback("e.jpg", "dog"));
        await Store.AddFeedbackAsync(Feedback("f.jpg", "fox") with { TaxonomyVersion = OtherTaxonomy });
    }

    /// <summary><paramref name="count"/> images with one run each (ten rank-1 labels, probabilities spread and tied), then fresh planner statistics.</summary>
    private async Task SeedManyRunsAsync(int count)
    {
        const string sql = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @Count)
            INSERT INTO images (source_uri, etag_or_hash, status, first_seen, last_seen)
            SELECT 'https://acct.blob.core.windows.net/in/' || i || '.jpg', 'etag', 'labelled', @Now, @Now FROM n;
            INSERT INTO label_runs (image_id, model_id, taxonomy_version, head_version, abstained, created_at)
            SELECT id, @ModelId, @TaxonomyVersion, NULL, @Abstained, @Now FROM images;
            INSERT INTO labels (run_id, label_id, display_name, score, cosine, probability, rank)
            SELECT id, 'label-' || (id % 10), 'a label', 0.3, 0.3, ((id * 7919) % 1009) / 1009.0, 1 FROM label_runs;
            INSERT INTO labels (run_id, label_id, display_name, score, cosine, probability, rank)
            SELECT id, 'label-' || ((id + 1) % 10), 'a label', 0.2, 0.2, 0.001, 2 FROM label_runs;
            ANALYZE;
            """;
        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, new { Count = count, Now = Time.Now, ModelId = Outcomes.Model, TaxonomyVersion = Outcomes.Taxonomy, Abstained = false });
    }
}
