using System;
using System.Threading;

namespace OneMinBg.Client.Api;

/// <summary>What <see cref="OneMinClient"/> checks of its options before it is made.</summary>
internal static class OptionsValidator
{
    public static string Key(string? apiKey)
    {
        // No key is allowed: downloads need none. API calls then fail with Authentication.
        string key = (apiKey ?? "").Trim();

        foreach (char c in key)
        {
            if (c < 0x21 || c > 0x7E)
            {
                throw new ArgumentException(
                    "The API key contains characters that cannot be sent in an HTTP header (spaces, line breaks "
                    + "or non-ASCII characters). Copy it again from the 1min.ai dashboard.",
                    nameof(OneMinClientOptions.ApiKey));
            }
        }

        return key;
    }

    public static Uri BaseUri(Uri? baseUri, bool allowInsecureHttp)
    {
        if (baseUri == null)
        {
            throw new ArgumentException("A base URL is required.", nameof(OneMinClientOptions.BaseUri));
        }

        if (!baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The base URL '{baseUri.OriginalString}' must be an absolute https:// URL "
                + "(or http:// to this machine).", nameof(OneMinClientOptions.BaseUri));
        }

        if (baseUri.UserInfo.Length > 0)
        {
            throw new ArgumentException("The base URL must not contain a user name or password.",
                nameof(OneMinClientOptions.BaseUri));
        }

        if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback && !allowInsecureHttp)
        {
            throw new ArgumentException(
                $"The base URL '{baseUri}' uses http:// to a host that is not this machine, which would send the "
                + "API key unencrypted. Use https://, or pass -AllowInsecureHttp to allow it.",
                nameof(OneMinClientOptions.BaseUri));
        }

        return new Uri(baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
    }

    public static void Limits(OneMinClientOptions options)
    {
        if (options.Timeout != Timeout.InfiniteTimeSpan
            && (options.Timeout <= TimeSpan.Zero || options.Timeout.TotalMilliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(OneMinClientOptions.Timeout), options.Timeout,
                "The timeout must be positive and at most 24 days.");
        }

        if (options.MaxRetryCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(OneMinClientOptions.MaxRetryCount), options.MaxRetryCount,
                "The retry count cannot be negative.");
        }

        if (options.RetryBaseDelay < TimeSpan.Zero || options.MaxRetryAfter < TimeSpan.Zero
            || options.RetryBaseDelay.TotalMilliseconds > int.MaxValue
            || options.MaxRetryAfter.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(OneMinClientOptions.RetryBaseDelay),
                "Retry delays must be between zero and 24 days.");
        }

        if (options.RequestsPerMinute < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(OneMinClientOptions.RequestsPerMinute),
                options.RequestsPerMinute, "The rate limit cannot be negative (0 turns it off).");
        }

        if (options.MaxDownloadBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(OneMinClientOptions.MaxDownloadBytes),
                options.MaxDownloadBytes, "The download limit must be positive.");
        }
    }
}
