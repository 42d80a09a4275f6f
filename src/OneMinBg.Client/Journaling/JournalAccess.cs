using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OneMinBg.Client.Journaling;

/// <summary>Why the journal cannot be written, in the terms a user acts on.</summary>
public enum JournalProblem
{
    /// <summary>Another process holds the lock file: wait for it.</summary>
    LockHeld,
    /// <summary>The file, or the file system it is on, is read-only.</summary>
    ReadOnly,
    /// <summary>A folder is where the journal (or its lock file) should be.</summary>
    NotAFile,
    /// <summary>This account may not write there.</summary>
    NoPermission,
    /// <summary>The folder for it does not exist and cannot be made (a file is in the way).</summary>
    NoFolder,
    /// <summary>The disk is full.</summary>
    DiskFull,
    /// <summary>Anything else: the system's own message says what.</summary>
    Other,
}

/// <summary>
/// The journal cannot be written, for a reason that waiting does not cure (see <see cref="Problem"/>).
/// </summary>
public sealed class JournalWriteException : IOException
{
    public JournalWriteException(JournalProblem problem, string message, Exception? inner)
        : base(message, inner)
    {
        Problem = problem;
    }

    public JournalProblem Problem { get; }
}

/// <summary>
/// Tells a journal that cannot be written from one whose lock is only busy, so that only a busy lock is
/// waited for, and checks at the start of a command that the journal can be written at all.
/// </summary>
internal static class JournalAccess
{
    // Win32 error codes come as HRESULT_FROM_WIN32 (0x8007xxxx; Windows, and Mono's emulation); .NET on Linux
    // and macOS puts the errno itself in HResult.
    private const int Win32Facility = unchecked((int)0x80070000);
    private const int LinuxWouldBlock = 11;
    private const int MacWouldBlock = 35;
    private const int UnixReadOnlyFileSystem = 30;
    private const int UnixNoSpace = 28;
    private const int UnixNotADirectory = 20;
    private const int WinSharingViolation = 32;
    private const int WinLockViolation = 33;
    private const int WinWriteProtect = 19;
    private const int WinHandleDiskFull = 39;
    private const int WinDiskFull = 112;

    private static readonly int WouldBlock = RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
        ? MacWouldBlock
        : LinuxWouldBlock;

    /// <summary>True when another handle holds the file's lock (a sharing or lock violation).</summary>
    public static bool IsLockHeld(Exception exception)
    {
        if (!(exception is IOException) || exception is FileNotFoundException || exception is DirectoryNotFoundException)
        {
            return false;
        }

        var (code, win32) = Code(exception);
        return win32 ? code == WinSharingViolation || code == WinLockViolation : code == WouldBlock;
    }

    /// <summary>What <paramref name="exception"/>, met writing <paramref name="path"/>, says is wrong.</summary>
    public static JournalProblem Classify(Exception exception, string path)
    {
        if (Directory.Exists(path))
        {
            return JournalProblem.NotAFile;
        }

        if (IsLockHeld(exception))
        {
            return JournalProblem.LockHeld;
        }

        var (code, win32) = Code(exception);
        if (exception is DirectoryNotFoundException || (!win32 && code == UnixNotADirectory))
        {
            return JournalProblem.NoFolder;
        }

        if (exception is UnauthorizedAccessException)
        {
            return JournalProblem.NoPermission;
        }

        if (win32 ? code == WinWriteProtect : code == UnixReadOnlyFileSystem)
        {
            return JournalProblem.ReadOnly;
        }

        return (win32 ? code == WinDiskFull || code == WinHandleDiskFull : code == UnixNoSpace)
            ? JournalProblem.DiskFull
            : JournalProblem.Other;
    }

