namespace Clip.Review;

/// <summary>The review app's log messages (event ids 9000–9099).</summary>
internal static partial class ReviewLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "No preview of image {ImageId}: {Reason}: {Detail}")]
    public static partial void PreviewFailed(ILogger logger, long imageId, string reason, string detail);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Verdict on image {ImageId} under {TaxonomyVersion}: {LabelId} ({Kind}) by {Reviewer}")]
    public static partial void VerdictRecorded(ILogger logger, long imageId, string taxonomyVersion, string labelId, string kind, string reviewer);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Review app listening on {Address}; sign-in: {SignIn}; database: {Database}")]
    public static partial void Listening(ILogger logger, ICollection<string> address, string signIn, string database);
}
