using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace OneMinBg.Client.Config;

/// <summary>
/// Folders and files only the user can open, from the first byte: on Linux and macOS a folder is made
/// with mkdir(0700) and a file with mkostemp (always mode 0600, O_EXCL), so no umask and no chmod
/// after the fact leaves a moment in which another user can read it. On Windows the user's profile
/// ACLs already keep %APPDATA% to the user.
/// </summary>
internal static class PrivateFiles
{
    private const int OwnerOnlyFolder = 0x1C0; // octal 700
    private const int EEXIST = 17; // the same on Linux, macOS and FreeBSD

    /// <summary>The name the module's own folder has in the default layout; earlier versions made it 0755.</summary>
    private const string ModuleFolderName = "OneMinBg";

    private static bool IsUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>
    /// Creates the folder (and any missing parent) readable only by the user. An existing folder of the
    /// default layout is tightened to 0700; a folder the user chose with ONEMIN_CONFIG_PATH is left as it is.
    /// </summary>
    public static void EnsureFolder(string folder)
    {
        if (!IsUnix)
        {
            Directory.CreateDirectory(folder);
            return;
        }
        if (Directory.Exists(folder))
        {
            if (string.Equals(Path.GetFileName(folder), ModuleFolderName, StringComparison.Ordinal))
            {
                // Best effort: a folder of another owner stays as it is, and the files in it are 0600 anyway.
                chmod(folder, OwnerOnlyFolder);
            }
            return;
        }
        string? parent = Path.GetDirectoryName(folder);
        if (!string.IsNullOrEmpty(parent))
        {
            EnsureFolder(parent!);
        }
        if (mkdir(folder, OwnerOnlyFolder) != 0 && Marshal.GetLastWin32Error() != EEXIST)
        {
            throw Failure("create the folder", folder);
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a new file beside <paramref name="path"/>, flushed to disk,
    /// and returns its name: the caller renames it into place.
    /// </summary>
    public static string WriteTemporary(string path, string content)
    {
        byte[] bytes = new UTF8Encoding(false).GetBytes(content);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (!IsUnix)
        {
            string temporary = Path.Combine(folder, Path.GetFileName(path) + "." + Path.GetRandomFileName() + ".tmp");
            using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(true);
            return temporary;
        }

        // mkostemp, not open(O_CREAT, 0600): open is variadic, and on Apple's arm64 a P/Invoke cannot pass
        // a variadic argument (the mode would be garbage). mkostemp takes no mode: it always uses 0600.
        byte[] template = Encoding.UTF8.GetBytes(Path.Combine(folder, Path.GetFileName(path) + ".XXXXXX") + "\0");
        int fd = mkostemp(template, CloseOnExec);
        string name = Encoding.UTF8.GetString(template, 0, template.Length - 1);
        if (fd < 0)
        {
            throw Failure("create a file in", folder);
        }
        try
        {
            WriteAll(fd, bytes, name);
            Check(fsync(fd), "flush", name);
        }
        catch
        {
            close(fd);
            File.Delete(name);
            throw;
        }
        Check(close(fd), "close", name);
        return name;
    }

    private static void WriteAll(int fd, byte[] bytes, string name)
    {
        int done = 0;
        while (done < bytes.Length)
        {
            var chunk = new byte[bytes.Length - done];
            Buffer.BlockCopy(bytes, done, chunk, 0, chunk.Length);
            long written = (long)write(fd, chunk, (UIntPtr)chunk.Length);
            if (written < 0)
            {
                const int EINTR = 4;
                if (Marshal.GetLastWin32Error() == EINTR)
                {
                    continue;
                }
                throw Failure("write", name);
            }
            done += (int)written;
        }
    }

    /// <summary>O_CLOEXEC: a program the session starts at the same moment does not inherit the file.</summary>
    private static int CloseOnExec =>
        RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? 0x1000000
        : RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? 0x80000
        : 0x100000; // FreeBSD

    private static void Check(int result, string what, string path)
    {
        if (result != 0)
        {
            throw Failure(what, path);
        }
    }

    private static IOException Failure(string what, string path) =>
        new IOException($"Cannot {what} '{path}' (errno {Marshal.GetLastWin32Error()}).");

    [DllImport("libc", SetLastError = true)]
    private static extern int chmod(string pathname, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkdir(string pathname, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkostemp(byte[] template, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr write(int fd, byte[] buffer, UIntPtr count);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
