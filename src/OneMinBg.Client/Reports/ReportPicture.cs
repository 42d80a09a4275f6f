using System;
using System.IO;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Reports;

/// <summary>
/// One picture of the report as it is shown: a link and the size to draw it at, or, when there is no picture to
/// show, the sentence that stands in its place (never a broken image).
/// </summary>
internal sealed class ReportPicture
{
    /// <summary>The box each picture is drawn in, in CSS pixels; pictures keep their aspect ratio inside it.</summary>
    internal const int Box = 256;

    private ReportPicture(string? href, int width, int height, string? missing)
    {
        Href = href;
        Width = width;
        Height = height;
        Missing = missing;
    }

    /// <summary>The relative link; null when <see cref="Missing"/> says why there is no picture.</summary>
    public string? Href { get; }
    public int Width { get; }
    public int Height { get; }
    public string? Missing { get; }

    public static ReportPicture None(string why) => new ReportPicture(null, Box, Box, why);

    /// <summary>
    /// The picture of a file, linked from the report's folder, or what stands in for it when the file is gone or is
    /// not an image a browser would show (its header is read, to size it: a 2,000-image page lays out at once).
    /// </summary>
    public static ReportPicture Of(string reportFolder, string path, string whatIsMissing)
    {
        ImageInfo info;
        try
        {
            if (!File.Exists(path))
            {
                return None($"{whatIsMissing} not found: {path}");
            }
            info = ImageInspector.Inspect(path);
        }
        catch (Exception ex) when (ex is InvalidImageException or IOException or UnauthorizedAccessException
            or ArgumentException or NotSupportedException)
        {
            return None($"{whatIsMissing} is not an image that can be shown: {ex.Message}");
        }
        double scale = Math.Min((double)Box / info.Width, (double)Box / info.Height);
        int width = Math.Max(1, (int)Math.Round(info.Width * scale));
        int height = Math.Max(1, (int)Math.Round(info.Height * scale));
        return new ReportPicture(ReportLinks.Href(reportFolder, path), width, height, null);
    }
}
