using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Http;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

/// <summary>
/// Runs a cmdlet's items concurrently, at most <see cref="ConcurrencyLimit.Limit"/> at once, while everything
/// PowerShell sees (output, errors, verbose, progress) is written on the pipeline thread: workers
/// post to a mailbox that the pipeline thread drains while it waits for a free slot or for the end.
/// Work starts as input arrives and results are written as they complete, so memory stays bounded.
/// <para>
/// Each item's calls report to it (<see cref="IFlowObserver"/>, set at the start of its task): how long it was
/// with the service and how many requests it sent size the limit; whether it waits for the rate limit shows in
/// the progress. An item waiting for the rate limit counts against the limit (it holds a slot) but not as with
/// the service.
/// </para>
/// <para>
/// A stop (Ctrl+C, PowerShell.Stop(), Select-Object -First, a terminating error) starts nothing more and
/// ends free work; it does not wait for charged calls already with the service: their items end at once and
/// the calls finish in the background (<see cref="ChargedCalls"/>), writing their results to the journal.
/// A warning says how many there are (<see cref="LeftWithService"/>).
/// </para>
/// </summary>
internal sealed partial class BatchRunner : IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    // Concurrency changes are said at most this often (a slow start changes it on every answer).
    private static readonly TimeSpan NoteInterval = TimeSpan.FromSeconds(5);

    private readonly PSCmdlet _cmdlet;
    private readonly ConcurrencyLimit _limit;
    private readonly BatchProgress _progress;
    private readonly int _requestsPerMinute;
    private readonly BlockingCollection<Action> _mailbox = new BlockingCollection<Action>();
    private readonly CancellationToken _stopToken;
    // Cancelled by any stop: free work ends, charged calls already sent go on without the command.
    private readonly CancellationTokenSource _stop;
    // Cancelled by a stop and by a fatal error: free work (uploads, lookups, downloads) stops at once.
    private readonly CancellationTokenSource _batch;
    private readonly Dictionary<WorkItem, Task> _running = new Dictionary<WorkItem, Task>();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly FailurePolicy _failures = new FailurePolicy();
    private TimeSpan _lastProgress = TimeSpan.Zero;
    private TimeSpan? _lastNote;
    private int _notedLimit;
    private ConcurrencyChange? _pendingNote;
    private int? _shrankBy;
    private int? _lowest;
    private bool _shrank;
    private ErrorRecord? _fatal;
    private bool _completed;

    /// <param name="requestsPerMinute">The key's rate as the client paces it, for messages.</param>
    public BatchRunner(PSCmdlet cmdlet, ConcurrencyLimit limit, BatchProgress progress, int requestsPerMinute,
        CancellationToken stopToken)
    {
        _cmdlet = cmdlet;
        _limit = limit;
        _progress = progress;
        _requestsPerMinute = requestsPerMinute;
        _notedLimit = limit.Limit;
        _stopToken = stopToken;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
        _batch = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
    }

    /// <summary>Items done; an item stopped before it finished is neither succeeded nor failed.</summary>
    public int Succeeded { get; private set; }
    public int Failed { get; private set; }
    public int InFlight => _running.Count;

    /// <summary>Items started; those stopped before they finished are Started - Succeeded - Failed.</summary>
    public int Started { get; private set; }

    /// <summary>Whether the command was stopped before every started item finished.</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// Images whose charged call was with the service when the command was stopped: not abandoned, their
    /// results are written to the journal in the background (so they are neither succeeded nor failed here).
    /// </summary>
    public int LeftWithService { get; private set; }

    /// <summary>The batch's progress: the command tells it what it knows (a total, items done on its thread).</summary>
    public BatchProgress Progress => _progress;

    /// <summary>Since the batch began, on the clock its progress is measured by.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Starts one item, first waiting (and writing what others posted) until a slot is free.</summary>
    public void Start(object target, Func<WorkItem, Task> work)
    {
        if (Started == 0)
        {
            _cmdlet.WriteVerbose(_limit.IsFixed
                ? $"At most {_limit.Ceiling} at once (-ThrottleLimit, fixed)."
                : $"Starting with {_limit.Limit} at once, then as many as the service and the rate limit take, at "
                    + $"most {_limit.Ceiling} (-ThrottleLimit; setting it fixes the number).");
        }

        try
        {
            Drain();
            // Also downstream in a pipeline, whose items come while the batch upstream runs, and which never
            // waits for a slot when they come slower than they finish.
            ReportProgress();
            while (_running.Count >= _limit.Limit || (_fatal != null && _running.Count > 0))
            {
                RunNext();
            }
        }
        catch (PipelineStoppedException)
        {
            Stop();
            throw;
        }
        ThrowIfFatal();

        var item = new WorkItem(this, target);
        Started++;
        _progress.Started(target);
        _running.Add(item, Task.Run(() => RunItem(item, target, work)));
    }

    /// <summary>Waits for every started item, writing what they post; then throws a pending fatal error.</summary>
    public void Complete()
    {
        try
        {
            while (_running.Count > 0)
            {
                RunNext();
            }
            Drain();
        }
        catch (PipelineStoppedException)
        {
            Stop();
            throw;
        }
        _completed = true;
        WritePendingNote(now: true);
        CompleteProgress();
        ThrowIfFatal();
    }

    /// <summary>Ends the progress bar, also when the command ends by an error or a stop.</summary>
    private void CompleteProgress()
    {
        if (!_progress.Shown)
        {
            return;
        }

        try
        {
            WriteProgress(_progress.Completed());
        }
        catch (Exception ex) when (ex is PipelineStoppedException || ex is InvalidOperationException)
        {
            // Stopping or ended: the host takes the bar down with the pipeline.
        }
        finally
        {
            _progress.End(); // once
        }
    }

    public void Dispose()
    {
        if (!_completed)
        {
            Stop(); // ended by an error or a stop that did not pass through the runner
            CompleteProgress();
        }
        _progress.End();
        // Stopped workers delete their partial files on the way out (charged calls do not hold them up);
        // wait so nothing is left behind.
        Task[] pending = new Task[_running.Count];
        _running.Values.CopyTo(pending, 0);
        try
        {
            Task.WaitAll(pending, TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Their failures were reported or do not matter once the command is ending.
        }
        _batch.Dispose();
        _stop.Dispose();
        _mailbox.Dispose();
    }

    /// <summary>
    /// Stops the batch once, on the pipeline thread: nothing more starts, free work ends, charged calls with
    /// the service are left to finish and journal themselves; a warning says how many.
    /// </summary>
    private void Stop()
    {
        if (Stopped || _running.Count == 0)
        {
            return;
        }

        Stopped = true;
        LeftWithService = _running.Keys.Count(item => item.IsWithService);
        _stop.Cancel();
        if (LeftWithService > 0)
        {
            bool one = LeftWithService == 1;
            WarnAtStop($"Stopped. {LeftWithService} image{(one ? "" : "s")} already with the service "
                + $"{(one ? "was" : "were")} not abandoned (the service charges for "
                + "them either way): their results are written to the journal as they come back, and the next run "
                + "reuses them instead of paying again (a run started before they are back waits for them). If "
                + "this PowerShell process ends first, it waits for them, at most the call timeout.");
        }
    }

    /// <summary>A warning while the pipeline may be stopping, when the command runtime no longer writes.</summary>
    private void WarnAtStop(string message)
    {
        try
        {
            _cmdlet.WriteWarning(message);
            return;
        }
        catch (Exception ex) when (ex is PipelineStoppedException || ex is InvalidOperationException)
        {
            // Stopping (Ctrl+C, Stop()) or ended: the host still shows it.
        }

        try
        {
            _cmdlet.Host?.UI?.WriteWarningLine(message);
        }
        catch (Exception ex) when (ex is PipelineStoppedException || ex is InvalidOperationException
            || ex is NotImplementedException)
        {
            // A host without a UI: nobody to tell.
        }
    }

    private async Task RunItem(WorkItem item, object target, Func<WorkItem, Task> work)
    {
        // Every call this item makes from here on, on whatever thread, tells the item (and so the limit).
        FlowObservation.Observe(item);
        try
        {
            await work(item).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_batch.IsCancellationRequested)
        {
            // Stopped by Ctrl+C or by another item's fatal error: nothing to report.
            item.Cancelled = true;
        }
        catch (Exception ex)
        {
            // A bug of ours must not take the whole batch down: report it against its input.
            item.Error(ErrorRecords.Create(ex, "UnexpectedError", ErrorCategory.NotSpecified, target,
                $"Unexpected failure for '{target}': {ex.Message}"));
        }
        finally
        {
            if (!item.Cancelled && !item.HasError && _limit.ItemDone(item.TimeWithService(), item.Requests)
                is ConcurrencyChange change)
            {
                Post(() => NoteLimit(change));
            }
            Post(() =>
            {
                if (!item.Cancelled)
                {
                    if (item.HasError) { Failed++; } else { Succeeded++; }
                    _progress.Finished(item.HasError, started: true, _clock.Elapsed);
                }
                _running.Remove(item);
            });
        }
    }

    /// <summary>Runs posted actions until one arrives or the progress interval passes.</summary>
    private void RunNext()
    {
        try
        {
            if (_mailbox.TryTake(out Action? action, (int)ProgressInterval.TotalMilliseconds, _stopToken))
            {
                action();
            }
        }
        catch (OperationCanceledException)
        {
            Stop();
            throw new PipelineStoppedException();
        }
        Drain();
        WritePendingNote();
        ReportProgress();
    }

    private void Drain()
    {
        while (_mailbox.TryTake(out Action? action))
        {
            action();
        }
    }

    private void ThrowIfFatal()
    {
        if (_fatal != null && _running.Count == 0)
        {
            ErrorRecord fatal = _fatal;
            _cmdlet.ThrowTerminatingError(fatal);
        }
    }

    private void ReportProgress(bool now = false)
    {
        if (!_progress.Enabled || (!now && _clock.Elapsed - _lastProgress < ProgressInterval))
        {
            return;
        }
        _lastProgress = _clock.Elapsed;
        WriteProgress(_progress.Record(_clock.Elapsed, _clock.Elapsed, Flow()));
    }

    /// <summary>Under the batch's source, so the host nests a child batch's bar under its parent's.</summary>
    private void WriteProgress(ProgressRecord record)
    {
        if (_cmdlet.CommandRuntime is ICommandRuntime runtime)
        {
            runtime.WriteProgress(_progress.SourceId, record);
        }
        else
        {
            _cmdlet.WriteProgress(record);
        }
    }

    /// <summary>Called on the pipeline thread for every object written, e.g. to count it for a summary.</summary>
    public Action<object>? OnOutput { get; set; }

    /// <summary>Writes an object on the pipeline thread (the caller is on it).</summary>
    public void WriteOutput(object value)
    {
        OnOutput?.Invoke(value);
        try
        {
            _cmdlet.WriteObject(value);
        }
        catch (PipelineStoppedException)
        {
            Stop(); // e.g. Select-Object -First has what it needs
            throw;
        }
    }

    public void PostVerbose(string message) => Post(() => _cmdlet.WriteVerbose(message));

    public void PostDebug(string message) => Post(() => _cmdlet.WriteDebug(message));

    private void Post(Action action)
    {
        try
        {
            _mailbox.Add(action);
        }
        catch (ObjectDisposedException)
        {
            // The command has ended (stopped or failed); there is nobody left to write to.
        }
        catch (InvalidOperationException)
        {
        }
    }
}
