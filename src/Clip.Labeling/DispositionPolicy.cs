using System.Text;
using Clip.Persistence;

namespace Clip.Labeling;

/// <summary>
/// The failure policy, in one place: for each thing that can happen to an image or its message, whether a failure
/// row is recorded (at which stage) and how the message is settled. The worker and <c>clip label</c> take their
/// decisions from <see cref="For"/>; the README's failure-policy table is <see cref="MarkdownTable"/>, checked by a test.
/// </summary>
public static class DispositionPolicy
{
    private static readonly DispositionRule[] RuleTable =
    [
        new(DispositionCase.Labelled, null, Settlement.Complete,
            "labelled (or abstained)",
            "labels, embedding",
            "completed after the commit"),
        new(DispositionCase.AlreadyLabelled, null, Settlement.Complete,
            "already labelled (same URL + ETag, or file content, model, taxonomy, head)",
            "none new",
            "completed; checked before downloading"),
        new(DispositionCase.IgnoredEvent, null, Settlement.Complete,
            "an event of another type (BlobDeleted, …)",
            "none",
            "completed, and logged"),
        new(DispositionCase.MalformedEvent, FailureStage.Event, Settlement.DeadLetter,
            "not JSON, not a BlobCreated event (`malformed_event:*`)",
            "failure, stage `event`",
            "dead-lettered with reason and description"),
        new(DispositionCase.RefusedSource, FailureStage.Validate, Settlement.DeadLetter,
            "URL outside the allow-list: another host, container, scheme, port, an IP, a path trick, a URL over 2,048 or a blob name over 1,024 characters, or a `contentLength` over `MaxBlobBytes` (`refused_source:*`)",
            "failure, stage `validate`",
            "dead-lettered; nothing is fetched"),
        new(DispositionCase.FetchRefused, FailureStage.Download, Settlement.DeadLetter,
            "a blob over `MaxBlobBytes` when read (`too_large`), an ETag or request storage refuses (`invalid_etag`, `invalid_request`); a file over `MaxEncodedBytes` (`too_many_bytes`) or one the worker may not read (`access_denied`)",
            "failure, stage `download`",
            "dead-lettered"),
        new(DispositionCase.SourceGone, FailureStage.Download, Settlement.Complete,
            "blob deleted, or overwritten, before it was processed (`blob_not_found`, `blob_superseded`); a file deleted before it was read (`file_not_found`)",
            "failure, stage `download`",
            "completed: retrying cannot help, and an overwrite brings its own event"),
        new(DispositionCase.Undecodable, FailureStage.Decode, Settlement.DeadLetter,
            "not an image, corrupt, too many pixels, a decompression bomb (`unknown_format`, `corrupt`, `too_many_pixels`, …), or decoding it would need more than `DecodeMemoryBudget` on its own (`over_memory_budget`, refused from the header)",
            "failure, stage `decode`",
            "dead-lettered"),
        new(DispositionCase.StorageUnavailable, FailureStage.Download, Settlement.Retry,
            "storage unreachable, throttled or refusing the worker (`transient`: 5xx, throttling, a timeout, a dropped or refused connection; `access_denied`, `storage_misconfigured`; an unexpected download error counts as `fetch_failed`); a file that changed or could not be read (`file_changed`, `io_error`)",
            "none",
            "retried inside the worker with backoff for up to `RetryBudget`, then given back (abandoned)"),
        new(DispositionCase.DatabaseUnavailable, FailureStage.Write, Settlement.Retry,
            "the database unreachable or failing, for the duplicate check or the results write (`database_unavailable`)",
            "none",
            "retried inside the worker with backoff for up to `RetryBudget`, then given back (abandoned)"),
        new(DispositionCase.EncoderFailed, FailureStage.Encode, Settlement.GiveBack,
            "an encoder error (`encode_failed`)",
            "none",
            "given back at once"),
        new(DispositionCase.ResolverFailed, null, Settlement.GiveBack,
            "an unexpected error while reading the message (`resolve_failed`)",
            "none",
            "given back at once"),
        new(DispositionCase.LastDelivery, null, Settlement.DeadLetter,
            "any of the four above still failing on the message's last delivery (`MaxDeliveryCount`; folder: `MaxAttempts`)",
            "failure `retries_exhausted:<reason>` at the stage that failed (none when the database itself is down, or the message could not be read)",
            "dead-lettered by the worker with that reason"),
        new(DispositionCase.LockLost, null, Settlement.Unsettled,
            "the message's lock was lost",
            "whatever was committed",
            "not settled (idempotent writes absorb the redelivery)"),
        new(DispositionCase.Shutdown, null, Settlement.Drain,
            "SIGTERM",
            "—",
            "stops receiving, finishes or abandons what it holds, exits 0"),
    ];

