namespace Clip.Review.Hosting;

/// <summary>The review app's configuration cannot work (an open bind without sign-in, a database without the schema); it does not start.</summary>
public sealed class ReviewConfigurationException : Exception
{
    public ReviewConfigurationException()
    {
    }

    public ReviewConfigurationException(string message)
        : base(message)
    {
    }

    public ReviewConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
