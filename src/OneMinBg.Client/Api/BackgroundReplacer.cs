using System;

namespace OneMinBg.Client.Api;

/// <summary>
/// The values the Background Replacer accepts, written once: the cmdlets' ValidateSet attributes,
/// their defaults and the client all use these constants.
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
    /// A size in the one spelling the service and the journal use: "Auto" for <see cref="AutoSize"/> in any case,
    /// else lower case ("1024X1024" is "1024x1024"). PowerShell's ValidateSet accepts any case, the service not.
    /// </summary>
    public static string NormalizeSize(string size) =>
        string.Equals(size, AutoSize, StringComparison.OrdinalIgnoreCase) ? AutoSize : size.ToLowerInvariant();

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
