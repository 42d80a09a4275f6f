using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace OneMinBg.Client.Api;

/// <summary>
/// One model the Background Replacer runs, as 1min.ai documents it (ONEMIN-API.md §2): its size rule and
/// what it requires. <see cref="FixedSizes"/> is empty for a model that takes any size its rule allows.
/// </summary>
public sealed class ImageModel
{
    internal ImageModel(string name, IReadOnlyList<string> fixedSizes, bool qualityRequired, string note)
    {
        Name = name;
        FixedSizes = fixedSizes;
        QualityRequired = qualityRequired;
        Note = note;
    }

    public string Name { get; }

    /// <summary>The only sizes the model makes; empty when it makes any size within gpt-image-2's rule.</summary>
    public IReadOnlyList<string> FixedSizes { get; }

    public bool QualityRequired { get; }

    /// <summary>What the help and tab completion say about it (sizes, retirement).</summary>
    public string Note { get; }
}

/// <summary>
/// The model table, the one place that knows which sizes each model takes. A model not in it is passed to
/// the service as given and its WxH sizes are not second-guessed.
/// </summary>
public static class ImageModels
{
    public const string SourceSize = "Source";
    public const int MinPixels = 655_360;
    public const int MaxPixels = 8_294_400;
    public const int MaxEdge = 3840;
    public const int MaxAspect = 3;
    public const int Step = 16;

    /// <summary>About the pixel count of the fixed-size models' sizes (1536x1024): what Auto aims at.</summary>
    public const int AutoPixels = 1536 * 1024;

    private static readonly string[] ThreeSizes =
        { BackgroundReplacer.SquareSize, BackgroundReplacer.PortraitSize, BackgroundReplacer.LandscapeSize };

    public static ImageModel GptImage1Mini { get; } = new ImageModel(BackgroundReplacer.DefaultModel, ThreeSizes,
        false, "1024x1024, 1024x1536, 1536x1024; the default; retired by OpenAI on 2026-12-01");

    public static ImageModel GptImage1 { get; } =
        new ImageModel("gpt-image-1", ThreeSizes, false, "1024x1024, 1024x1536, 1536x1024");

    public static ImageModel GptImage2 { get; } = new ImageModel("gpt-image-2", Array.Empty<string>(), true,
        "any WxH: sides divisible by 16, 655,360 to 8,294,400 pixels, longest edge 3840, aspect at most 3:1");

    public static IReadOnlyList<ImageModel> Known { get; } = new[] { GptImage1Mini, GptImage1, GptImage2 };

