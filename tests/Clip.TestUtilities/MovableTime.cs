namespace Clip.TestUtilities;

/// <summary>The system clock plus an offset the test moves: time still passes, and a day can pass at once.</summary>
public sealed class MovableTime : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
