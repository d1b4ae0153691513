using System.Globalization;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Clip.Review.Pages;

/// <summary>
/// Query values that did not parse (a number or a date edited into the URL). Model binding leaves such a property
/// unset, which would silently widen a filter; the pages report them instead.
/// </summary>
public static class UnreadableValues
{
    /// <summary>The problem to show, naming each value as it appears in the URL, or null when every value was read.</summary>
    public static string? Describe(ModelStateDictionary state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var bad = state
            .Where(e => e.Value is { ValidationState: ModelValidationState.Invalid })
            .Select(e => $"{e.Key[(e.Key.LastIndexOf('.') + 1)..].ToLower(CultureInfo.InvariantCulture)}={e.Value!.AttemptedValue}")
            .Order(StringComparer.Ordinal)
            .ToList();
        return bad.Count == 0 ? null : $"These values cannot be read (a number or a yyyy-MM-dd date is expected): {string.Join(", ", bad)}.";
    }
}
