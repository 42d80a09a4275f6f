using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// The file name a result is saved under: "&lt;source base name&gt;_bg&lt;ext&gt;", e.g. cat.png → cat_bg.png.
/// Built only from sanitised parts, so nothing the server sends can make it a path, a device name
/// or a hidden file, on Windows or elsewhere.
/// </summary>
public static class ResultFileName
{
    private const string Suffix = "_bg";
    // In UTF-8 bytes: Linux and macOS allow 255 bytes per name (Windows 255 UTF-16 units, never fewer
    // characters than bytes), and the name still gets "_<id>", "_bg.jpeg" and the download's temporary
    // suffix (PartialFiles, at most 53 bytes) appended. 120 characters of CJK would be 360 bytes: too long.
    private const int MaxBaseBytes = 120;
    private static readonly string[] ImageExtensions = { ".png", ".jpg", ".jpeg", ".webp" };
    // 1min.ai prefixes uploaded names with a timestamp: images/2026_08_19_05_27_59_899_cat.png.
    private static readonly Regex UploadPrefix =
        new Regex(@"^\d{4}(_\d{2}){5}_\d{3}_", RegexOptions.CultureInvariant);
    private static readonly HashSet<string> ReservedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>
    /// The name for a result: from the source file's name, else the uploaded asset's name, else the
    /// record id. <paramref name="withId"/> adds the first 8 characters of the id, for when two
    /// sources with the same name are saved into one folder.
    /// </summary>
    public static string For(string id, string? sourcePath, string? imageUrl, IReadOnlyList<string> resultKeys,
        bool withId = false)
    {
        string baseName = Sanitize(BaseNameOf(sourcePath, imageUrl) ?? id);
        if (baseName.Length == 0)
        {
            baseName = Sanitize(id);
        }
        if (baseName.Length == 0)
        {
            baseName = "image";
        }
        if (withId)
        {
            string shortId = Sanitize(id);
            baseName += "_" + (shortId.Length > 8 ? shortId.Substring(0, 8) : shortId);
        }
        return baseName + Suffix + ExtensionOf(resultKeys);
    }

    private static string? BaseNameOf(string? sourcePath, string? imageUrl)
    {
        if (!string.IsNullOrWhiteSpace(sourcePath))
        {
            return Path.GetFileNameWithoutExtension(LastSegment(sourcePath!));
        }
        if (!string.IsNullOrWhiteSpace(imageUrl))
        {
            string name = LastSegment(imageUrl!.Split('?')[0]);
            return Path.GetFileNameWithoutExtension(UploadPrefix.Replace(name, string.Empty));
        }
        return null;
    }

    // Both separators, whatever this system uses: a name from Windows may be read on Linux.
    private static string LastSegment(string path) =>
        path.Substring(Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\')) + 1);

    private static string ExtensionOf(IReadOnlyList<string> resultKeys)
    {
        if (resultKeys.Count > 0)
        {
            string ext = Path.GetExtension(LastSegment(resultKeys[0].Split('?')[0])).ToLowerInvariant();
            if (Array.IndexOf(ImageExtensions, ext) >= 0)
            {
                return ext;
            }
        }
        return ".png";
    }

    /// <summary>
    /// The longest start of <paramref name="text"/> that is at most <paramref name="maxBytes"/> in UTF-8.
    /// </summary>
    private static string Truncate(string text, int maxBytes)
    {
        int bytes = 0;
        for (int i = 0; i < text.Length; i++)
        {
            // Sanitize has replaced surrogates, so each char is one code point of 1 to 3 bytes.
            int size = text[i] < 0x80 ? 1 : text[i] < 0x800 ? 2 : 3;
            if (bytes + size > maxBytes)
            {
                return text.Substring(0, i);
            }
            bytes += size;
        }
        return text;
    }

    /// <summary>Keeps letters, digits and a few safe marks; no separators, no leading dots, no device names.</summary>
    private static string Sanitize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            sb.Append(IsSafe(c) ? c : '_');
        }
        string clean = Truncate(sb.ToString().Trim().Trim('.', ' '), MaxBaseBytes).TrimEnd('.', ' ');
        string stem = clean.Split('.')[0];
        return ReservedNames.Contains(stem) ? "_" + clean : clean;
    }

    private static bool IsSafe(char c) =>
        char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ' '
        || c == '(' || c == ')' || c == '[' || c == ']';
}
