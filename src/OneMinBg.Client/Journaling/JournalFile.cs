using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// The storage half of the journal: the file, its lock, the append and the catch-up reading. It knows
/// lines only as bytes ended by '\n'; what they say is <see cref="JournalLineReader"/>'s business.
/// Appends happen under an exclusive lock on "&lt;journal&gt;.lock"; a torn last line is ended before the
/// next line, and every line is on disk (fsync) before the append returns. Reads take no lock and hand
/// on only complete lines. docs/journal-format.md ("Lock protocol", "Torn lines") says why.
/// Not thread-safe: <see cref="Journal"/> serialises access.
/// </summary>
internal sealed class JournalFile
{
    private const int ReadChunkBytes = 1 << 20;
    private const int MaxLockRetryDelayMs = 25;

    /// <summary>
    /// A line this long cannot be one of ours (a line of the longest prompt and path is some 40 KB): it is
    /// skipped, not read into memory whole, and reported once.
    /// </summary>
    internal const int MaxLineBytes = 4 << 20;

    private readonly Random _jitter = new Random();
    private readonly HashSet<long> _longLines = new HashSet<long>();
    private readonly List<string> _warnings = new List<string>();
    private byte[] _lineBuffer = new byte[4096];

    public JournalFile(string path)
    {
        Path = path;
        LockPath = path + ".lock";
    }

    public delegate void LineHandler(ReadOnlySpan<byte> line, long offset);

    public string Path { get; }

    /// <summary>The sibling file whose exclusive lock serialises appends; it is never deleted.</summary>
    public string LockPath { get; }

    /// <summary>How long a write waits for the lock before giving up.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Called (with the attempt number) each time the lock is found held.</summary>
    public Action<int>? LockContended { get; set; }

    /// <summary>Lines skipped because they are <see cref="MaxLineBytes"/> long or longer.</summary>
    public int LongLinesSkipped => _longLines.Count;

    /// <summary>Where the last complete line read or written ends: the next catch-up starts here.</summary>
    public long Offset { get; private set; }

    /// <summary>The journal opened for reading (shared with writers), or null when it does not exist yet.</summary>
    public FileStream? OpenForReading() => Open(FileAccess.Read);

    /// <summary>
    /// Under the lock: the journal opened for reading and appending, so a decision and its line need one
    /// open; read-only when this account may only read it (an append then fails as before).
    /// </summary>
    public FileStream? OpenForWriting()
    {
        try
        {
            return Open(FileAccess.ReadWrite);
        }
        catch (UnauthorizedAccessException)
        {
            return OpenForReading();
        }
    }

    /// <summary>
    /// Hands on the complete lines appended since the last catch-up. A last line without '\n' is left for
    /// later: another writer may be in the middle of it, or it is torn (the next append ends it). When the
    /// file no longer continues what was read (gone, truncated or replaced), <paramref name="restart"/> is
    /// called and the file is read again from the start.
    /// </summary>
    public void CatchUp(FileStream? stream, Action restart, LineHandler handler) =>
        CatchUp(stream, restart, handler, long.MaxValue);

    /// <summary>
    /// Under the lock, caught up on <paramref name="stream"/>: appends <paramref name="line"/> (ended by
    /// '\n') in one write after a '\n' when the file ends in a torn line, and flushes it to disk. The new
    /// line goes to <paramref name="handler"/> from memory, after the torn line it ended, if any.
    /// </summary>
    public void Append(ref FileStream? stream, byte[] line, string kind, Action restart, LineHandler handler)
    {
        long start;
        try
        {
            if (stream == null || !stream.CanWrite)
            {
                stream?.Dispose();
                stream = null;
                stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite,
                    FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.None);
            }

            long length = stream.Length;
            byte[] bytes = line;
            if (length > 0 && !EndsLineAt(stream, length))
            {
                bytes = new byte[line.Length + 1];
                bytes[0] = (byte)'\n';
                Buffer.BlockCopy(line, 0, bytes, 1, line.Length);
            }

            stream.Position = length;
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(flushToDisk: true);
            start = length + bytes.Length - line.Length;
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            // A line cut short by this is skipped the next time it is read.
            throw JournalAccess.Unwritable(ex, Path, Path);
        }

