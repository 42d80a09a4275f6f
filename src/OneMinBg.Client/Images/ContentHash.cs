using System;
using System.IO;
using System.Security.Cryptography;

namespace OneMinBg.Client.Images;

/// <summary>The SHA-256 the journal knows an image by (its content, not its name), as lower-case hex.</summary>
public static class ContentHash
{
    private const int BufferSize = 81920;

    /// <summary>Streamed SHA-256 of a file.</summary>
    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
            BufferSize, FileOptions.SequentialScan);
        return OfStream(stream);
    }

    /// <summary>SHA-256 of the rest of a stream, from its current position.</summary>
    public static string OfStream(Stream stream)
    {
        using var sha = SHA256.Create();
        return ToHex(sha.ComputeHash(stream));
    }

    /// <summary>Lower-case hex of a digest.</summary>
    public static string ToHex(byte[] digest)
    {
        const string Digits = "0123456789abcdef";
        var chars = new char[digest.Length * 2];
        for (int i = 0; i < digest.Length; i++)
        {
            chars[2 * i] = Digits[digest[i] >> 4];
            chars[(2 * i) + 1] = Digits[digest[i] & 0xF];
        }

        return new string(chars);
    }
}
