using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Threading;

namespace OneMinBg.Pipeline;

/// <summary>
/// What a batch's progress says (issue 15): how many are done, of how many when the count is known (a running
/// count when input streams in from the pipeline, which is not counted ahead), how many failed, where the items
/// in flight are (with the service, waiting for the key's rate limit, for the batch's first answer, for another
/// run), the rate and the time left measured from the last minute's completions, and the latest file started.
/// The most important comes first: at 80 columns PowerShell 7 shows one line and cuts the rest.
/// Used on the pipeline thread only.
/// </summary>
internal sealed class BatchProgress
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(60);
    private const int MinimumForRate = 3;
    private static int _lastId = (Environment.TickCount & 0xffff) << 8;

    private readonly Queue<TimeSpan> _finishedAt = new Queue<TimeSpan>();
    private readonly string _activity;
    private readonly string? _location;
    private int? _total;
    private int _received;
    private int _started;
    private int _finished;
    private int _failed;
    private int _finishedHere;
    private string? _current;
    private List<Registration>? _batches;
    private readonly Registration _registration;

    /// <param name="enabled">False under $ProgressPreference (or -ProgressAction) SilentlyContinue or Ignore:
    /// nothing is worked out or written.</param>
    /// <param name="location">The current file system folder: files under it are named relative to it.</param>
    public BatchProgress(string activity, bool enabled, string? location)
    {
        _activity = activity;
        Enabled = enabled;
        _location = location;
        // Unique in the process: two batches of one pipeline start within the same millisecond.
        Id = Interlocked.Increment(ref _lastId) & 0x7fffffff;
        _registration = ActiveBatches.Begin(Id, out Registration? parent, out _batches);
        ParentId = parent?.ProgressId ?? -1;
        SourceId = _registration.SourceId;
    }

    /// <summary>This batch as the other commands of its pipeline see it (Export-BgReport reads its failures).</summary>
    public Registration Batch => _registration;

    /// <summary>
    /// The source the host files this batch's records under. The host looks for a record's parent among the records
    /// of the same source only, and each command has its own: so a child writes under its parent's.
    /// </summary>
    public long SourceId { get; }

    /// <summary>The batch ends: a batch begun later is no longer its child.</summary>
    public void End()
    {
        ActiveBatches.End(_batches, Id);
        _batches = null;
    }

    public int Id { get; }

    /// <summary>The progress id of the batch upstream in the same pipeline, or -1.</summary>
    public int ParentId { get; }

    public bool Enabled { get; }

    /// <summary>Whether a record was written (then a Completed one ends it).</summary>
    public bool Shown { get; private set; }

    /// <summary>The input's items, when known before they are worked on (a collection given to a parameter).</summary>
    public void ExpectTotal(int count) => _total = (_total ?? 0) + count;

    public void Received()
    {
        _received++;
        _registration.HasInput = true;
    }

    /// <summary>An item handed to a worker; its file is the one named as current.</summary>
    public void Started(object target)
    {
        _started++;
        _registration.HasInput = true;
        if (Enabled)
        {
            _current = Label(target);
        }
    }

    /// <summary>
    /// An item ended (succeeded, failed, reused or passed over): <paramref name="started"/> when a worker had it,
    /// else on the pipeline thread.
    /// </summary>
    public void Finished(bool failed, bool started, TimeSpan now)
    {
        _finished++;
        if (!started)
        {
            _finishedHere++;
        }
        if (failed)
        {
            _failed++;
        }

        if (Enabled)
        {
            _finishedAt.Enqueue(now);
        }
    }

    /// <summary>The record for now; <paramref name="flow"/> says where the items in flight are.</summary>
    public ProgressRecord Record(TimeSpan now, TimeSpan elapsed, FlowCounts flow)
    {
        Shown = true;
        while (_finishedAt.Count > 0 && _finishedAt.Peek() < now - RateWindow)
        {
            _finishedAt.Dequeue();
        }

        // Over the last minute, or since the start when that was less.
        double window = Math.Min(RateWindow.TotalSeconds, elapsed.TotalSeconds);
        // A rate (and a time left) from a few items at least: the first one alone says little.
        double? perSecond = _finishedAt.Count >= MinimumForRate && window > 0.5 ? _finishedAt.Count / window : null;
        // Received may lag (a command that counts none): what started or ended was received.
        int soFar = Math.Max(_received, _started + _finishedHere);
        var record = new ProgressRecord(Id, _activity, Status(soFar, perSecond, flow)) { ParentActivityId = ParentId };
        if (_total is int total && total > 0)
        {
            record.PercentComplete = Math.Min(100, _finished * 100 / total);
            if (perSecond is double rate && _finished < total)
            {
                record.SecondsRemaining = (int)Math.Ceiling((total - _finished) / rate);
            }
        }

        if (_current != null)
        {
            record.CurrentOperation = _current;
        }

        return record;
    }

    public ProgressRecord Completed() =>
        new ProgressRecord(Id, _activity, "Done") { ParentActivityId = ParentId, RecordType = ProgressRecordType.Completed };

    private string Status(int soFar, double? perSecond, FlowCounts flow)
    {
        var parts = new List<string>(6)
        {
            _total is int total
                ? $"{_finished} of {Math.Max(total, soFar)} done"
                : $"{_finished} done of {soFar} so far",
        };
        if (_failed > 0)
        {
            parts.Add($"{_failed} failed");
        }

        // The waits first: they say why it is slow, and at 80 columns the end of the line is cut.
        if (flow.WaitingForRateLimit > 0)
        {
            parts.Add($"{flow.WaitingForRateLimit} waiting for the rate limit");
        }

        if (flow.WaitingForFirstAnswer > 0)
        {
            parts.Add($"{flow.WaitingForFirstAnswer} waiting for the first answer");
        }

        if (flow.WaitingForOtherRun > 0)
        {
            parts.Add($"{flow.WaitingForOtherRun} waiting for another run");
        }

        if (flow.InFlight > 0)
        {
            parts.Add($"{flow.WithService} with the service");
        }

        if (perSecond is double rate)
        {
            double perMinute = rate * 60;
            parts.Add((perMinute < 10 ? perMinute.ToString("0.#", CultureInfo.CurrentCulture)
                : perMinute.ToString("0", CultureInfo.CurrentCulture)) + "/min");
        }

        return string.Join(", ", parts);
    }

    /// <summary>A file by its path below the current location (else in full); other targets as they print.</summary>
    private string Label(object target)
    {
        string? text = target switch
        {
            string s => s,
            BgResult result => result.SourcePath ?? result.ImageUrl ?? result.Id,
            _ => target.ToString(),
        };
        return string.IsNullOrEmpty(text) ? "" : ShellView.RelativeTo(text!, _location);
    }
}

/// <summary>Where a batch's items in flight are, counted when progress is written.</summary>
internal readonly struct FlowCounts
{
    public FlowCounts(int inFlight, int withService, int waitingForRateLimit, int waitingForFirstAnswer,
        int waitingForOtherRun)
    {
        InFlight = inFlight;
        WithService = withService;
        WaitingForRateLimit = waitingForRateLimit;
        WaitingForFirstAnswer = waitingForFirstAnswer;
        WaitingForOtherRun = waitingForOtherRun;
    }

    public int InFlight { get; }
    public int WithService { get; }
    public int WaitingForRateLimit { get; }
    public int WaitingForFirstAnswer { get; }
    public int WaitingForOtherRun { get; }
}
