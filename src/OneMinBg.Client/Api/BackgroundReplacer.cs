using System;
using System.Collections.Generic;

namespace OneMinBg.Client.Api;

/// <summary>
/// The values the Background Replacer accepts, written once: the cmdlets' validation, tab completion,
/// defaults and the client all use these. One Find function per setting decides what is valid, so a
/// setting whose values come to depend on the model changes in one place.
/// </summary>
public static class BackgroundReplacer
{
    public const string DefaultModel = "gpt-image-1-mini";
    public const int MaxPromptLength = 4000;

    /// <summary>
    /// Not a size the service knows: the module picks the one closest to the image (<see cref="ClosestSize"/>).
    /// </summary>
    public const string AutoSize = "Auto";
    public const string SquareSize = "1024x1024";
    public const string PortraitSize = "1024x1536";
    public const string LandscapeSize = "1536x1024";

    public const string LowQuality = "low";
    public const string MediumQuality = "medium";
    public const string HighQuality = "high";
    public const string DefaultQuality = MediumQuality;

    public const string AutoBackground = "auto";
    public const string OpaqueBackground = "opaque";
    public const string TransparentBackground = "transparent";
    public const string DefaultBackground = AutoBackground;

    /// <summary>
    /// The sizes tab completion offers, in the spelling the service and the journal use; any other WxH is a
    /// size too, which the model's rule decides on (<see cref="ImageModels.SizeProblem"/>).
    /// </summary>
    public static IReadOnlyList<string> Sizes { get; } =
        new[] { AutoSize, ImageModels.SourceSize, SquareSize, PortraitSize, LandscapeSize };

    public static IReadOnlyList<string> Qualities { get; } = new[] { LowQuality, MediumQuality, HighQuality };

    public static IReadOnlyList<string> Backgrounds { get; } =
        new[] { AutoBackground, OpaqueBackground, TransparentBackground };

    /// <summary>
    /// The size in its one spelling ("auto" is "Auto", "source" is "Source", "2048X1152" is "2048x1152"), or
    /// null when it is not Auto, Source or WxH. Users type any case; the service accepts only this one.
    /// Whether the model makes it is <see cref="ImageModels.SizeProblem"/>'s to say.
    /// </summary>
    public static string? FindSize(string? size) =>
        Find(new[] { AutoSize, ImageModels.SourceSize }, size)
        ?? (ImageModels.Parse(size) is (int width, int height) ? $"{width}x{height}" : null);

    /// <summary>The quality in its one spelling (lower case), or null when it is not one.</summary>
    public static string? FindQuality(string? quality) => Find(Qualities, quality);

    /// <summary>The background in its one spelling (lower case), or null when it is not one.</summary>
    public static string? FindBackground(string? background) => Find(Backgrounds, background);

    /// <summary>Why the replacer cannot take this prompt (blank, too long), or null when it can.</summary>
    public static string? PromptProblem(string? prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            return $"The argument is blank. Describe the new background in words (1 to {MaxPromptLength} characters).";
        }
        return prompt!.Length > MaxPromptLength
            ? $"The argument is {prompt.Length} characters long; at most {MaxPromptLength} are allowed."
            : null;
    }

    /// <summary>
    /// A size in the one spelling the service and the journal use (see <see cref="FindSize"/>); a value that
    /// is not a size is only lower-cased, so that the service's answer to it is what the user sees.
    /// </summary>
    public static string NormalizeSize(string size) => FindSize(size) ?? size.ToLowerInvariant();

    private static string? Find(IReadOnlyList<string> values, string? value)
    {
        string? trimmed = value?.Trim();
        foreach (string known in values)
        {
            if (string.Equals(known, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }
        return null;
    }

    /// <summary>
    /// The size whose aspect ratio is nearest to width:height, comparing log ratios so that 2:1 and 1:2
    /// are equally far from square. Ties go to the square.
    /// </summary>
    public static string ClosestSize(int width, int height)
    {
        if (width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be positive.");
        }

        if (height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(height), height, "The height must be positive.");
        }

        double ratio = Math.Log((double)width / height);
        double threeTwo = Math.Log(1536.0 / 1024.0);
        double toSquare = Math.Abs(ratio);
        double toLandscape = Math.Abs(ratio - threeTwo);
        double toPortrait = Math.Abs(ratio + threeTwo);
        if (toSquare <= toLandscape && toSquare <= toPortrait)
        {
            return SquareSize;
        }

        return toLandscape < toPortrait ? LandscapeSize : PortraitSize;
    }
}
