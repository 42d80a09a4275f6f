using System;
using System.IO;

namespace OneMinBg.Client.Downloads;

/// <summary>A download was not written because its destination exists and overwriting was not allowed.</summary>
public sealed class DestinationExistsException : IOException
{
    public DestinationExistsException(string path, Exception? inner = null)
        : base($"'{path}' already exists; nothing was downloaded over it. Choose another path or allow overwriting.",
            inner)
    {
        Path = path;
    }

    /// <summary>The destination that exists.</summary>
    public string Path { get; }
}