    /// <summary>The known model of that name (any case), or null: an unknown model is sent as given.</summary>
    public static ImageModel? Find(string? name) =>
        Known.FirstOrDefault(model => string.Equals(model.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Width and height of a "WxH" size, or null when it is Auto, Source or not a size.</summary>
    public static (int Width, int Height)? Parse(string? size)
    {
        string[] parts = (size ?? "").Trim().Split('x', 'X');
        if (parts.Length == 2 && Positive(parts[0]) is int width && Positive(parts[1]) is int height)
        {
            return (width, height);
        }
        return null;
    }

    private static int? Positive(string digits) =>
        digits.Length is > 0 and < 6 && digits.All(c => c is >= '0' and <= '9')
            && int.Parse(digits, CultureInfo.InvariantCulture) is int value and > 0 ? value : null;

    /// <summary>Why gpt-image-2's rule refuses width x height (the rule broken), or null when it takes it.</summary>
    public static string? RuleProblem(int width, int height)
    {
        long pixels = (long)width * height;
        int longest = Math.Max(width, height);
        int shortest = Math.Min(width, height);
        if (width % Step != 0 || height % Step != 0)
        {
            return $"both sides must be divisible by {Step}";
        }
        if (pixels < MinPixels || pixels > MaxPixels)
        {
            return $"{width}x{height} is {pixels:N0} pixels; the model takes {MinPixels:N0} to {MaxPixels:N0}";
        }
        if (longest > MaxEdge)
        {
            return $"the longest edge may be at most {MaxEdge}";
        }
        return longest > (long)shortest * MaxAspect ? $"the aspect ratio may be at most {MaxAspect}:1" : null;
    }

    /// <summary>
    /// Why <paramref name="model"/> cannot take <paramref name="size"/> (Auto, Source or WxH in the service's
    /// spelling), with a size that would work; null when it can. Known without the image, so it is said before
    /// anything is uploaded. <paramref name="measurable"/> is false without a local file (-ImageUrl).
    /// </summary>
    public static string? SizeProblem(string model, string size, bool measurable)
    {
        ImageModel? known = Find(model);
        if (string.Equals(size, BackgroundReplacer.AutoSize, StringComparison.Ordinal))
        {
            return null;
        }
        if (string.Equals(size, SourceSize, StringComparison.Ordinal))
        {
            if (known == null || known.FixedSizes.Count > 0)
            {
                return $"Source (the source's own aspect ratio and resolution) needs a model that makes any size: "
                    + $"use -Model {GptImage2.Name}, or -Size Auto for the closest of {Join(ThreeSizes)}.";
            }
            return measurable ? null : "Source needs a local file to measure; with -ImageUrl give -Size Auto or "
                + "a WxH such as 1536x1024.";
        }
        if (Parse(size) is not (int width, int height))
        {
            return $"'{size}' is not a size: give Auto, Source or WxH (such as 1536x1024).";
        }
        if (known == null)
        {
            return null;
        }
        if (known.FixedSizes.Count > 0)
        {
            return known.FixedSizes.Contains(size) ? null : $"{known.Name} does not make {size}; it makes only "
                + $"{Join(known.FixedSizes)}: use one of them, Auto (the closest to the source), or -Model "
                + $"{GptImage2.Name} for any size.";
        }
        return RuleProblem(width, height) is string broken
            ? $"{known.Name} refuses {size}: {broken}. A size that would work: "
                + $"{Fit(width, height, (long)width * height)}."
            : null;
    }

    /// <summary>
    /// The size to send: WxH as it is; Auto and Source worked out from the source's width and height (null
    /// without a local file: Auto is then 1024x1024). Call <see cref="SizeProblem"/> first.
    /// </summary>
    public static string Resolve(string model, string size, int? width, int? height)
    {
        bool auto = string.Equals(size, BackgroundReplacer.AutoSize, StringComparison.Ordinal);
        bool source = string.Equals(size, SourceSize, StringComparison.Ordinal);
        if (!auto && !source)
        {
            return size;
        }
        if (width is not int w || height is not int h)
        {
            return BackgroundReplacer.SquareSize;
        }
        ImageModel? known = Find(model);
        if (known == null || known.FixedSizes.Count > 0)
        {
            return BackgroundReplacer.ClosestSize(w, h);
        }
        return auto ? Fit(w, h, Math.Min(AutoPixels, (long)w * h)) : Fit(w, h, (long)w * h, w, h);
    }

    /// <summary>
    /// A size by gpt-image-2's rule with the aspect ratio of width:height (clamped to 3:1) and about
    /// <paramref name="pixels"/> pixels (raised to the minimum, lowered to the maximum), no wider or taller than
    /// the limits given (only honoured above the minimum pixel count). Among the nearby multiples of 16 it
    /// takes one within 1 % of the aspect ratio that is closest to the pixel count, else the truest ratio.
    /// </summary>
    public static string Fit(int width, int height, long pixels, int maxWidth = MaxEdge, int maxHeight = MaxEdge)
    {
        double ratio = Math.Max(1.0 / MaxAspect, Math.Min(MaxAspect, (double)width / height));
        double target = Math.Max(MinPixels, Math.Min(MaxPixels, pixels));
        double idealHeight = Math.Sqrt(target / ratio);
        double fitEdge = Math.Min(1.0, MaxEdge / Math.Max(idealHeight * ratio, idealHeight));
        idealHeight *= fitEdge;
        bool capped = (long)maxWidth * maxHeight >= MinPixels;
        (int W, int H)? best = null;
        double bestScore = double.MaxValue;
        int start = (int)Math.Round(idealHeight / Step);
        for (int k = start - 4; k <= start + 4; k++)
        {
            int h = k * Step;
            int w = (int)Math.Round(h * ratio / Step) * Step;
            if (h <= 0 || w <= 0 || RuleProblem(w, h) != null
                || (capped && (w > RoundToStep(maxWidth) || h > RoundToStep(maxHeight))))
            {
                continue;
            }
            double aspectError = Math.Abs(Math.Log(w / (double)h / ratio));
            double pixelError = Math.Abs(Math.Log(w * (double)h / (target * fitEdge * fitEdge)));
            double score = aspectError <= 0.01 ? pixelError : 10 + aspectError;
            if (score < bestScore)
            {
                bestScore = score;
                best = (w, h);
            }
        }
        // A ratio within the limits always has a valid neighbour; square is the safe answer otherwise.
        return best is (int bw, int bh) ? $"{bw}x{bh}" : BackgroundReplacer.SquareSize;
    }

    private static int RoundToStep(int edge) => (edge + Step / 2) / Step * Step;

    private static string Join(IEnumerable<string> sizes) => string.Join(", ", sizes);
}
