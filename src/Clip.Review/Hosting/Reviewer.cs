using System.Security.Claims;

namespace Clip.Review.Hosting;

/// <summary>Who gives a verdict: the signed-in user's name from Entra ID, or the configured local name when nobody signs in.</summary>
public static class Reviewer
{
    public static string NameOf(ClaimsPrincipal user, ReviewOptions options)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(options);
        if (user.Identity?.IsAuthenticated != true)
        {
            return options.EffectiveLocalReviewer;
        }

        // preferred_username is the UPN or e-mail; the object id is the stable fallback.
        return user.FindFirst("preferred_username")?.Value
            ?? user.Identity.Name
            ?? user.FindFirst("http://schemas.microsoft.com/identity/claims/objectidentifier")?.Value
            ?? throw new InvalidOperationException("The signed-in user has no name or object id claim.");
    }
}
