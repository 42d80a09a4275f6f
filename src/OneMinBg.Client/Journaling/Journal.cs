using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using OneMinBg.Client.Api;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// The record of every paid request, so that a re-run reuses what already succeeded, overlapping runs
/// never pay twice for one image, and a killed run can be recovered: one append-only JSON-lines file
/// shared by any number of processes. docs/journal-format.md describes the lines, how they fold into a
/// request's state, the lock protocol and torn lines.
/// <para>
/// Decisions (<see cref="TryClaim"/>, and whether a line is needed at all) are made under the file's lock,
/// caught up first with what others appended; lookups take no lock. <see cref="JournalFile"/> keeps the
/// file, <see cref="JournalScan"/> where each request's lines are, and <see cref="JournalIndex"/> folds a
/// request's few lines into its state when it is asked for, so every answer comes from what is on disk.
/// </para>
/// Thread-safe.
/// </summary>
public sealed partial class Journal
{
    /// <summary>
    /// How often an image may be sent without an answer before it is no longer sent automatically: the
    /// first send and one automatic resend (docs/journal-format.md, "Unknown outcomes").
    /// </summary>
    public const int MaxUnansweredSends = 2;

    private static readonly ConcurrentDictionary<string, Lazy<Journal>> Shared =
        new ConcurrentDictionary<string, Lazy<Journal>>(
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
                ? StringComparer.OrdinalIgnoreCase
                : StringComparer.Ordinal);

    private readonly object _gate = new object();
    private readonly string _runId = Guid.NewGuid().ToString("N").Substring(0, 16);
    private readonly JournalFile _file;
    private readonly JournalScan _scan = new JournalScan();
    private readonly JournalLineReader _reader = new JournalLineReader();
    private readonly JournalRescue _rescue;

    /// <summary>An instance of its own, with its own run id: two of them behave like two pipelines.</summary>
    public Journal(string path)
        : this(path, dataFolder: null)
    {
    }

