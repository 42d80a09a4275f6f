using System;
using System.IO;
using System.Text;
using OneMinBg.Client.Common;
using OneMinBg.Client.Http;

namespace OneMinBg.Client.Images;

/// <summary>
/// Checks that a file is a complete PNG, JPEG or WebP image by reading its header and its last
/// bytes, never the whole file, and finds the size that best matches its aspect ratio.
/// </summary>
public static partial class ImageInspector
{
    /// <summary>The largest upload this module sends (community gateways cap uploads at 50 MB).</summary>
    public const long MaxUploadBytes = 50L * 1024 * 1024;

    private const int HeadLength = 512;
    private const int TailLength = 4096;
    private const int MaxJpegSegments = 4096;
    private const string ConvertAdvice = "Convert it to PNG, JPEG or WebP.";

    /// <summary>Inspects a file of at most <see cref="MaxUploadBytes"/>.</summary>
    /// <exception cref="InvalidImageException">The file is empty, too large, not an image, in an unsupported format or
    /// truncated.</exception>
    public static ImageInfo Inspect(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("A file path is required.", nameof(path));
        }

        return Inspect(path, MaxUploadBytes);
    }

    /// <summary>
    /// Inspects a file of at most <see cref="MaxUploadBytes"/> and hashes its content, opening it once:
    /// the header and trailer are read by seeking, then the whole file once for the hash.
    /// </summary>
    /// <exception cref="InvalidImageException">The file is not an image the service accepts.</exception>
    public static SourceImage Check(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("A file path is required.", nameof(path));
        }

        RequireRegularFile(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
            4096, FileOptions.SequentialScan);
        ImageInfo info = Inspect(stream, path, MaxUploadBytes);
        stream.Position = 0;
        return new SourceImage(path, info, ContentHash.OfStream(stream));
    }

    /// <summary>
    /// Inspects an image that starts at the beginning of a seekable stream (at most
    /// <see cref="MaxUploadBytes"/>).
    /// </summary>
    public static ImageInfo Inspect(Stream seekableStream)
    {
        if (seekableStream == null)
        {
            throw new ArgumentNullException(nameof(seekableStream));
        }

        if (!seekableStream.CanSeek || !seekableStream.CanRead)
        {
            throw new ArgumentException("The stream must be readable and seekable.", nameof(seekableStream));
        }

        long position = seekableStream.Position;
        try
        {
            return Inspect(seekableStream, null, MaxUploadBytes);
        }
        finally
        {
            seekableStream.Position = position;
        }
    }

    /// <summary>
    /// Inspects a file with a size limit of the caller's choosing (downloads allow more than uploads).
    /// </summary>
    internal static ImageInfo Inspect(string path, long maxLength)
    {
        RequireRegularFile(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
            4096, FileOptions.RandomAccess);
        return Inspect(stream, path, maxLength);
    }

    /// <summary>
    /// Refuses, without opening it, what is not a regular file or a symbolic link to one: opening a named
    /// pipe blocks until something writes to it, and a device has no end.
    /// </summary>
    /// <exception cref="InvalidImageException">NotARegularFile.</exception>
    internal static void RequireRegularFile(string path)
    {
        string? what = FileKind.NotRegular(path);
        if (what == null && FileKind.UnixBlind && new FileInfo(path).Length == 0)
        {
            // Without stat (Mono), pipes and devices look like files of length 0: never open those.
            what = "of length 0 (an empty file, a pipe or a device)";
        }

        if (what != null)
        {
            throw new InvalidImageException(InvalidImageReason.NotARegularFile,
                $"'{path}' is not a regular file: it is {what}. Pass image files only (a symbolic link to one "
                + "is fine).", path);
        }
    }

    internal static ImageInfo Inspect(Stream stream, string? path, long maxLength)
    {
        string name = path == null ? "The image" : $"'{path}'";
        long length = stream.Length;
        if (length == 0)
        {
            throw new InvalidImageException(InvalidImageReason.Empty,
                $"{name} is empty (0 bytes). Choose a PNG, JPEG or WebP image.", path);
        }

        if (length > maxLength)
        {
            throw new InvalidImageException(
                InvalidImageReason.TooLarge,
                $"{name} is {Text.FormatBytes(length)}, more than the {Text.FormatBytes(maxLength)} allowed. "
                + $"Resize or compress it below {Text.FormatBytes(maxLength)}.",
                path);
        }

        byte[] head = ReadAt(stream, 0, HeadLength);
        var reader = new Reader(stream, path, name, head, length);
        if (StartsWith(head, 0, 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A))
        {
            return reader.Png();
        }

        if (StartsWith(head, 0, 0xFF, 0xD8, 0xFF))
        {
            return reader.Jpeg();
        }

        if (StartsWithAscii(head, 0, "RIFF") && StartsWithAscii(head, 8, "WEBP"))
        {
            return reader.WebP();
        }

        string? other = RecogniseUnsupported(head);
        if (other != null)
        {
            throw new InvalidImageException(
                InvalidImageReason.UnsupportedFormat,
                $"{name} is a {other} image, which the service does not accept. {ConvertAdvice}",
                path);
        }

        throw new InvalidImageException(
            InvalidImageReason.NotAnImage,
            $"{name} is not an image (its bytes are not PNG, JPEG or WebP). {ConvertAdvice}",
            path);
    }

    /// <summary>Image formats that are recognised but not accepted, by their magic bytes.</summary>
    private static string? RecogniseUnsupported(byte[] head)
    {
        if (StartsWithAscii(head, 0, "GIF87a") || StartsWithAscii(head, 0, "GIF89a"))
        {
            return "GIF";
        }

        if (StartsWithAscii(head, 0, "BM") && head.Length >= 14
            && head[6] == 0 && head[7] == 0 && head[8] == 0 && head[9] == 0)
        {
            return "BMP";
        }

        if (StartsWith(head, 0, 0x49, 0x49, 0x2A, 0x00) || StartsWith(head, 0, 0x4D, 0x4D, 0x00, 0x2A))
        {
            return "TIFF";
        }

        if (StartsWithAscii(head, 4, "ftyp") && head.Length >= 12)
        {
            string brand = Encoding.ASCII.GetString(head, 8, 4);
            switch (brand)
            {
                case "heic":
                case "heix":
                case "hevc":
                case "hevx":
                case "heim":
                case "heis":
                case "mif1":
                case "msf1":
                    return "HEIC";
                case "avif":
                case "avis":
                    return "AVIF";
            }
        }

        if (StartsWith(head, 0, 0x00, 0x00, 0x01, 0x00) && head.Length >= 6 && head[4] != 0)
        {
            return "ICO";
        }

        if (StartsWithAscii(head, 0, "8BPS"))
        {
            return "Photoshop (PSD)";
        }

        if (StartsWith(head, 0, 0xFF, 0x0A) || StartsWith(head, 0, 0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20))
        {
            return "JPEG XL";
        }

        if (StartsWith(head, 0, 0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20))
        {
            return "JPEG 2000";
        }

        string text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.StartsWith("<svg", StringComparison.OrdinalIgnoreCase)
            || (text.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase)
                && text.IndexOf("<svg", StringComparison.OrdinalIgnoreCase) >= 0))
        {
            return "SVG";
        }

        return null;
    }

    private static byte[] ReadAt(Stream stream, long offset, int count)
    {
        long available = stream.Length - offset;
        if (offset < 0 || available <= 0)
        {
            return Array.Empty<byte>();
        }

        var buffer = new byte[(int)Math.Min(count, available)];
        stream.Position = offset;
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        if (total < buffer.Length)
        {
            Array.Resize(ref buffer, total);
        }

        return buffer;
    }

    private static bool StartsWith(byte[] data, int offset, params byte[] prefix)
    {
        if (data.Length < offset + prefix.Length)
        {
            return false;
        }

        for (int i = 0; i < prefix.Length; i++)
        {
            if (data[offset + i] != prefix[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool StartsWithAscii(byte[] data, int offset, string prefix) =>
        StartsWith(data, offset, Encoding.ASCII.GetBytes(prefix));

    private static int IndexOf(byte[] data, byte[] pattern)
    {
        for (int i = data.Length - pattern.Length; i >= 0; i--)
        {
            if (StartsWith(data, i, pattern))
            {
                return i;
            }
        }

        return -1;
    }

    private static uint BigEndian32(byte[] d, int i) => (uint)(d[i] << 24 | d[i + 1] << 16 | d[i + 2] << 8 | d[i + 3]);

    private static int BigEndian16(byte[] d, int i) => d[i] << 8 | d[i + 1];

    private static int LittleEndian16(byte[] d, int i) => d[i] | d[i + 1] << 8;

    private static int LittleEndian24(byte[] d, int i) => d[i] | d[i + 1] << 8 | d[i + 2] << 16;

    private static uint LittleEndian32(byte[] d, int i) =>
        (uint)(d[i] | d[i + 1] << 8 | d[i + 2] << 16 | d[i + 3] << 24);

    /// <summary>Per-format parsing of one stream; every failure names the file and the format.</summary>
}
