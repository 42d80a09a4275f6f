using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// The record of every paid request, so that a re-run reuses what already succeeded, overlapping runs
/// never pay twice for one image, and a killed run can be recovered. One append-only JSON-lines file
/// (<see cref="JournalLine"/> describes a line) shared by any number of processes.
/// <para>
/// Writes: every append happens under an exclusive lock on "&lt;journal&gt;.lock" (a FileStream with
/// FileShare.None: on Windows a sharing lock, on Linux and macOS an advisory flock that .NET processes
/// respect), taken with short retries for up to 30 s. Under the lock the instance first catches up with
/// what others appended since its last read, decides, appends one whole line with a single write (after
/// a '\n' if the file ends in a torn line), and flushes it to disk (fsync) before returning.
/// </para>
/// <para>
/// Reads (the Find methods, <see cref="Entries"/>) do not take the lock. They catch up with the complete
/// lines appended since the last read, leaving a half-written last line (another writer may be in the
/// middle of it) for the next read. Decisions (<see cref="TryClaim"/>, and whether a line is needed at
/// all) are always made under the lock.
/// </para>
/// <para>
/// In memory (<see cref="JournalScan"/>) each request, record and upload is held as a key and the
/// offsets of its lines; a lookup reads that request's few lines again (they never change) and folds
/// them into its state (<see cref="JournalIndex"/>). So loading costs little more than reading the file,
/// lookups are O(1), and every answer comes from what is on disk.
/// </para>
/// Thread-safe; the lock file is never deleted.
/// </summary>
public sealed class Journal
{
    private const int ReadChunkBytes = 1 << 20;
    private const int MaxLockRetryDelayMs = 25;

    private static readonly ConcurrentDictionary<string, Lazy<Journal>> Shared = new ConcurrentDictionary<string, Lazy<Journal>>(
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? StringComparer.OrdinalIgnoreCase
            : StringComparer.Ordinal);

    private readonly object _gate = new object();
    private readonly string _runId = Guid.NewGuid().ToString("N").Substring(0, 16);
    private readonly Random _jitter = new Random();
    private JournalScan _scan = new JournalScan();
    private long _offset;
    private byte[] _lineBuffer = new byte[4096];

    /// <summary>An instance of its own, with its own run id: two of them behave like two pipelines.</summary>
    public Journal(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("A journal path is required.", nameof(path));
        }

