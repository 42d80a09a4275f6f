using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace OneMinBg.Client.Images;

/// <summary>
/// Tells a regular file from a named pipe, socket or device without opening it: opening a FIFO blocks until
/// a writer comes, and a device never ends. On Unix it asks the .NET runtime's own System.Native library
/// (the one FileStream uses, with the same portable stat layout on Linux and macOS); Windows has no such files.
/// </summary>
internal static class FileKind
{
    private const int TypeMask = 0xF000; // System.Native's portable S_IFMT and S_IF* values
    private const int Fifo = 0x1000;
    private const int CharacterDevice = 0x2000;
    private const int Directory = 0x4000;
    private const int BlockDevice = 0x6000;
    private const int Regular = 0x8000;
    private const int SymbolicLink = 0xA000;
    private const int Socket = 0xC000;
    private const int StatBufferBytes = 512; // larger than FileStatus in any runtime version; Mode is at offset 4

    private static readonly bool s_windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
    private static bool s_noNative;

    /// <summary>
    /// What the path is when it is not a regular file (or a symbolic link to one), e.g. "a named pipe (FIFO)";
    /// null for a regular file, for a path that does not exist, and when the type cannot be told.
    /// </summary>
    public static string? NotRegular(string path)
    {
        int? mode = Mode(path, followLinks: true);
        if (mode == null)
        {
            return Mode(path, followLinks: false) is int link && (link & TypeMask) == SymbolicLink
                ? "a symbolic link that leads nowhere (its target is missing, or the links form a loop)"
                : null;
        }

        return (mode.Value & TypeMask) switch
        {
            Regular => null,
            Fifo => "a named pipe (FIFO)",
            CharacterDevice => "a character device (such as /dev/urandom)",
            BlockDevice => "a block device (a disk)",
            Socket => "a socket",
            Directory => "a folder",
            _ => "a special file",
        };
    }

    /// <summary>On Unix without System.Native (Mono): <see cref="NotRegular"/> cannot tell a FIFO from a file.
    /// </summary>
    public static bool UnixBlind => !s_windows && s_noNative;

    private static int? Mode(string path, bool followLinks)
    {
        if (s_windows || s_noNative)
        {
            return null;
        }

        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        var status = new byte[StatBufferBytes];
        try
        {
            int result = followLinks ? NativeMethods.Stat(name, status) : NativeMethods.LStat(name, status);
            return result == 0 ? BitConverter.ToInt32(status, 4) : (int?)null;
        }
        catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException
            || ex is BadImageFormatException)
        {
            s_noNative = true; // e.g. Mono without System.Native: the caller's fallback applies
            return null;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        public static extern int Stat(byte[] path, [Out] byte[] status);

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
        public static extern int LStat(byte[] path, [Out] byte[] status);
    }
}
