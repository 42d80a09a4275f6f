using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using OneMinBg.Client.Api;
using OneMinBg.Client.Http;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

internal sealed partial class BatchRunner
{
    /// <summary>What a worker may do; every call is carried out later on the pipeline thread.</summary>
    internal sealed class WorkItem : IWorkflowSink, IWaitingSink, IChargedCallSink, IFlowObserver,
        IFirstCallObserver
    {
        private readonly BatchRunner _runner;
        private readonly object _target;
        private readonly object _gate = new object();
        private volatile bool _withService;
        private volatile bool _waitingForRate;
        private volatile bool _waitingForFirst;
        private volatile bool _waitingForOther;
        private int _requests;
        private int _round;
        // Stopwatch timestamps: the first request sent, and the start of the current wait; the waits after it.
        private long _firstSent;
        private long _waitStarted;
        private int _waits;
        private long _waited;

        public WorkItem(BatchRunner runner, object target)
        {
            _runner = runner;
            _target = target;
        }

        /// <summary>Requests this item sent so far.</summary>
        internal int Requests => Volatile.Read(ref _requests);

        internal bool WaitingForRate => _waitingForRate;

        internal bool WaitingForFirst => _waitingForFirst;

        internal bool WaitingForOtherRun => _waitingForOther;

        /// <summary>From its first request to now, less its waits for the rate limit and the first answer.</summary>
        internal TimeSpan TimeWithService()
        {
            lock (_gate)
            {
                if (_firstSent == 0)
                {
                    return TimeSpan.Zero;
                }
                long now = Stopwatch.GetTimestamp();
                long waited = _waited + (_waits > 0 && _waitStarted != 0 ? now - _waitStarted : 0);
                return TimeSpan.FromSeconds((double)(now - _firstSent - waited) / Stopwatch.Frequency);
            }
        }

        public void WaitingForRateLimit(bool waiting)
        {
            _waitingForRate = waiting;
            Wait(waiting);
        }

        public void WaitingForFirstCall(bool waiting)
        {
            _waitingForFirst = waiting;
            Wait(waiting);
        }

        public void Sent()
        {
            lock (_gate)
            {
                _requests++;
                _round = _runner._limit.Round;
                if (_firstSent == 0)
                {
                    _firstSent = Stopwatch.GetTimestamp();
                }
            }
        }

        public void Answered(TimeSpan elapsed, int? status)
        {
            int round;
            lock (_gate)
            {
                round = _round;
            }
            if (_runner._limit.Answered(status, round) is ConcurrencyChange change)
            {
                _runner.Post(() => _runner.NoteLimit(change));
            }
        }

        /// <summary>Waits after the first request are not time with the service.</summary>
        private void Wait(bool waiting)
        {
            lock (_gate)
            {
                if (waiting)
                {
                    if (_waits++ == 0)
                    {
                        _waitStarted = _firstSent == 0 ? 0 : Stopwatch.GetTimestamp();
                    }
                }
                else if (_waits > 0 && --_waits == 0)
                {
                    if (_waitStarted != 0)
                    {
                        _waited += Stopwatch.GetTimestamp() - _waitStarted;
                    }
                    _waitStarted = 0;
                }
            }
        }

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
            _runner.Post(() =>
            {
                // Kept for Export-BgReport downstream, which sees errors only through the batch.
                _runner._progress.Batch.ItemFailed(_target, record);
                _runner._cmdlet.WriteError(record);
            });
        }

        /// <summary>Shown at once in the progress status: the item waits for another run's result.</summary>
        public void Waiting(bool waiting)
        {
            _waitingForOther = waiting;
            Wait(waiting);
            _runner.Post(() => _runner.ReportProgress(now: true));
        }

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
