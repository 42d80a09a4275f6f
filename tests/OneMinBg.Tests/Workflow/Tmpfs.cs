using System.Diagnostics;
using System.Runtime.InteropServices;

namespace OneMinBg.Tests;

/// <summary>
/// A small tmpfs mounted on a folder: a real full disk. Needs Linux and the right to mount (root in the
/// sandbox); tests that need one are skipped elsewhere (<see cref="TmpfsFactAttribute"/>).
/// </summary>
internal sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<bool> Mountable = new(() =>
    {
        using var probe = new TempDir();
        using Tmpfs? tmpfs = TryMount(probe.File("probe"), "64k");
        return tmpfs != null;
    });

    private Tmpfs(string path) => Path = path;

    public static bool CanMount => Mountable.Value;

    public string Path { get; }

    public static Tmpfs? TryMount(string path, string size) => TryMountWith(path, "size=" + size);

    /// <summary>An empty tmpfs mounted read-only: a read-only file system that stops root too.</summary>
    public static Tmpfs MountReadOnly(string path) =>
        TryMountWith(path, "ro") ?? throw new InvalidOperationException("Could not mount a read-only tmpfs.");

    private static Tmpfs? TryMountWith(string path, string options)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            return null;
        }

        Directory.CreateDirectory(path);
        return Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", path) ? new Tmpfs(path) : null;
    }

    /// <summary>
    /// Writes a filler file until the file system is full; deleting it frees the space again. A journal's last
    /// memory page may still have room for a line: <paramref name="journal"/> is first padded to a page with a
    /// blank line, which readers ignore.
    /// </summary>
    public string Fill(string journal)
    {
        long length = new FileInfo(journal).Length;
        int pad = (int)(4096 - length % 4096);
        if (pad > 0)
        {
            byte[] blank = Enumerable.Repeat((byte)' ', pad).ToArray();
            blank[^1] = (byte)'\n';
            File.AppendAllText(journal, System.Text.Encoding.ASCII.GetString(blank));
        }

        string filler = System.IO.Path.Combine(Path, "filler");
        byte[] block = new byte[4096];
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                stream.Write(block, 0, block.Length);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // ENOSPC: no whole block left; the last bytes of the last page next.
        }

        try
        {
            while (true)
            {
                stream.Write(block, 0, 1);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // Full.
        }

        try
        {
            stream.Dispose();
        }
        catch (IOException)
        {
        }

        return filler;
    }

    public void Dispose() => Run("umount", "-l", Path);

    private static bool Run(string file, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A fact that needs a tmpfs it can mount: skipped, saying why, where it cannot.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (!Tmpfs.CanMount)
        {
            Skip = "needs Linux and the right to mount a tmpfs (root)";
        }
    }
}
