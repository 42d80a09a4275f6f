using System;
using System.Globalization;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// When a presigned link stops working, read from the link itself: S3's X-Amz-Date and X-Amz-Expires, or an
/// "Expires" Unix time (CloudFront, older S3). A link that says it has expired is renewed before it is tried.
/// </summary>
public static class LinkExpiry
{
    /// <summary>Links this close to their end are renewed too: the download would race the expiry.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    /// <summary>When <paramref name="link"/> expires; null when it does not say.</summary>
    public static DateTimeOffset? Of(Uri link)
    {
        string? date = null, expires = null, epoch = null;
        foreach (string pair in link.Query.TrimStart('?').Split('&'))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            string name = Uri.UnescapeDataString(pair.Substring(0, eq));
            string value = Uri.UnescapeDataString(pair.Substring(eq + 1));
            if (string.Equals(name, "X-Amz-Date", StringComparison.OrdinalIgnoreCase))
            {
                date = value;
            }
            else if (string.Equals(name, "X-Amz-Expires", StringComparison.OrdinalIgnoreCase))
            {
                expires = value;
            }
            else if (string.Equals(name, "Expires", StringComparison.OrdinalIgnoreCase))
            {
                epoch = value;
            }
        }

        if (date != null && expires != null
            && DateTimeOffset.TryParseExact(date, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset signed)
            && long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            && seconds <= TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return signed.AddSeconds(seconds);
        }

        return epoch != null && long.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out long unix)
            && unix < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(unix)
            : (DateTimeOffset?)null;
    }

    /// <summary>The link says it has expired at <paramref name="now"/> (or will within a few seconds).</summary>
    public static bool HasExpired(Uri link, DateTimeOffset now) =>
        Of(link) is DateTimeOffset end && now + Margin >= end;
}
