using System;
using System.Globalization;
using System.Management.Automation;
using System.Runtime.InteropServices;

namespace OneMinBg;

/// <summary>
/// How the output types look in PowerShell, called from OneMinBg.Types.ps1xml and OneMinBg.Format.ps1xml: times
/// in local time whose text is ISO 8601 with the offset (what Export-Csv and ConvertTo-Csv write, in any
/// culture), and paths shortened to a column. The .NET properties keep the times as recorded (UTC).
/// </summary>
public static class ShellView
{
    /// <summary>ISO 8601 to the millisecond with the offset, e.g. 2026-12-01T19:41:07.123-05:00.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";

    private static readonly PSCodeMethod IsoToString = new PSCodeMethod("ToString",
        typeof(ShellView).GetMethod(nameof(IsoText), new[] { typeof(PSObject) })!);

    public static object? CreatedAt(PSObject instance) => instance.BaseObject switch
    {
        BgResult result => Local(result.CreatedAt),
        _ => null,
    };

    public static object? RequestedAt(PSObject instance) => instance.BaseObject switch
    {
        BgResult result => Local(result.RequestedAt),
        _ => null,
    };

    public static object? ClaimedAt(PSObject instance) => Local((instance.BaseObject as BgAttempt)?.ClaimedAt);

    public static object? SentAt(PSObject instance) => Local((instance.BaseObject as BgAttempt)?.SentAt);

    public static object? CompletedAt(PSObject instance) => Local((instance.BaseObject as BgAttempt)?.CompletedAt);

    public static object? CreditsAsOf(PSObject instance) => Local((instance.BaseObject as ConnectionTest)?.CreditsAsOf);

    /// <summary>The text of a time as the CSV cmdlets and the list views show it.</summary>
    public static string IsoText(PSObject instance) =>
        ((DateTimeOffset)instance.BaseObject).ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// The time in local time, still a DateTimeOffset (methods, comparison, -is work), whose text is ISO 8601.
    /// </summary>
    private static object? Local(DateTimeOffset? time)
    {
        if (time == null)
        {
            return null;
        }

        var shown = new PSObject(time.Value.ToLocalTime());
        shown.Members.Add(IsoToString);
        return shown;
    }

    /// <summary>
    /// A path cut to <paramref name="width"/> characters for a table column: relative to
    /// <paramref name="current"/> (the current location) when under it, else whole; when longer, its tail from a
    /// folder boundary after '…', e.g. '…/shoot-b/photo.png', so files of the same name in other folders stay
    /// apart. A URL is taken without its query.
    /// </summary>
    public static string ShortPath(string? path, string? current, int width)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "";
        }

        string text = path!;
        if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && !uri.IsFile)
        {
            text = uri.GetLeftPart(UriPartial.Path);
        }
        else if (!string.IsNullOrEmpty(current) && Under(text, current!) is string relative)
        {
            text = relative;
        }

        if (text.Length <= width || width < 2)
        {
            return text;
        }

        // The tail that fits, starting at a separator; the leaf alone is cut from its start if need be.
        int room = width - 1;
        int start = text.Length - room;
        int boundary = text.IndexOfAny(Separators, start);
        int leaf = text.LastIndexOfAny(Separators);
        if (boundary >= 0 && boundary < leaf)
        {
            return "\u2026" + text.Substring(boundary);
        }

        return "\u2026" + (leaf >= start ? text.Substring(leaf) : text.Substring(start));
    }

    /// <summary>The first 8 characters of a record id: enough to tell the records of a table apart.</summary>
    public static string ShortId(string? id) =>
        string.IsNullOrEmpty(id) ? "" : id!.Length <= 8 ? id : id.Substring(0, 8);

    private static readonly char[] Separators = { '/', '\\' };

    /// <summary>A path relative to <paramref name="current"/> when under it, else as it is (progress names files so).</summary>
    internal static string RelativeTo(string path, string? current) =>
        !string.IsNullOrEmpty(current) && Under(path, current!) is string relative ? relative : path;

    private static string? Under(string path, string current)
    {
        string root = current.TrimEnd(Separators);
        if (root.Length == 0 || path.Length <= root.Length + 1
            || !path.StartsWith(root, PathComparison) || Array.IndexOf(Separators, path[root.Length]) < 0)
        {
            return null;
        }

        return path.Substring(root.Length + 1);
    }

    private static StringComparison PathComparison =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal;
}
