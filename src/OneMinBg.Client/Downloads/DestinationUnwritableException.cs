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

    /// <summary>
    /// Whether <paramref name="ex"/> says the whole folder cannot be written: a read-only file system (EROFS 30,
    /// ERROR_WRITE_PROTECT 0x13) or a full disk or quota (ENOSPC 28, EDQUOT 122, ERROR_DISK_FULL 0x70,
    /// ERROR_HANDLE_DISK_FULL 0x27). On Unix .NET puts the errno in HResult.
    /// </summary>
    internal static bool IsFolderWide(Exception ex) =>
        ex is UnauthorizedAccessException || (ex is IOException && (ex.HResult & 0xFFFF) is 30 or 0x13 or 28 or 122
            or 0x70 or 0x27);

    private static string Reason(Exception ex) => ex switch
    {
        UnauthorizedAccessException => "access is denied (you may not write to it)",
        _ when (ex.HResult & 0xFFFF) is 30 or 0x13 => "the file system is read-only",
        _ when (ex.HResult & 0xFFFF) is 0x70 or 0x27 or 28 or 122 => "the disk is full or over its quota",
        _ => "the file system refused the write",
    };
}