    /// <summary>Every rule, in the README's order.</summary>
    public static IReadOnlyList<DispositionRule> Rules => RuleTable;

    /// <summary>The rule for one case.</summary>
    public static DispositionRule For(DispositionCase @case) =>
        Array.Find(RuleTable, r => r.Case == @case) ?? throw new ArgumentOutOfRangeException(nameof(@case), @case, "no rule for this case");

    /// <summary>The failure row a case records for one image, at the stage its rule names.</summary>
    /// <exception cref="ArgumentException">The case records no failure row.</exception>
    public static FailedImage FailureRow(DispositionCase @case, string sourceUri, string? etagOrHash, string reason, string detail)
    {
        var stage = For(@case).Stage ?? throw new ArgumentException($"{@case} records no failure row", nameof(@case));
        return new FailedImage(sourceUri, etagOrHash, stage, reason, detail);
    }

    /// <summary>The reason a message is dead-lettered with, and recorded under, when its last delivery still met a transient failure.</summary>
    public static string Exhausted(string reason) => "retries_exhausted:" + reason;

    /// <summary>The README's failure-policy table: a header and one row per rule.</summary>
    public static string MarkdownTable()
    {
        var table = new StringBuilder();
        table.Append("| what happened | result row | message |\n|---|---|---|\n");
        foreach (var rule in RuleTable)
        {
            table.Append("| ").Append(rule.WhatHappened).Append(" | ").Append(rule.Row).Append(" | ").Append(rule.Message).Append(" |\n");
        }

        return table.ToString();
    }
}

/// <summary>One line of the failure policy.</summary>
/// <param name="Case">What happened.</param>
/// <param name="Stage">The stage a failure row is recorded at (for retried cases: on the last delivery); null when none ever is.</param>
/// <param name="Settlement">How the message is settled.</param>
/// <param name="WhatHappened">The README's words for the case, with the reason codes it records.</param>
/// <param name="Row">The README's words for what is written to SQL.</param>
/// <param name="Message">The README's words for what happens to the message.</param>
public sealed record DispositionRule(DispositionCase Case, FailureStage? Stage, Settlement Settlement, string WhatHappened, string Row, string Message);

/// <summary>What can happen to an image or its message; each has one <see cref="DispositionRule"/>.</summary>
public enum DispositionCase
{
    Labelled,
    AlreadyLabelled,
    IgnoredEvent,
    MalformedEvent,
    RefusedSource,

    /// <summary>Storage or the file system refused the read for good: the input is at fault.</summary>
    FetchRefused,

    /// <summary>The image is gone or replaced; nothing is wrong with the message.</summary>
    SourceGone,
    Undecodable,
    StorageUnavailable,
    DatabaseUnavailable,
    EncoderFailed,
    ResolverFailed,
    LastDelivery,
    LockLost,
    Shutdown,
}

/// <summary>How a message ends.</summary>
public enum Settlement
{
    /// <summary>Completed once its outcome is committed.</summary>
    Complete,

    /// <summary>Dead-lettered with the failure's reason once its failure row is committed: retrying cannot succeed.</summary>
    DeadLetter,

    /// <summary>Retried inside the worker with backoff until the message's retry budget ends, then given back.</summary>
    Retry,

    /// <summary>Given back for redelivery at once; dead-lettered as exhausted on its last delivery.</summary>
    GiveBack,

    /// <summary>Not settled: the lock is gone, and the broker redelivers.</summary>
    Unsettled,

    /// <summary>Finished or given back during a graceful shutdown.</summary>
    Drain,
}
