using System;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;

namespace OneMinBg.Emulator;

/// <summary>
/// The Background Replacer's models as 1min.ai documents them (ONEMIN-API.md §2 "Models"): which sizes each
/// takes and what it requires, checked before any work (so before charging), plus the retired-model switch.
/// </summary>
internal static class ModelRules
{
    static readonly string[] ThreeSizes = ["1024x1024", "1024x1536", "1536x1024"];
    internal static readonly string[] Known = ["gpt-image-1-mini", "gpt-image-1", "gpt-image-2"];

    /// <summary>The error code and message the service answers (400), or null when the model takes it.</summary>
    internal static (string Code, string Message)? Check(string? model, JsonObject prompt, EmulatorConfig config)
    {
        if (model is null || !Known.Contains(model, StringComparer.Ordinal)
            || config.RetiredModels.Contains(model, StringComparer.Ordinal))
        {
            return ("UNSUPPORTED_MODEL", $"Model {model ?? "(none)"} is not supported for BACKGROUND_REPLACER");
        }
        var size = prompt["size"] is JsonValue value && value.TryGetValue(out string? text) ? text : null;
        if (model != "gpt-image-2")
        {
            return ThreeSizes.Contains(size)
                ? null
                : ("UNKNOWN_ERROR", $"promptObject.size must be one of {string.Join(", ", ThreeSizes)}");
        }
        if (prompt["quality"] is null)
        {
            return ("UNKNOWN_ERROR", "promptObject.quality is required for gpt-image-2");
        }
        return SizeProblem(size) is string problem ? ("UNKNOWN_ERROR", $"promptObject.size {problem}") : null;
    }

    /// <summary>gpt-image-2's rule: sides divisible by 16, 655,360 to 8,294,400 pixels, edge ≤ 3840, ≤ 3:1.</summary>
    internal static string? SizeProblem(string? size)
    {
        var parts = (size ?? "").Split('x');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h) || w <= 0 || h <= 0)
            return "must be WxH";
        if (w % 16 != 0 || h % 16 != 0) return "must have both sides divisible by 16";
        long pixels = (long)w * h;
        if (pixels < 655_360 || pixels > 8_294_400) return "must have 655360 to 8294400 pixels";
        if (Math.Max(w, h) > 3840) return "must have its longest edge at most 3840";
        return Math.Max(w, h) > 3L * Math.Min(w, h) ? "must have an aspect ratio of at most 3:1" : null;
    }
}
