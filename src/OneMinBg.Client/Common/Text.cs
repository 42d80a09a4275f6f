using System;
using System.Globalization;
using System.Text;

namespace OneMinBg.Client.Common;

/// <summary>Formatting shared by messages: culture-invariant numbers, short excerpts, key redaction.</summary>
internal static class Text
{
    public const string Redacted = "***";
    private const int MinRedactableKeyLength = 4;

    public static string FormatBytes(long bytes)
    {
        const double Mb = 1024 * 1024;
        if (bytes >= Mb)
        {
            return (bytes / Mb).ToString("0.#", CultureInfo.InvariantCulture) + " MB";
        }

        if (bytes >= 1024)
        {
            return (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB";
        }

        return bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
    }

    public static string FormatSeconds(TimeSpan duration) =>
        duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    /// <summary>
    /// A one-line excerpt of at most <paramref name="max"/> characters of text from a server, with the key
    /// taken out first: cut first, a key echoed across the cut would keep its start.
    /// </summary>
    public static string Excerpt(string text, string key, int max = 200)
    {
        string redacted = Redact(text, key);
        var builder = new StringBuilder(Math.Min(redacted.Length, max + 1));
        bool space = false;
        foreach (char c in redacted)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
            if (builder.Length >= max)
            {
                return builder.ToString() + "...";
            }
        }

        return builder.ToString();
    }

    /// <summary>Replaces every occurrence of the key, in case a server echoes it back.</summary>
    public static string Redact(string text, string key)
    {
        if (key.Length < MinRedactableKeyLength || text.IndexOf(key, StringComparison.Ordinal) < 0)
        {
            return text;
        }

        return text.Replace(key, Redacted);
    }

    /// <summary>
    /// scheme://host[:port]/path of a URL: presigned download links carry their signature in the query.
    /// </summary>
    public static string WithoutQuery(Uri url) => url.GetLeftPart(UriPartial.Path);

    /// <summary>
    /// Lower-case hex SHA-256 of a string's UTF-8 bytes: to tell secrets apart without keeping them.
    /// </summary>
    public static string Sha256Hex(string text)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        byte[] hash = sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(text));
        var sb = new System.Text.StringBuilder(hash.Length * 2);
        foreach (byte b in hash)
        {
            sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
