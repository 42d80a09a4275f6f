using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Api;

/// <summary>
/// One background replacement as the journal sees it: what was asked, of which content, at which service.
/// Its <see cref="Fingerprint"/> is what makes a re-run of the same request free.
/// </summary>
public sealed class ImageRequest
{
    private string? _fingerprint;

    /// <param name="contentSha256">Lower-case hex SHA-256 of the source file (<see cref="HashFile"/>); for an
    /// -ImageUrl input without a file, "url:" + the URL.</param>
    /// <param name="sourcePath">Where the source was read from; informational only, not part of the
    /// fingerprint.</param>
    /// <param name="imageUrl">The URL the source came from, for -ImageUrl input.</param>
    public ImageRequest(string contentSha256, string? sourcePath, string? imageUrl, string prompt, string size,
        string quality, string background, string model, Uri baseUri)
    {
        ContentSha256 = Required(contentSha256, nameof(contentSha256));
        SourcePath = sourcePath;
        ImageUrl = imageUrl;
        Prompt = prompt ?? throw new ArgumentNullException(nameof(prompt));
        Size = Required(size, nameof(size));
        Quality = Required(quality, nameof(quality));
        Background = Required(background, nameof(background));
        Model = Required(model, nameof(model));
        BaseUri = baseUri ?? throw new ArgumentNullException(nameof(baseUri));
        if (!baseUri.IsAbsoluteUri)
        {
            throw new ArgumentException($"The service URL must be absolute, not '{baseUri.OriginalString}'.",
                nameof(baseUri));
        }
    }

    public string ContentSha256 { get; }
    public string? SourcePath { get; }
    public string? ImageUrl { get; }
    public string Prompt { get; }
    public string Size { get; }
    public string Quality { get; }
    public string Background { get; }
    public string Model { get; }
    public Uri BaseUri { get; }

    /// <summary>
    /// Lower-case hex SHA-256 over the normalised service URL, the content hash, the prompt (exact) and
    /// size, quality, background and model (case-insensitive: they are tokens), each length-prefixed.
    /// Not the source path: a renamed or moved file is the same request; an edited file is not.
    /// </summary>
    public string Fingerprint => _fingerprint ??= ComputeFingerprint();

    /// <summary>Streamed SHA-256 of a file, lower-case hex.</summary>
    public static string HashFile(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("A file path is required.", nameof(path));
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
            81920, FileOptions.SequentialScan);
        using var sha = SHA256.Create();
        return ToHex(sha.ComputeHash(stream));
    }

    /// <summary>
    /// scheme://host:port/path/ in lower case with a trailing '/': one service, however its URL was spelt.
    /// </summary>
    internal static string NormalizeBaseUri(Uri baseUri)
    {
        string port = baseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string text = (baseUri.Scheme + "://" + baseUri.Host + ":" + port + baseUri.AbsolutePath).ToLowerInvariant();
        return text.EndsWith("/", StringComparison.Ordinal) ? text : text + "/";
    }

    internal static string ToHex(byte[] bytes)
    {
        const string Digits = "0123456789abcdef";
        var chars = new char[bytes.Length * 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = Digits[bytes[i] >> 4];
            chars[(2 * i) + 1] = Digits[bytes[i] & 0xF];
        }

        return new string(chars);
    }

    private string ComputeFingerprint()
    {
        string[] parts =
        {
            NormalizeBaseUri(BaseUri),
            ContentSha256,
            Prompt,
            Size.ToLowerInvariant(),
            Quality.ToLowerInvariant(),
            Background.ToLowerInvariant(),
            Model.ToLowerInvariant(),
        };

        // "<byte count>:<bytes>" per part: no choice of parts can produce another's byte sequence.
        using var buffer = new MemoryStream();
        foreach (string part in parts)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(part);
            byte[] prefix = Encoding.ASCII.GetBytes(
                bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":");
            buffer.Write(prefix, 0, prefix.Length);
            buffer.Write(bytes, 0, bytes.Length);
        }

        using var sha = SHA256.Create();
        return ToHex(sha.ComputeHash(buffer.ToArray()));
    }

    private static string Required(string value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"'{name}' is required.", name);
        }

        return value;
    }
}
