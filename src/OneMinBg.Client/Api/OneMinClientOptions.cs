using System;

namespace OneMinBg.Client.Api;

/// <summary>Settings of a <see cref="OneMinClient"/>, read once when the client is made.</summary>
public sealed class OneMinClientOptions
{
    public static readonly Uri DefaultBaseUri = new Uri("https://api.1min.ai/");

    /// <summary>
    /// The API's origin (and optional path prefix). http:// is refused for non-loopback hosts unless
    /// <see cref="AllowInsecureHttp"/>.
    /// </summary>
    public Uri BaseUri { get; set; } = DefaultBaseUri;

    /// <summary>
    /// Sent only as the API-KEY header to <see cref="BaseUri"/>'s origin; never written to any message.
    /// </summary>
    public string ApiKey { get; set; } = "";

    /// <summary>How long one HTTP attempt may take, headers and body. Image calls can take minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long to wait for an image the service accepted and works on (async: PROCESSING, then polled); past
    /// it, the image is left journaled as accepted and a later run goes on waiting for it, without paying again.
    /// </summary>
    public TimeSpan ResultWait { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How many times a failed call is tried again (charged calls only when they were certainly not charged).
    /// </summary>
    public int MaxRetryCount { get; set; } = 5;

    /// <summary>
    /// The first backoff step; each retry doubles it (with full jitter), up to <see cref="MaxRetryAfter"/>.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before a retry, whether from Retry-After or from backoff.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a call the service refuses without charging it (429 Too Many Requests, 503) is tried again before
    /// it fails: a time, not a count, so that a rate limit stricter than <see cref="RequestsPerMinute"/>, or other
    /// processes on the key, slow a batch down instead of failing its images.
    /// </summary>
    public TimeSpan RefusalWait { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Client-side limit per (API origin, key), shared by every process of the user on this machine; 0 turns it
    /// off.
    /// </summary>
    public int RequestsPerMinute { get; set; } = 180;

    /// <summary>The largest download accepted; a larger one is stopped and nothing is kept.</summary>
    public long MaxDownloadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Allows http:// to a host that is not the local machine (the key would travel in clear text).</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>What the client is doing, for -Verbose. Called from any thread.</summary>
    public Action<string>? Verbose { get; set; }

    /// <summary>Request and response details (never the key), for -Debug. Called from any thread.</summary>
    public Action<string>? Debug { get; set; }

    /// <summary>An explicit proxy for every call (API and downloads); null uses the system proxy.</summary>
    public Uri? Proxy { get; set; }

    /// <summary>Credentials for <see cref="Proxy"/>.</summary>
    public System.Net.NetworkCredential? ProxyCredential { get; set; }

    /// <summary>
    /// A download that receives less than 1 KB/s over this long (or over a fifth of <see cref="Timeout"/>,
    /// when that is shorter) is stopped and retried: a host that drips bytes does not hold a slot until the
    /// timeout. Zero or less turns the check off.
    /// </summary>
    public TimeSpan DownloadRateWindow { get; set; } = TimeSpan.FromSeconds(30);
}
