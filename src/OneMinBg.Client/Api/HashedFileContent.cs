using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading.Tasks;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Api;

/// <summary>
/// A file's bytes as a request body, hashed as they are sent: exactly the checked length goes out (as
/// Content-Length), and <see cref="SentSha256"/> is the SHA-256 of what was written, so the caller can
/// tell whether the service holds the image that was checked.
/// </summary>
internal sealed class HashedFileContent : HttpContent
{
    private const int BufferSize = 81920;

    private readonly FileStream _file;
    private readonly long _length;

    public HashedFileContent(FileStream file, long length)
    {
        _file = file;
        _length = length;
    }

    /// <summary>Lower-case hex SHA-256 of the bytes sent; null until all of them were sent.</summary>
    public string? SentSha256 { get; private set; }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        SentSha256 = null;
        _file.Position = 0; // a handler that sends the body again (proxy authentication) sends it whole again
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long remaining = _length;
        while (remaining > 0)
        {
            int read = await _file.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, remaining)).ConfigureAwait(false);
            if (read == 0)
            {
                // Shorter than checked: the body cannot match its Content-Length, so the send fails here.
                throw new IOException($"the file ended {remaining} bytes early while it was being sent");
            }

            hash.AppendData(buffer, 0, read);
            await stream.WriteAsync(buffer, 0, read).ConfigureAwait(false);
            remaining -= read;
        }

        SentSha256 = ContentHash.ToHex(hash.GetHashAndReset());
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