        if (start != Offset)
        {
            CatchUp(stream, restart, handler, start); // the torn line just ended, or a file changed under the lock
        }

        handler(new ReadOnlySpan<byte>(line, 0, line.Length - 1), start);
        Offset = start + line.Length;
    }

    /// <summary>One line read again at <paramref name="offset"/>, into a reused buffer: valid until the next read.
    /// </summary>
    public ReadOnlySpan<byte> ReadLine(FileStream? stream, long offset, int length)
    {
        if (stream == null)
        {
            return default;
        }

        if (_lineBuffer.Length < length)
        {
            _lineBuffer = new byte[Math.Max(length, _lineBuffer.Length * 2)];
        }

        try
        {
            stream.Position = offset;
            int filled = 0;
            int read;
            while (filled < length && (read = stream.Read(_lineBuffer, filled, length - filled)) > 0)
            {
                filled += read;
            }

            return new ReadOnlySpan<byte>(_lineBuffer, 0, filled);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            throw ReadFailed(ex);
        }
    }

    /// <summary>Every complete line up to where the last catch-up got, from the start.</summary>
    public void ReadAll(FileStream? stream, LineHandler handler)
    {
        if (stream == null)
        {
            return;
        }

        try
        {
            ReadLines(stream, 0, Offset, handler);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            throw ReadFailed(ex);
        }
    }

    /// <summary>Opens the lock file exclusively, retrying with short waits until <see cref="LockTimeout"/>.</summary>
    /// <remarks>
    /// FileShare.None: a sharing lock on Windows, an advisory flock on Linux and macOS that .NET processes respect.
    /// </remarks>
    public FileStream Lock(string what)
    {
        var waited = Stopwatch.StartNew();
        int attempt = 0;
        while (true)
        {
            try
            {
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None,
                    bufferSize: 1, FileOptions.None);
            }
            catch (IOException ex) when (!(ex is PathTooLongException))
            {
                if (ex is DirectoryNotFoundException)
                {
                    EnsureFolder(); // deleted under us: make it again
                }
                else if (!JournalAccess.IsLockHeld(ex))
                {
                    // Read-only, a folder in the way, a full disk: waiting cures none of them.
                    throw JournalAccess.Unwritable(ex, LockPath, Path);
                }

                attempt++;
                LockContended?.Invoke(attempt);
                if (waited.Elapsed >= LockTimeout)
                {
                    throw new IOException(
                        $"Gave up after {Text.FormatSeconds(waited.Elapsed)} waiting for the lock '{LockPath}' "
                        + $"to write a {what} line to the journal '{Path}': {ex.Message} "
                        + "Another OneMinBg run is most likely writing to the journal. "
                        + "Let it finish and run this again, or use another journal path.",
                        ex);
                }

                Thread.Sleep(Math.Min(attempt, MaxLockRetryDelayMs) + _jitter.Next(0, 3));
            }
            catch (UnauthorizedAccessException ex)
            {
                throw JournalAccess.Unwritable(ex, LockPath, Path);
            }
        }
    }

    /// <summary>What reading met that the user should hear about, since the last call.</summary>
    public IReadOnlyList<string> TakeWarnings()
    {
        string[] warnings = _warnings.ToArray();
        _warnings.Clear();
        return warnings;
    }

    /// <summary>Makes the journal's folder when it is missing; says why when it cannot.</summary>
    public void EnsureFolder() => JournalAccess.EnsureFolder(Path);

    /// <summary>Fails at once, naming the cause, when the journal cannot be written at all.</summary>
    public void CheckWritable() => JournalAccess.CheckWritable(Path, LockPath);

    private FileStream? Open(FileAccess access)
    {
        try
        {
            return new FileStream(Path, FileMode.Open, access, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 1, FileOptions.None);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException ex)
        {
            throw ReadFailed(ex);
        }
        catch (UnauthorizedAccessException ex) when (access == FileAccess.Read)
        {
            throw ReadFailed(ex);
        }
    }

    private void CatchUp(FileStream? stream, Action restart, LineHandler handler, long limit)
    {
        if (stream == null)
        {
            Restart(restart);
            return;
        }

        try
        {
            long length = stream.Length;
            if (length < Offset || (length > Offset && !EndsLineAt(stream, Offset)))
            {
                Restart(restart); // truncated or replaced: what was read no longer describes the file
            }

            if (length != Offset && limit > Offset)
            {
                Offset = ReadLines(stream, Offset, limit, handler);
            }
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            throw ReadFailed(ex);
        }
    }

    private void Restart(Action restart)
    {
        Offset = 0;
        restart();
    }

    /// <summary>Whether the byte before <paramref name="offset"/> is a '\n' (or the offset is the start).</summary>
    private static bool EndsLineAt(FileStream stream, long offset)
    {
        if (offset == 0)
        {
            return true;
        }

        stream.Position = offset - 1;
        return stream.ReadByte() == '\n';
    }

    /// <summary>
    /// Hands each complete line (without its '\n') between <paramref name="from"/> and <paramref name="limit"/>
    /// to <paramref name="handler"/>; returns the offset after the last complete line. A line of
    /// <see cref="MaxLineBytes"/> or more is skipped as it is read, so memory stays bounded.
    /// </summary>
    private long ReadLines(FileStream stream, long from, long limit, LineHandler handler)
    {
        stream.Position = from;
        long offset = from;
        byte[] buffer = new byte[(int)Math.Min(Math.Max(stream.Length - from, 256), ReadChunkBytes)];
        int filled = 0;
        long? skipping = null; // where the long line being skipped starts
        while (offset + filled < limit)
        {
            int read = stream.Read(buffer, filled, (int)Math.Min(buffer.Length - filled, limit - offset - filled));
            if (read == 0)
            {
                break;
            }

            filled += read;
            int start = 0;
            while (true)
            {
                int newline = new ReadOnlySpan<byte>(buffer, start, filled - start).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    break;
                }

                if (skipping is long longLine)
                {
                    SkippedLongLine(longLine, offset + start + newline - longLine);
                    skipping = null;
                }
                else
                {
                    handler(new ReadOnlySpan<byte>(buffer, start, newline), offset + start);
                }

                start += newline + 1;
            }

            offset += start;
            filled -= start;
            if (filled > 0 && start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, filled);
            }

            if (filled == buffer.Length)
            {
                if (skipping != null || buffer.Length >= MaxLineBytes)
                {
                    skipping ??= offset; // too long to be ours: drop what was read of it, look for its end
                    offset += filled;
                    filled = 0;
                }
                else
                {
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxLineBytes)); // a long line
                }
            }
        }

        return skipping ?? offset; // a long last line without its '\n' is looked at again next time
    }

    private void SkippedLongLine(long offset, long length)
    {
        if (_longLines.Add(offset))
        {
            _warnings.Add($"The journal '{Path}' has a line of {Text.FormatBytes(length)} at byte {offset}; "
                + "no line of this module is that long, so it is skipped. Results recorded in other lines are "
                + "read as usual.");
        }
    }

    private Exception ReadFailed(Exception ex) => Directory.Exists(Path)
        ? new IOException($"Could not read the journal '{Path}': it is a folder, not a file. Choose a file path "
            + "for the journal.", ex)
        : ex is UnauthorizedAccessException
        ? new UnauthorizedAccessException($"Could not read the journal '{Path}': {ex.Message} "
            + "Give this account read access to it, or choose another journal path.", ex)
        : new IOException($"Could not read the journal '{Path}': {ex.Message} Check that the file is readable; "
            + "moving it away starts a new journal, but then results recorded in it are no longer reused.", ex);
}
