using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

/// <summary>
/// Runs a cmdlet's items concurrently, at most <c>throttleLimit</c> at once, while everything
/// PowerShell sees (output, errors, verbose, progress) is written on the pipeline thread: workers
/// post to a mailbox that the pipeline thread drains while it waits for a free slot or for the end.
/// Work starts as input arrives and results are written as they complete, so memory stays bounded.
/// <para>
/// A stop (Ctrl+C, PowerShell.Stop(), Select-Object -First, a terminating error) starts nothing more and
/// ends free work; it does not wait for charged calls already with the service: their items end at once and
/// the calls finish in the background (<see cref="ChargedCalls"/>), writing their results to the journal.
/// A warning says how many there are (<see cref="LeftWithService"/>).
/// </para>
/// </summary>
internal sealed class BatchRunner : IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly PSCmdlet _cmdlet;
    private readonly int _throttleLimit;
    private readonly string _activity;
    private readonly int _progressId = Environment.TickCount & 0x7fffffff;
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
    private ErrorRecord? _fatal;
    private bool _progressShown;
    private bool _completed;
    private int _waiting;

    public BatchRunner(PSCmdlet cmdlet, int throttleLimit, string activity, CancellationToken stopToken)
    {
        _cmdlet = cmdlet;
        _throttleLimit = throttleLimit;
        _activity = activity;
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

    /// <summary>Starts one item, first waiting (and writing what others posted) until a slot is free.</summary>
    public void Start(object target, Func<WorkItem, Task> work)
    {
        try
        {
            Drain();
            while (_running.Count >= _throttleLimit || (_fatal != null && _running.Count > 0))
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

        var item = new WorkItem(this);
        Started++;
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
        ThrowIfFatal();
        if (_progressShown)
        {
            _cmdlet.WriteProgress(new ProgressRecord(_progressId, _activity, "Done")
            {
                RecordType = ProgressRecordType.Completed,
            });
        }
    }

    public void Dispose()
    {
        if (!_completed)
        {
            Stop(); // ended by an error or a stop that did not pass through the runner
        }
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
            Post(() =>
            {
                if (!item.Cancelled)
                {
                    if (item.HasError) { Failed++; } else { Succeeded++; }
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
        if (!now && _clock.Elapsed - _lastProgress < ProgressInterval)
        {
            return;
        }
        _lastProgress = _clock.Elapsed;
        _progressShown = true;
        int done = Succeeded + Failed;
        double perMinute = done / Math.Max(_clock.Elapsed.TotalMinutes, 1e-9);
        string status = $"{Succeeded} done, {Failed} failed, {_running.Count} in flight, {perMinute:0.#} per minute";
        if (_waiting > 0)
        {
            status += $", {_waiting} waiting for another run";
        }
        _cmdlet.WriteProgress(new ProgressRecord(_progressId, _activity, status));
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

    /// <summary>What a worker may do; every call is carried out later on the pipeline thread.</summary>
    internal sealed class WorkItem : IWorkflowSink, IWaitingSink, IChargedCallSink
    {
        private readonly BatchRunner _runner;
        private volatile bool _withService;

        public WorkItem(BatchRunner runner) => _runner = runner;

        /// <summary>Cancelled by Ctrl+C and by a fatal error elsewhere: for free work.</summary>
        public CancellationToken BatchToken => _runner._batch.Token;

        /// <summary>
        /// Cancelled only by a stop (not by a fatal error elsewhere): the item then stops waiting for its
        /// charged call, which goes on in the background.
        /// </summary>
        public CancellationToken StopToken => _runner._stop.Token;

        internal bool HasError { get; private set; }
        internal bool Cancelled { get; set; }

        /// <summary>Its charged call is with the service (set from the worker, read at a stop).</summary>
        internal bool IsWithService => _withService;

        public void WithService(bool withService) => _withService = withService;

        public void Output(object value) => _runner.Post(() => _runner.WriteOutput(value));

        /// <summary>
        /// Runs <paramref name="action"/> on the pipeline thread, before this item counts as done; never, when
        /// the command ends first (stopped, or failed upstream): what it does then cannot be lost unseen.
        /// </summary>
        public void OnPipelineThread(Action action) => _runner.Post(action);

        public void Verbose(string message) => _runner.PostVerbose(message);

        public void Warning(string message) => _runner.Post(() => _runner._cmdlet.WriteWarning(message));

        public void Error(ErrorRecord record)
        {
            HasError = true;
            _runner.Post(() => _runner._cmdlet.WriteError(record));
        }

        /// <summary>Shown at once in the progress status: the item waits for another run's result.</summary>
        public void Waiting(bool waiting) => _runner.Post(() =>
        {
            _runner._waiting += waiting ? 1 : -1;
            _runner.ReportProgress(now: true);
        });

        /// <summary>A failed service call: stops the whole batch when <see cref="FailurePolicy"/> says so.</summary>
        public void Fail(OneMinApiException failure, object? target, string subject)
        {
            ErrorRecord record = ErrorRecords.FromApi(failure, target, subject);
            if (_runner._failures.StopsAfter(failure))
            {
                Fatal(record);
            }
            else
            {
                Error(record);
            }
        }

        /// <summary>
        /// Nothing after this can succeed (revoked key, no credits): no new item starts, free work
        /// stops, charged calls already sent finish and are written, then the error terminates the command.
        /// </summary>
        public void Fatal(ErrorRecord record)
        {
            HasError = true;
            _runner.Post(() => _runner._fatal ??= record);
            _runner._batch.Cancel();
        }
    }
}