    /// <summary>The failure as a <see cref="JournalWriteException"/> that names its cause.</summary>
    public static JournalWriteException Unwritable(Exception exception, string path, string journal)
    {
        JournalProblem problem = Classify(exception, path);
        string which = path == journal ? $"'{journal}'" : $"'{journal}' (its lock file '{path}')";
        string cause = problem switch
        {
            JournalProblem.NotAFile => $"{which} is a folder, not a file",
            JournalProblem.ReadOnly => $"{which} is on a read-only file system, or is itself read-only",
            JournalProblem.NoPermission => $"this account may not write {which} (access is denied)",
            JournalProblem.NoFolder => FolderCause(path, journal),
            JournalProblem.DiskFull => $"the disk that holds {which} is full",
            JournalProblem.LockHeld => $"another process holds {which}",
            _ => $"{which} cannot be written ({exception.Message})",
        };
        return new JournalWriteException(problem, $"The journal cannot be written: {cause}.", exception);
    }

    /// <summary>
    /// At the start of a command: fails at once when the journal cannot be written (a folder at its path, a
    /// parent that cannot be made, a read-only file system or file, no permission), instead of at the first
    /// image. Writes no line; it makes the folder and the lock file, as the first write would.
    /// </summary>
    /// <exception cref="JournalWriteException">The journal cannot be written; the message says why.</exception>
    public static void CheckWritable(string journal, string lockPath)
    {
        if (Directory.Exists(journal))
        {
            throw Unwritable(new IOException("a folder"), journal, journal);
        }

        EnsureFolder(journal);
        if (File.Exists(journal))
        {
            TryOpen(journal, journal, FileMode.Open);
        }
        TryOpen(lockPath, journal, FileMode.OpenOrCreate);
    }

    /// <summary>Makes the journal's folder; when it cannot be made, says why (a file in the way, read-only).</summary>
    public static void EnsureFolder(string journal)
    {
        string? folder = Path.GetDirectoryName(journal);
        if (string.IsNullOrEmpty(folder) || Directory.Exists(folder))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(folder!);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            JournalProblem problem = FileInTheWay(folder!) != null ? JournalProblem.NoFolder : Classify(ex, folder!);
            string cause = problem switch
            {
                JournalProblem.NoFolder => FolderCause(journal, journal),
                JournalProblem.ReadOnly => $"the folder '{folder}' cannot be made: the file system is read-only",
                JournalProblem.NoPermission => $"this account may not make the folder '{folder}' (access is denied)",
                _ => $"the folder '{folder}' cannot be made ({ex.Message})",
            };
            throw new JournalWriteException(problem, $"The journal cannot be written: {cause}.", ex);
        }
    }

    private static void TryOpen(string path, string journal, FileMode mode)
    {
        try
        {
            using (new FileStream(path, mode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1))
            {
            }
        }
        catch (Exception ex) when (IsLockHeld(ex))
        {
            // A writer holds it: it can be written, once that writer is done.
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            throw Unwritable(ex, path, journal);
        }
    }

    /// <summary>Why the folder of <paramref name="path"/> is missing: a file in the way, or it just is.</summary>
    private static string FolderCause(string path, string journal)
    {
        string? folder = Path.GetDirectoryName(path);
        string? file = folder == null ? null : FileInTheWay(folder);
        if (file == null)
        {
            return $"the folder '{folder}' for the journal '{journal}' does not exist and cannot be made";
        }

        return file == folder
            ? $"'{file}' is a file, so it cannot be the folder of the journal '{journal}'"
            : $"'{file}' is a file, so the folder '{folder}' for the journal '{journal}' cannot be made";
    }

    /// <summary>
    /// The nearest existing ancestor of <paramref name="folder"/> (itself included) when it is a file.
    /// </summary>
    private static string? FileInTheWay(string folder)
    {
        for (string? up = folder; !string.IsNullOrEmpty(up); up = Path.GetDirectoryName(up))
        {
            if (File.Exists(up))
            {
                return up;
            }

            if (Directory.Exists(up))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>The error code in an exception's HResult, and whether it is a Win32 code or an errno.</summary>
    private static (int Code, bool Win32) Code(Exception exception) =>
        (exception.HResult & unchecked((int)0xFFFF0000)) == Win32Facility
            ? (exception.HResult & 0xFFFF, true)
            : (exception.HResult, false);
}
