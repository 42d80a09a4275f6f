using System;

namespace OneMinBg.Client.Images;

/// <summary>The image formats the Background Replacer accepts.</summary>
public enum ImageFormat
{
    Png,
    Jpeg,
    WebP,
}

/// <summary>What <see cref="ImageInspector"/> learned from a file's header.</summary>
public sealed class ImageInfo
{
    public ImageInfo(ImageFormat format, int width, int height, long length)
    {
        Format = format;
        Width = width;
        Height = height;
        Length = length;
    }

    public ImageFormat Format { get; }
    public int Width { get; }
    public int Height { get; }
    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>The usual extension of the format, with its dot: ".png", ".jpg" or ".webp".</summary>
    public string Extension => Format switch
    {
        ImageFormat.Png => ".png",
        ImageFormat.Jpeg => ".jpg",
        _ => ".webp",
    };

    public string MimeType => Format switch
    {
        ImageFormat.Png => "image/png",
        ImageFormat.Jpeg => "image/jpeg",
        _ => "image/webp",
    };

    public override string ToString() => $"{Format} {Width}x{Height}, {Length} bytes";
}

/// <summary>Why a file was refused before anything was sent.</summary>
public enum InvalidImageReason
{
    /// <summary>The file has no bytes.</summary>
    Empty,
    /// <summary>The file is larger than the service accepts.</summary>
    TooLarge,
    /// <summary>The bytes are not an image this client recognises.</summary>
    NotAnImage,
    /// <summary>An image, but in a format the service does not accept (GIF, BMP, TIFF, HEIC, ...).</summary>
    UnsupportedFormat,
    /// <summary>A PNG, JPEG or WebP that ends before its image data does.</summary>
    Truncated,
    /// <summary>Not a regular file: a named pipe, socket, device, or a symbolic link that leads nowhere.</summary>
    NotARegularFile,
}

/// <summary>A file that is not a complete PNG, JPEG or WebP image within the size limit.</summary>
public sealed class InvalidImageException : Exception
{
    public InvalidImageException(InvalidImageReason reason, string message, string? path = null)
        : base(message)
    {
        Reason = reason;
        Path = path;
    }

    public InvalidImageReason Reason { get; }
    /// <summary>The file inspected, when it was a file.</summary>
    public string? Path { get; }
}