    /// <param name="path">The journal file.</param>
    /// <param name="dataFolder">The user's data folder for rescue files (tests); null: the default journal's.
    /// </param>
    internal Journal(string path, string? dataFolder)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("A journal path is required.", nameof(path));
        }

        Path = System.IO.Path.GetFullPath(path);
        _file = new JournalFile(Path);
        _file.EnsureFolder();
        _rescue = new JournalRescue(Path, dataFolder ?? System.IO.Path.GetDirectoryName(DefaultPath)!, _runId);
    }

    /// <summary>
    /// Windows: %LOCALAPPDATA%\OneMinBg\journal.jsonl. Elsewhere: $XDG_DATA_HOME/OneMinBg/journal.jsonl when
    /// XDG_DATA_HOME is set (to an absolute path), else ~/.local/share/OneMinBg/journal.jsonl.
    /// </summary>
    public static string DefaultPath => JournalRescue.DefaultPath();

    /// <summary>The full path of the journal file.</summary>
    public string Path { get; }

    /// <summary>The sibling file whose exclusive lock serialises appends ("&lt;journal&gt;.lock").</summary>
    internal string LockPath => _file.LockPath;

    /// <summary>How long a write waits for the lock before giving up.</summary>
    internal TimeSpan LockTimeout
    {
        get => _file.LockTimeout;
        set => _file.LockTimeout = value;
    }

    /// <summary>Called (with the attempt number) each time the lock is found held: tests see a writer wait.</summary>
    internal Action<int>? LockContended
    {
        get => _file.LockContended;
        set => _file.LockContended = value;
    }

    /// <summary>
    /// Lines a full read skips as unusable (torn, garbage, another version, missing what they need, too long).
    /// </summary>
    internal int SkippedLines => Read(view => view.FoldAll().Skipped + _file.LongLinesSkipped);

    /// <summary>Where results go that the journal could not record: folders that exist only while they do.
    /// </summary>
    internal IReadOnlyList<string> RescueFolders => _rescue.Folders;

    internal string RunId => _runId;

    /// <summary>The one instance for this file in this process (thread-safe); creates its folder.</summary>
    public static Journal Open(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("A journal path is required.", nameof(path));
        }

        string full = System.IO.Path.GetFullPath(path);
        Journal journal = Shared.GetOrAdd(
            full,
            // PublicationOnly: a folder that could not be made is tried again by the next command, not cached.
            p => new Lazy<Journal>(() => new Journal(p), LazyThreadSafetyMode.PublicationOnly)).Value;
        journal._file.EnsureFolder();
        return journal;
    }

    /// <summary>Fails at once, naming why, when the journal cannot be written (read-only, a folder).</summary>
    /// <exception cref="IOException">It cannot be written; a busy lock is not this.</exception>
    public void CheckWritable()
    {
        lock (_gate)
        {
            _file.CheckWritable();
        }
    }

    /// <summary>
    /// Problems the journal met while reading that the user should hear about (a line too long to read), each
    /// once; taking them empties the list.
    /// </summary>
    public IReadOnlyList<string> TakeWarnings()
    {
        lock (_gate)
        {
            return _file.TakeWarnings();
        }
    }

    /// <summary>
    /// Claims a request for this run, atomically under the lock. A success →
    /// <see cref="ClaimOutcome.AlreadySucceeded"/>; a live claim of another run, or of this process →
    /// <see cref="ClaimOutcome.HeldByOther"/>; sent <see cref="MaxUnansweredSends"/> times without an answer →
    /// <see cref="ClaimOutcome.OutcomeUnknown"/> (nothing written for either). Otherwise (new, failed, released,
    /// or a dead or stale claim) a claim is written → <see cref="ClaimOutcome.Claimed"/> with the state before it.
    /// </summary>
    /// <param name="staleAfter">For a claim from another host: how long after it was made it stops counting.
    /// </param>
    public ClaimResult TryClaim(ImageRequest request, TimeSpan staleAfter)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        return Write(JournalLine.Claim, view =>
        {
            JournalEntry? previous = view.Fold(request.Fingerprint).Find(request.Fingerprint);
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

            // An accepted record is not sent again but waited for: its sends need no decision.
            if (previous != null && previous.AcceptedRecordId == null
                && previous.UnknownOutcomeAttempts.Count >= MaxUnansweredSends)
            {
                return new ClaimResult(ClaimOutcome.OutcomeUnknown, previous);
            }

            JournalLine line = JournalLine.About(JournalLine.Claim, request, now);
            line.SentMark = true;
            line.Host = JournalProcess.Host;
            line.ProcessId = JournalProcess.Id;
            line.ProcessStartedAt = JournalProcess.StartedAt;
            line.RunId = _runId;
            view.Append(line);
            return new ClaimResult(ClaimOutcome.Claimed, previous);
        });
    }

    /// <summary>
    /// Gives this run's claim back (it was cancelled before the charged call was sent). Nothing happens when
    /// the claim is not this run's.
    /// </summary>
    public void Release(ImageRequest request)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        Write(JournalLine.Release, view =>
        {
            JournalEntry? current = view.Fold(request.Fingerprint).Find(request.Fingerprint);
            if (current?.State == JournalState.Claimed && current.Owner?.RunId == _runId)
            {
                JournalLine line = JournalLine.Now(JournalLine.Release);
                line.Fingerprint = request.Fingerprint;
                line.RunId = _runId;
                view.Append(line);
            }

            return true;
        });
    }

    /// <summary>
    /// Records that the paid call is about to be sent: from now until its answer is recorded the image may
    /// have been charged. Written before the call, so a kill after it never goes unnoticed.
    /// </summary>
    public void RecordSent(ImageRequest request)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        Write(JournalLine.Sent, view =>
        {
            JournalLine line = JournalLine.Now(JournalLine.Sent);
            line.Fingerprint = request.Fingerprint;
            line.RunId = _runId;
            view.Append(line);
            return true;
        });
    }

    /// <summary>
    /// The service accepted the paid call and works on it (async): its record's uuid, written before the wait
    /// for its result, so that a run that loses the wait (a stop, a broken connection, the deadline) or a later
    /// one waits for that record instead of paying again.
    /// </summary>
    public void RecordAccepted(ImageRequest request, string recordId, string? assetKey)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        Require(recordId, nameof(recordId));
        Write(JournalLine.Accepted, view =>
        {
            JournalLine line = JournalLine.Now(JournalLine.Accepted);
            line.Fingerprint = request.Fingerprint;
            line.RecordId = recordId;
            line.AssetKey = assetKey;
            line.RunId = _runId;
            view.Append(line);
            return true;
        });
    }

    public void RecordUpload(Uri baseUri, string contentSha256, string assetKey)
    {
        string normalized = NormalizedBase(baseUri);
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
                view.Append(line);
            }

            return true;
        });
    }

    /// <summary>
    /// Records what the feature returned: <see cref="JournalState.Succeeded"/> when the record is SUCCESS, else
    /// <see cref="JournalState.Failed"/> ("FeatureFailed", may have been charged). Returns the entry as recorded;
    /// <see cref="Find"/> keeps showing an earlier success if this one failed.
    /// </summary>
    /// <exception cref="ResultNotRecordedException">The journal could not be written (full disk, lock held,
    /// no access): the result was kept in a rescue file the next write adds to the journal, or in memory for
    /// this instance's next write. The exception carries the entry.</exception>
    /// <param name="credits">What the call cost, when the caller could measure it (the line's "cost").</param>
    public JournalEntry RecordResult(ImageRequest request, AiRecord record, string assetKey, decimal? credits = null)
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
        JournalLine line = JournalLine.About(JournalLine.Result, request);
        line.AssetKey = assetKey;
        SetRecord(line, record.Id, record, previous: null);
        line.Credits = credits;
        try
        {
            return Write(JournalLine.Result, view => view.AppendAndFold(line));
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            string? keptAt;
            lock (_gate)
            {
                keptAt = _rescue.Keep(line);
            }

            var alone = new JournalIndex();
            alone.Apply(line);
            throw new ResultNotRecordedException(alone.LastChanged!, Path, keptAt, ex);
        }
    }

    /// <summary>Records a failure. Returns the entry as recorded; <see cref="Find"/> keeps showing an earlier
    /// success.</summary>
    public JournalEntry RecordFailure(
        ImageRequest request, string failureKind, string message, bool mayHaveBeenCharged)
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
            return view.AppendAndFold(line);
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
            JournalEntry? known = view.FoldRecord(recordId).FindByRecordId(recordId);
            if (known != null)
            {
                JournalLine line = JournalLine.About(JournalLine.Result, known.Request);
                line.AssetKey = known.AssetKey;
                line.Refresh = true;
                SetRecord(line, known.RecordId!, record, known);
                view.Append(line);
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
            if (view.FoldRecord(recordId).FindByRecordId(recordId) != null)
            {
                JournalLine line = JournalLine.Now(JournalLine.Saved);
                line.RecordId = recordId;
                line.SavedPath = path;
                line.SavedLength = length;
                line.SavedSha256 = sha256;
                view.Append(line);
            }

            return true;
        });
    }

    public override string ToString() => Path;

    /// <summary>
    /// The record's fields; for a refresh, what the lookup left out is kept from what was known. Times are
    /// kept in UTC, as the line holds them.
    /// </summary>
    private static void SetRecord(JournalLine line, string recordId, AiRecord record, JournalEntry? previous)
    {
        line.RecordId = recordId;
        line.Status = record.Status;
        line.ResultKeys = record.ResultKeys.Count > 0 || previous == null ? record.ResultKeys : previous.ResultKeys;
        line.TemporaryUrl = record.TemporaryUrl ?? previous?.TemporaryUrl;
        line.CreatedAt = (record.CreatedAt ?? previous?.CreatedAt)?.ToUniversalTime();
        line.UsedCredit = record.UsedCredit ?? previous?.UsedCredit;
        line.CreditLimit = record.CreditLimit ?? previous?.CreditLimit;
    }

    private static string NormalizedBase(Uri baseUri) =>
        ImageRequest.NormalizeBaseUri(baseUri ?? throw new ArgumentNullException(nameof(baseUri)));

    private static void Require(string value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"'{name}' is required.", name);
        }
    }

    private T Read<T>(Func<JournalView, T> lookup)
    {
        lock (_gate)
        {
            using var view = new JournalView(_file, _file.OpenForReading(), _scan, _reader);
            return lookup(view);
        }
    }

    /// <summary>Runs <paramref name="decide"/> under the file lock, caught up first.</summary>
    private T Write<T>(string what, Func<JournalView, T> decide)
    {
        lock (_gate)
        {
            using (_file.Lock(what))
            {
                using var view = new JournalView(_file, _file.OpenForWriting(), _scan, _reader);
                _rescue.FoldInto(view); // results an earlier write could not record come first
                return decide(view);
            }
        }
    }
}
