using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace OneMinBg.Client.Reports;

/// <summary>
/// Links from the report to its pictures: relative to the report's folder, so the report keeps working when it
/// is moved (or copied to a share) together with the folders of its pictures; a file: URL only for a picture on
/// another drive or share, which no relative link can reach. Every path segment is percent-encoded, so spaces,
/// '#', '%', '?' and '[ ]' in names stay part of the name.
/// </summary>
public static class ReportLinks
{
    private static readonly bool s_windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    public static string Href(string reportFolder, string file) => Href(reportFolder, file, s_windows);

    /// <summary>As <see cref="Href(string, string)"/>, with the path rules of Windows or of Unix.</summary>
    internal static string Href(string reportFolder, string file, bool windows)
    {
        List<string> from = Segments(reportFolder, windows, out int fromRoot);
        List<string> to = Segments(file, windows, out int toRoot);
        StringComparison comparison = windows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        bool sameRoot = fromRoot == toRoot;
        for (int i = 0; sameRoot && i < fromRoot; i++)
        {
            sameRoot = string.Equals(from[i], to[i], comparison);
        }
        if (!sameRoot)
        {
            return FileUrl(to, toRoot);
        }

        int common = fromRoot;
        while (common < from.Count && common < to.Count - 1 && string.Equals(from[common], to[common], comparison))
        {
            common++;
        }
        var href = new StringBuilder();
        for (int i = common; i < from.Count; i++)
        {
            href.Append("../");
        }
        for (int i = common; i < to.Count; i++)
        {
            href.Append(EscapeSegment(to[i]));
            if (i < to.Count - 1)
            {
                href.Append('/');
            }
        }
        return href.ToString();
    }

    /// <summary>A path segment as a URL path segment: UTF-8, every byte but the unreserved ones (RFC 3986) as %XX.
    /// </summary>
    public static string EscapeSegment(string segment)
    {
        var escaped = new StringBuilder(segment.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(segment))
        {
            char c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~')
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append('%').Append(b.ToString("X2"));
            }
        }
        return escaped.ToString();
    }

    /// <summary>
    /// A full path's segments; the first <paramref name="root"/> of them name its root: "" for Unix's "/", "C:" for
    /// a drive, "", "", server and share for a UNC path.
    /// </summary>
    private static List<string> Segments(string path, bool windows, out int root)
    {
        string full = windows == s_windows ? Path.GetFullPath(path) : path;
        string[] parts = windows ? full.Split('\\', '/') : full.Split('/');
        root = windows && full.StartsWith(@"\\", StringComparison.Ordinal) ? Math.Min(4, parts.Length) : 1;
        var segments = new List<string>(parts.Length);
        for (int i = 0; i < parts.Length; i++)
        {
            if (i < root || (parts[i].Length > 0 && parts[i] != "."))
            {
                segments.Add(parts[i]);
            }
        }
        return segments;
    }

    private static string FileUrl(List<string> segments, int root)
    {
        var url = new StringBuilder("file://");
        if (root == 4)
        {
            url.Append(EscapeSegment(segments[2])).Append('/').Append(EscapeSegment(segments[3]));
        }
        else if (segments[0].Length > 0)
        {
            url.Append('/').Append(segments[0]); // a drive, C:
        }
        for (int i = root; i < segments.Count; i++)
        {
            url.Append('/').Append(EscapeSegment(segments[i]));
        }
        return url.ToString();
    }
}
