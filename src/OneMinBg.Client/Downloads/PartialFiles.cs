using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using OneMinBg.Client.Common;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// The temporary files downloads are written to, and the removal of those a killed process left behind.
/// A name says who writes it: "&lt;name&gt;.&lt;host&gt;-&lt;pid&gt;-&lt;start&gt;.&lt;random&gt;.partial", where
/// host is 8 hex digits of the machine name's SHA-256 and start the process's start time (Unix seconds),
/// so a later run tells a dead writer from a live one the way journal claims do.
/// </summary>
internal static class PartialFiles
{
    /// <summary>A file of another machine (a shared folder), or whose writer cannot be checked: stale after
    /// this long unwritten.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromHours(24);

    /// <summary>Names without an owner (from earlier versions): no attempt leaves a file unwritten this long.</summary>
    internal static readonly TimeSpan LegacyStaleAfter = TimeSpan.FromHours(1);

    private const string Extension = ".partial";
    // Only what Save-BgImage writes: a result name ("..._bg.png") and the suffix of a download.
    private const string ResultName = @"_bg\.(png|jpg|jpeg|webp)";
    private static readonly Regex Owned = new Regex(
        ResultName + @"\.(?<host>[0-9a-f]{8})-(?<pid>[0-9]{1,10})-(?<start>[0-9]{1,12})\.[a-z0-9]{11}\.partial$",
        RegexOptions.CultureInvariant);
    private static readonly Regex Legacy = new Regex(ResultName + @"\.[a-z0-9]{11}\.partial$",
        RegexOptions.CultureInvariant);
    private static readonly Lazy<string> LazyOwner = new Lazy<string>(() => string.Join("-",
        HostTag(JournalProcess.Host),
        JournalProcess.Id.ToString(CultureInfo.InvariantCulture),
        JournalProcess.StartedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));

    /// <summary>A new temporary path beside <paramref name="destination"/>, owned by this process.</summary>
    public static string PathFor(string destination) =>
        destination + "." + LazyOwner.Value + "." + Path.GetRandomFileName().Replace(".", "") + Extension;

    /// <summary>
    /// Deletes the stale temporary files of saves in <paramref name="folder"/> (not its subfolders): those
    /// whose writer on this machine no longer runs, and those not written for <see cref="StaleAfter"/>
    /// (another machine's) or <see cref="LegacyStaleAfter"/> (without an owner). Files that cannot be
    /// deleted are left; the next run tries again.
    /// </summary>
    public static (int Count, long Bytes) RemoveStale(string folder, DateTimeOffset now)
    {
        int count = 0;
        long bytes = 0;
        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(folder, "*" + Extension, SearchOption.TopDirectoryOnly);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            return (0, 0);
        }

        foreach (string path in candidates)
        {
            try
            {
                var file = new FileInfo(path);
                if ((file.Attributes & (FileAttributes.Directory | FileAttributes.ReparsePoint)) != 0
                    || !IsStale(file.Name, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), now))
                {
                    continue;
                }

                long length = file.Length;
                file.Delete();
                count++;
                bytes += length;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to delete.
            }
        }

        return (count, bytes);
    }

    /// <summary>Whether a file of this name, last written at <paramref name="writtenAt"/>, is a left-over.</summary>
    internal static bool IsStale(string name, DateTimeOffset writtenAt, DateTimeOffset now)
    {
        Match owned = Owned.Match(name);
        if (owned.Success)
        {
            if (owned.Groups["host"].Value != HostTag(JournalProcess.Host)
                || !int.TryParse(owned.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture,
                    out int pid)
                || !long.TryParse(owned.Groups["start"].Value, NumberStyles.None, CultureInfo.InvariantCulture,
                    out long start)
                || start > 253402300799) // beyond 9999-12-31: not a start time this module wrote
            {
                return now >= writtenAt + StaleAfter;
            }

            var owner = new JournalOwner(JournalProcess.Host, pid, DateTimeOffset.FromUnixTimeSeconds(start), "");
            return !JournalProcess.IsAlive(owner, writtenAt, StaleAfter, now);
        }

        return Legacy.IsMatch(name) && now >= writtenAt + LegacyStaleAfter;
    }

    // Host names compare case-insensitively, as in journal claims.
    private static string HostTag(string host) => Text.Sha256Hex(host.ToUpperInvariant()).Substring(0, 8);

    /// <summary>
    /// Without overwrite, File.Move refuses an existing destination atomically. With overwrite,
    /// File.Replace swaps it in one step; the Move/Replace fallbacks cover a destination that appears or
    /// vanishes meanwhile.
    /// </summary>
    public static void MoveIntoPlace(string temporary, string destination, bool overwrite)
    {
        if (!overwrite)
        {
            try
            {
                File.Move(temporary, destination);
                return;
            }
            catch (IOException ex) when (File.Exists(destination))
            {
                throw new DestinationExistsException(destination, ex);
            }
        }

        if (File.Exists(destination))
        {
            try
            {
                File.Replace(temporary, destination, null);
                return;
            }
            catch (FileNotFoundException) when (!File.Exists(destination) && File.Exists(temporary))
            {
                // The destination went away meanwhile: a plain move will do.
            }
        }

        try
        {
            File.Move(temporary, destination);
        }
        catch (IOException) when (File.Exists(destination) && File.Exists(temporary))
        {
            File.Replace(temporary, destination, null);
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