        Path = System.IO.Path.GetFullPath(path);
        LockPath = Path + ".lock";
        EnsureFolder();
    }

    /// <summary>
    /// Windows: %LOCALAPPDATA%\OneMinBg\journal.jsonl. Elsewhere: $XDG_DATA_HOME/OneMinBg/journal.jsonl when
    /// XDG_DATA_HOME is set (to an absolute path), else ~/.local/share/OneMinBg/journal.jsonl.
    /// </summary>
    public static string DefaultPath
    {
        get
        {
            string root;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            }
            else
            {
                string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
                if (!string.IsNullOrEmpty(xdg) && System.IO.Path.IsPathRooted(xdg))
                {
                    root = xdg!;
                }
                else
                {
                    string? home = Environment.GetEnvironmentVariable("HOME");
                    if (string.IsNullOrEmpty(home))
                    {
                        home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                    }

                    root = System.IO.Path.Combine(home!, ".local", "share");
                }
            }

            return System.IO.Path.Combine(root, "OneMinBg", "journal.jsonl");
        }
    }

    /// <summary>The full path of the journal file.</summary>
    public string Path { get; }

    /// <summary>The sibling file whose exclusive lock serialises appends ("&lt;journal&gt;.lock").</summary>
    internal string LockPath { get; }

    /// <summary>How long a write waits for the lock before giving up.</summary>
    internal TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Called (with the attempt number) each time the lock is found held: lets tests see a writer waiting.</summary>
    internal Action<int>? LockContended { get; set; }

    /// <summary>Lines a full read skips as unusable (torn, garbage, another version, missing what their kind needs).</summary>
    internal int SkippedLines => Read(view => view.FoldAll().Skipped);

    internal string RunId => _runId;

    /// <summary>The one instance for this file in this process (thread-safe); creates its folder.</summary>
    public static Journal Open(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("A journal path is required.", nameof(path));
        }

        string full = System.IO.Path.GetFullPath(path);
        Journal journal = Shared.GetOrAdd(full, p => new Lazy<Journal>(() => new Journal(p), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        journal.EnsureFolder();
        return journal;
    }

    public JournalEntry? Find(string fingerprint)
    {
        Require(fingerprint, nameof(fingerprint));
        return Read(view => view.Find(fingerprint));
    }

    /// <summary>The request a record belongs to, as of that record's latest line.</summary>
    public JournalEntry? FindByRecordId(string recordId)
    {
        Require(recordId, nameof(recordId));
        return Read(view => view.FindByRecordId(recordId));
    }

    /// <summary>The asset key this content was uploaded as at this service, if it was.</summary>
    public string? FindUpload(Uri baseUri, string contentSha256)
    {
        string normalized = JournalRequest.NormalizeBaseUri(baseUri ?? throw new ArgumentNullException(nameof(baseUri)));
        Require(contentSha256, nameof(contentSha256));
        return Read(view => view.FindUpload(normalized, contentSha256));
    }

    /// <summary>The latest state of every request, oldest <see cref="JournalEntry.RequestedAt"/> first.</summary>
    public IReadOnlyList<JournalEntry> Entries() => Read(view => view.FoldAll().Entries());

    /// <summary>
    /// Claims a request for this run, atomically under the lock. A success → <see cref="ClaimOutcome.AlreadySucceeded"/>;
    /// a live claim of another run, or of this process → <see cref="ClaimOutcome.HeldByOther"/> (nothing written).
    /// Otherwise (new, failed, released, or a dead or stale claim) a claim is written → <see cref="ClaimOutcome.Claimed"/>
    /// with the state before it.
    /// </summary>
    /// <param name="staleAfter">For a claim from another host: how long after it was made it stops counting.</param>
    public ClaimResult TryClaim(JournalRequest request, TimeSpan staleAfter)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        return Write(JournalLine.Claim, view =>
        {
            JournalEntry? previous = view.Find(request.Fingerprint);
            if (previous?.State == JournalState.Succeeded)
            {
                return new ClaimResult(ClaimOutcome.AlreadySucceeded, previous);
            }

            DateTimeOffset now = DateTimeOffset.UtcNow;
            if (previous?.State == JournalState.Claimed && previous.Owner != null
                && JournalProcess.IsAlive(previous.Owner, previous.RequestedAt, staleAfter, now))
            {
                return new ClaimResult(ClaimOutcome.HeldByOther, previous);
            }

            JournalLine line = JournalLine.About(JournalLine.Claim, request, now);
            line.Host = JournalProcess.Host;
            line.ProcessId = JournalProcess.Id;
            line.ProcessStartedAt = JournalProcess.StartedAt;
            line.RunId = _runId;
            Append(line);
            return new ClaimResult(ClaimOutcome.Claimed, previous);
        });
    }

    /// <summary>Gives this run's claim back (it was cancelled before the charged call was sent). Nothing happens when the claim is not this run's.</summary>
    public void Release(JournalRequest request)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        Write(JournalLine.Release, view =>
        {
            JournalEntry? current = view.Find(request.Fingerprint);
            if (current?.State == JournalState.Claimed && current.Owner?.RunId == _runId)
            {
                JournalLine line = JournalLine.Now(JournalLine.Release);
                line.Fingerprint = request.Fingerprint;
                line.RunId = _runId;
                Append(line);
            }

            return true;
        });
    }

    public void RecordUpload(Uri baseUri, string contentSha256, string assetKey)
    {
        string normalized = JournalRequest.NormalizeBaseUri(baseUri ?? throw new ArgumentNullException(nameof(baseUri)));
        Require(contentSha256, nameof(contentSha256));
        Require(assetKey, nameof(assetKey));
        Write(JournalLine.Upload, view =>
        {
            if (view.FindUpload(normalized, contentSha256) != assetKey)
            {
                JournalLine line = JournalLine.Now(JournalLine.Upload);
                line.Base = normalized;
                line.Content = contentSha256;
                line.AssetKey = assetKey;
                Append(line);
            }

            return true;
        });
    }

    /// <summary>
    /// Records what the feature returned: <see cref="JournalState.Succeeded"/> when the record is SUCCESS, else
    /// <see cref="JournalState.Failed"/> ("FeatureFailed", may have been charged). Returns the entry as recorded;
    /// <see cref="Find"/> keeps showing an earlier success if this one failed.
    /// </summary>
    public JournalEntry RecordResult(JournalRequest request, AiRecord record, string assetKey)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        if (record == null)
        {
            throw new ArgumentNullException(nameof(record));
        }

        Require(record.Id, "record.Id");
        return Write(JournalLine.Result, view =>
        {
            JournalLine line = JournalLine.About(JournalLine.Result, request);
            line.AssetKey = assetKey;
            SetRecord(line, record.Id, record, previous: null);
            return AppendAndGet(line);
        });
    }

    /// <summary>Records a failure. Returns the entry as recorded; <see cref="Find"/> keeps showing an earlier success.</summary>
    public JournalEntry RecordFailure(JournalRequest request, string failureKind, string message, bool mayHaveBeenCharged)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        Require(failureKind, nameof(failureKind));
        return Write(JournalLine.Failure, view =>
        {
            JournalLine line = JournalLine.About(JournalLine.Failure, request);
            line.FailureKind = failureKind;
            line.Message = message;
            line.Charged = mayHaveBeenCharged;
            return AppendAndGet(line);
        });
    }

    /// <summary>
    /// Records a lookup of a recorded result: its fresh link, and its status (a PROCESSING record that has
    /// since succeeded becomes a success). Nothing is written for a record this journal does not know.
    /// </summary>
    public void RecordRefresh(string recordId, AiRecord record)
    {
        Require(recordId, nameof(recordId));
        if (record == null)
        {
            throw new ArgumentNullException(nameof(record));
        }

        Write(JournalLine.Result, view =>
        {
            JournalEntry? known = view.FindByRecordId(recordId);
            if (known != null)
            {
                JournalLine line = JournalLine.About(JournalLine.Result, known.Request);
                line.AssetKey = known.AssetKey;
                line.Refresh = true;
                SetRecord(line, known.RecordId!, record, known);
                Append(line);
            }

            return true;
        });
    }

    /// <summary>Records where a result was saved. Nothing is written for a record this journal does not know.</summary>
    public void RecordSaved(string recordId, string path, long length, string sha256)
    {
        Require(recordId, nameof(recordId));
        Require(path, nameof(path));
        Write(JournalLine.Saved, view =>
        {
            if (view.FindByRecordId(recordId) != null)
            {
                JournalLine line = JournalLine.Now(JournalLine.Saved);
                line.RecordId = recordId;
                line.SavedPath = path;
                line.SavedLength = length;
                line.SavedSha256 = sha256;
                Append(line);
            }

            return true;
        });
    }

    public override string ToString() => Path;

    /// <summary>The record's fields; for a refresh, what the lookup left out is kept from what was known.</summary>
    private static void SetRecord(JournalLine line, string recordId, AiRecord record, JournalEntry? previous)
    {
        line.RecordId = recordId;
        line.Status = record.Status;
        line.ResultKeys = record.ResultKeys.Count > 0 || previous == null ? record.ResultKeys : previous.ResultKeys;
        line.TemporaryUrl = record.TemporaryUrl ?? previous?.TemporaryUrl;
        line.CreatedAt = record.CreatedAt ?? previous?.CreatedAt;
        line.UsedCredit = record.UsedCredit ?? previous?.UsedCredit;
        line.CreditLimit = record.CreditLimit ?? previous?.CreditLimit;
    }

    private static void Require(string value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"'{name}' is required.", name);
        }
    }

    private T Read<T>(Func<View, T> lookup)
    {
        lock (_gate)
        {
            using FileStream? stream = OpenForReading();
            CatchUp(stream);
            return lookup(new View(this, stream));
        }
    }

    /// <summary>Runs <paramref name="decide"/> under the file lock, caught up first.</summary>
    private T Write<T>(string what, Func<View, T> decide)
    {
        lock (_gate)
        {
            using (AcquireLock(what))
            {
                using FileStream? stream = OpenForReading();
                CatchUp(stream);
                return decide(new View(this, stream));
            }
        }
    }

    /// <summary>Appends <paramref name="line"/> and returns the entry as that line recorded it.</summary>
    private JournalEntry AppendAndGet(JournalLine line)
    {
        Append(line);
        using FileStream? stream = OpenForReading();
        return Fold(stream, _scan.LinesOf(line.Fingerprint!)).LastChanged
            ?? throw new IOException($"The journal '{Path}' did not read back the {line.Kind} line just written to it. Check that nothing else rewrites or truncates this file.");
    }

    /// <summary>Appends one line (under the lock): a '\n' first if the file ends in a torn line, one write, fsync; then catches up past it.</summary>
    private void Append(JournalLine line)
    {
        byte[] bytes = line.ToBytes();
        try
        {
            using var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.None);
            long length = stream.Length;
            if (length > 0)
            {
                stream.Position = length - 1;
                if (stream.ReadByte() != '\n')
                {
                    byte[] glued = new byte[bytes.Length + 1];
                    glued[0] = (byte)'\n';
                    Buffer.BlockCopy(bytes, 0, glued, 1, bytes.Length);
                    bytes = glued;
                }
            }

            stream.Position = length;
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException ex)
        {
            throw new IOException($"Could not write a {line.Kind} line to the journal '{Path}': {ex.Message} Free disk space or fix the file's permissions; a line cut short is skipped the next time.", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UnauthorizedAccessException($"Could not write to the journal '{Path}': {ex.Message} Give this account write access to it, or choose another journal path.", ex);
        }

        using FileStream? reading = OpenForReading();
        CatchUp(reading);
    }

    /// <summary>The journal file opened for reading (shared with writers), or null when it does not exist yet.</summary>
    private FileStream? OpenForReading()
    {
        try
        {
            return new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.None);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            throw ReadFailed(ex);
        }
    }

    /// <summary>
    /// Notes the complete lines appended since the last read. A last line without '\n' is left for later:
    /// another writer may be in the middle of it, or it is torn (the next append ends it, and it is skipped).
    /// A file shorter than what was read (replaced or truncated) is read again from the start.
    /// </summary>
    private void CatchUp(FileStream? stream)
    {
        if (stream == null)
        {
            Reset();
            return;
        }

        try
        {
            long length = stream.Length;
            if (length < _offset || (length > _offset && !EndsLineAt(stream, _offset)))
            {
                Reset(); // truncated or replaced: what was read no longer describes the file
            }

            if (length != _offset)
            {
                _offset = ReadLines(stream, _offset, long.MaxValue, _scan.Add);
            }
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            throw ReadFailed(ex);
        }
    }

    /// <summary>Whether the byte before <paramref name="offset"/> is still the '\n' that ended the last line read.</summary>
    private static bool EndsLineAt(FileStream stream, long offset)
    {
        if (offset == 0)
        {
            return true;
        }

        stream.Position = offset - 1;
        return stream.ReadByte() == '\n';
    }

    /// <summary>The state of one request, folded from its lines (read again from the file: they never change).</summary>
    private JournalIndex Fold(FileStream? stream, List<JournalLineSpan> lines)
    {
        var index = new JournalIndex();
        foreach (JournalLineSpan line in lines)
        {
            index.Apply(ReadLine(stream, line));
        }

        return index;
    }

    /// <summary>One line, from the reusable buffer: valid until the next read.</summary>
    private ReadOnlySpan<byte> ReadLine(FileStream? stream, JournalLineSpan line)
    {
        if (stream == null)
        {
            return default;
        }

        if (_lineBuffer.Length < line.Length)
        {
            _lineBuffer = new byte[Math.Max(line.Length, _lineBuffer.Length * 2)];
        }

        try
        {
            stream.Position = line.Offset;
            int filled = 0;
            int read;
            while (filled < line.Length && (read = stream.Read(_lineBuffer, filled, line.Length - filled)) > 0)
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

    /// <summary>Every request's state, folded from the whole file as far as it has been caught up.</summary>
    private JournalIndex FoldAll(FileStream? stream)
    {
        var index = new JournalIndex();
        if (stream != null)
        {
            try
            {
                ReadLines(stream, 0, _offset, (line, _) => index.Apply(line));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw ReadFailed(ex);
            }
        }

        return index;
    }

    /// <summary>
    /// Hands each complete line (without its '\n') between <paramref name="from"/> and <paramref name="limit"/>
    /// to <paramref name="handler"/>; returns the offset after the last complete line.
    /// </summary>
    private static long ReadLines(FileStream stream, long from, long limit, LineHandler handler)
    {
        stream.Position = from;
        long offset = from;
        byte[] buffer = new byte[(int)Math.Min(Math.Max(stream.Length - from, 256), ReadChunkBytes)];
        int filled = 0;
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

                handler(new ReadOnlySpan<byte>(buffer, start, newline), offset + start);
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
                Array.Resize(ref buffer, buffer.Length * 2); // a line longer than the buffer
            }
        }

        return offset;
    }

    private Exception ReadFailed(Exception ex) => ex is UnauthorizedAccessException
        ? new UnauthorizedAccessException($"Could not read the journal '{Path}': {ex.Message} Give this account read access to it, or choose another journal path.", ex)
        : new IOException($"Could not read the journal '{Path}': {ex.Message} Check that the file is readable; moving it away starts a new journal, but then results recorded in it are no longer reused.", ex);

    private void Reset()
    {
        if (_offset != 0 || !_scan.IsEmpty)
        {
            _scan = new JournalScan();
            _offset = 0;
        }
    }

    /// <summary>Opens the lock file exclusively, retrying with short waits until <see cref="LockTimeout"/>.</summary>
    private FileStream AcquireLock(string what)
    {
        var waited = Stopwatch.StartNew();
        int attempt = 0;
        while (true)
        {
            try
            {
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
            }
            catch (IOException ex) when (!(ex is PathTooLongException))
            {
                if (ex is DirectoryNotFoundException)
                {
                    EnsureFolder(); // deleted under us: make it again
                }

                attempt++;
                LockContended?.Invoke(attempt);
                if (waited.Elapsed >= LockTimeout)
                {
                    throw new IOException(
                        $"Gave up after {Text.FormatSeconds(waited.Elapsed)} waiting for the lock '{LockPath}' to write a {what} line to the journal '{Path}': {ex.Message} "
                        + "Another OneMinBg run is most likely writing to the journal. Let it finish and run this again, or use another journal path.",
                        ex);
                }

                Thread.Sleep(Math.Min(attempt, MaxLockRetryDelayMs) + _jitter.Next(0, 3));
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new UnauthorizedAccessException($"Could not open the lock file '{LockPath}' of the journal '{Path}': {ex.Message} Give this account write access to the folder, or choose another journal path.", ex);
            }
        }
    }

    private void EnsureFolder()
    {
        string? folder = System.IO.Path.GetDirectoryName(Path);
        if (string.IsNullOrEmpty(folder) || Directory.Exists(folder))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(folder!);
        }
        catch (IOException ex)
        {
            throw new IOException($"Could not create the folder '{folder}' for the journal '{Path}': {ex.Message} Create it yourself or choose another journal path.", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UnauthorizedAccessException($"Could not create the folder '{folder}' for the journal '{Path}': {ex.Message} Create it yourself or choose another journal path.", ex);
        }
    }

    private delegate void LineHandler(ReadOnlySpan<byte> line, long offset);

    /// <summary>The journal as caught up, for one lookup or one decision under the lock.</summary>
    private sealed class View
    {
        private readonly Journal _journal;
        private readonly FileStream? _stream;

        public View(Journal journal, FileStream? stream)
        {
            _journal = journal;
            _stream = stream;
        }

        public JournalEntry? Find(string fingerprint) =>
            _journal.Fold(_stream, _journal._scan.LinesOf(fingerprint)).Find(fingerprint);

        public JournalEntry? FindByRecordId(string recordId) =>
            _journal.Fold(_stream, _journal._scan.LinesOfRecord(recordId)).FindByRecordId(recordId);

        /// <summary>The asset key of the upload line the scan points to, when that line says so.</summary>
        public string? FindUpload(string normalizedBase, string contentSha256)
        {
            if (!(_journal._scan.UploadLine(normalizedBase, contentSha256) is JournalLineSpan span))
            {
                return null;
            }

            JournalLine? line = JournalLine.Parse(_journal.ReadLine(_stream, span));
            return line != null && line.Kind == JournalLine.Upload && line.Base == normalizedBase && line.Content == contentSha256
                && !string.IsNullOrEmpty(line.AssetKey)
                ? line.AssetKey
                : null;
        }

        public JournalIndex FoldAll() => _journal.FoldAll(_stream);
    }
}
