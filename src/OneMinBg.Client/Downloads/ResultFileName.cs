using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// The parts file names are made of (<see cref="NameTemplate"/>): "&lt;source base name&gt;_bg&lt;ext&gt;" by
/// default, e.g. cat.png → cat_bg.png. Built only from sanitised parts, so nothing the server sends can make it
/// a path, a device name or a hidden file, on Windows or elsewhere. A part cut to fit keeps a hash of what was
/// cut, so two long names that share a beginning stay two names.
/// </summary>
public static class ResultFileName
{
    // In UTF-8 bytes: Linux and macOS allow 255 bytes per name (Windows 255 UTF-16 units, never fewer
    // characters than bytes), and the name still gets "_<hash>", "_bg.jpeg" and the download's temporary
    // suffix (PartialFiles, at most 53 bytes) appended. 120 characters of CJK would be 360 bytes: too long.
    internal const int MaxBaseBytes = 120;
    // A whole name from a template, before its extension: 255 - 53 (temporary suffix) - 5 (".jpeg"), rounded down.
    internal const int MaxStemBytes = 190;
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

    /// <summary>The source's base name, sanitised and cut to <see cref="MaxBaseBytes"/>; never empty.</summary>
    internal static string BaseName(string id, string? sourcePath, string? imageUrl)
    {
        string baseName = Fit(Clean(BaseNameOf(sourcePath, imageUrl) ?? id), MaxBaseBytes);
        if (baseName.Length == 0)
        {
            baseName = Fit(Clean(id), MaxBaseBytes);
        }

        return baseName.Length == 0 ? "image" : baseName;
    }

    /// <summary>The source file's extension without its dot, sanitised ("" when it has none).</summary>
    internal static string SourceExtension(string? sourcePath, string? imageUrl)
    {
        string? name = !string.IsNullOrWhiteSpace(sourcePath) ? LastSegment(sourcePath!)
            : !string.IsNullOrWhiteSpace(imageUrl) ? LastSegment(imageUrl!.Split('?')[0])
            : null;
        return name == null ? "" : Fit(Clean(Path.GetExtension(name).TrimStart('.')), 16);
    }

    /// <summary>A folder name taken from a source path (-RelativeTo): sanitised like a file name, never "..".
    /// </summary>
    internal static string FolderName(string segment)
    {
        string clean = Fit(Clean(segment), MaxBaseBytes);
        return clean.Length == 0 ? "_" : clean;
    }

    /// <summary>
    /// <paramref name="text"/> when it fits in <paramref name="maxBytes"/> of UTF-8; otherwise its longest start
    /// that leaves room for "_" and 8 hex digits of its SHA-256, and those: cut names stay distinct.
    /// </summary>
    internal static string Fit(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        string hash = Hash8(text);
        return Truncate(text, maxBytes - 1 - hash.Length).TrimEnd('.', ' ') + "_" + hash;
    }

    /// <summary>The first 8 hex digits of the SHA-256 of <paramref name="text"/> in UTF-8.</summary>
    internal static string Hash8(string text)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        return ContentHash.ToHex(sha.ComputeHash(Encoding.UTF8.GetBytes(text))).Substring(0, 8);
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

    /// <summary>The result image's extension, with its dot: ".png" unless the result key says otherwise.</summary>
    internal static string ExtensionOf(IReadOnlyList<string> resultKeys)
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
    internal static string Clean(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            sb.Append(IsSafe(c) ? c : '_');
        }
        string clean = sb.ToString().Trim().Trim('.', ' ');
        string stem = clean.Split('.')[0];
        return ReservedNames.Contains(stem) ? "_" + clean : clean;
    }

    private static bool IsSafe(char c) =>
        char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ' '
        || c == '(' || c == ')' || c == '[' || c == ']';
}
