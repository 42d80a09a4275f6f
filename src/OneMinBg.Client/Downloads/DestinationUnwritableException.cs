using System;
using System.IO;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// A folder downloads go to cannot be written (read-only, no permission, full): every later download into it
/// would fail the same way. The message names the folder, never a temporary file.
/// </summary>
public sealed class DestinationUnwritableException : IOException
{
    public DestinationUnwritableException(string folder, Exception inner)
        : base($"Cannot write into the folder '{folder}': {Reason(inner)}.", inner)
    {
        Folder = folder;
    }

    public string Folder { get; }

    private static string Reason(Exception ex) => ex switch
    {
        UnauthorizedAccessException => "access is denied (the folder is read-only, or you may not write to it)",
        _ when (ex.HResult & 0xFFFF) is 0x70 or 0x27 or 28 or 122 => "the disk is full or over its quota",
        _ => "the file system refused the write",
    };
}
