using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
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
    // Cancelled by Ctrl+C and by a fatal error: free work (uploads, lookups, downloads) stops at once.
    private readonly CancellationTokenSource _batch;
    private readonly Dictionary<WorkItem, Task> _running = new Dictionary<WorkItem, Task>();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly FailurePolicy _failures = new FailurePolicy();
    private TimeSpan _lastProgress = TimeSpan.Zero;
    private ErrorRecord? _fatal;
    private bool _progressShown;
    private int _waiting;

    public BatchRunner(PSCmdlet cmdlet, int throttleLimit, string activity, CancellationToken stopToken)
    {
        _cmdlet = cmdlet;
        _throttleLimit = throttleLimit;
        _activity = activity;
        _stopToken = stopToken;
        _batch = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
    }

    public int Succeeded { get; private set; }
    public int Failed { get; private set; }
    public int InFlight => _running.Count;

    /// <summary>Starts one item, first waiting (and writing what others posted) until a slot is free.</summary>
    public void Start(object target, Func<WorkItem, Task> work)
    {
        Drain();
        while (_running.Count >= _throttleLimit || (_fatal != null && _running.Count > 0))
        {
            RunNext();
        }
        ThrowIfFatal();

        var item = new WorkItem(this);
        _running.Add(item, Task.Run(() => RunItem(item, target, work)));
    }

    /// <summary>Waits for every started item, writing what they post; then throws a pending fatal error.</summary>
    public void Complete()
    {
        while (_running.Count > 0)
        {
            RunNext();
        }
        Drain();
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
        _batch.Cancel();
        // Cancelled workers delete their partial files on the way out; wait so nothing is left behind.
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
        _mailbox.Dispose();
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
        _cmdlet.WriteObject(value);
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
    internal sealed class WorkItem : IWorkflowSink, IWaitingSink
    {
        private readonly BatchRunner _runner;

        public WorkItem(BatchRunner runner) => _runner = runner;

        /// <summary>Cancelled by Ctrl+C and by a fatal error elsewhere: for free work.</summary>
        public CancellationToken BatchToken => _runner._batch.Token;

        /// <summary>
        /// Cancelled only by Ctrl+C: for a charged call, which a fatal error elsewhere must not abandon.
        /// </summary>
        public CancellationToken StopToken => _runner._stopToken;

        internal bool HasError { get; private set; }
        internal bool Cancelled { get; set; }

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
