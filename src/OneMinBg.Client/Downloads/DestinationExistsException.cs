using System;
using System.IO;

namespace OneMinBg.Client.Downloads;

/// <summary>A download was not written because its destination exists and overwriting was not allowed.</summary>
public sealed class DestinationExistsException : IOException
{
    public DestinationExistsException(string path, Exception? inner = null, bool contentDiffers = false)
        : base(contentDiffers
            ? $"'{path}' already exists and holds another file than the download; it was left as it is. "
                + "Choose another path or allow overwriting."
            : $"'{path}' already exists; nothing was downloaded over it. Choose another path or allow overwriting.",
            inner)
    {
        Path = path;
        ContentDiffers = contentDiffers;
    }

    /// <summary>The download was made and compared: the existing file holds other bytes.</summary>
    public bool ContentDiffers { get; }

    /// <summary>The destination that exists.</summary>
    public string Path { get; }
}
