using System;
using System.Diagnostics;
using System.Management.Automation;
using OneMinBg.Client.Api;
using OneMinBg.Client.Config;
using OneMinBg.Pipeline;

namespace OneMinBg.Abstractions;

/// <summary>
/// A cmdlet that works on many items at once through a <see cref="BatchRunner"/>, which keeps
/// the pipeline thread the only writer of output, errors, verbose messages and progress.
/// </summary>
public abstract class BatchCmdlet : OneMinApiCmdlet
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private BatchRunner? _runner;
    private int _errorsBeforeWork;
    private int _skipped;

    /// <summary>How many items are in flight at once.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = SettingsResolver.DefaultThrottleLimit;

    /// <summary>The batch runner; made in BeginProcessing so each invocation has its own.</summary>
    internal BatchRunner Runner
    {
        get
        {
            Debug.Assert(_runner != null, "BeginProcessing makes the runner.");
            return _runner!;
        }
    }

    /// <summary>The progress bar's title.</summary>
    internal abstract string Activity { get; }

    protected override void BeginProcessing()
    {
        int throttle = Resolve(settings => settings.ThrottleLimit(Given(nameof(ThrottleLimit), ThrottleLimit)));
        _runner = new BatchRunner(this, throttle, Activity, StopToken);
    }

    protected override void EndProcessing()
    {
        Runner.Complete();
    }

    /// <summary>An error about one input found on the pipeline thread, before any work started for it.</summary>
    internal void WriteItemError(ErrorRecord record)
    {
        _errorsBeforeWork++;
        WriteError(record);
    }

    /// <summary>An input passed over (declined under -WhatIf or -Confirm).</summary>
    internal void CountSkipped() => _skipped++;

    /// <summary>Sets the caller's variable to the batch's summary (for -SummaryVariable).</summary>
    /// <param name="doneOutsideRunner">
    /// Items finished on the pipeline thread without a worker (e.g. reused from the journal).
    /// </param>
    internal void PublishSummary(
        string? variableName, int doneOutsideRunner, int reused, decimal? usedCredit, decimal? creditLimit)
    {
        if (string.IsNullOrEmpty(variableName))
        {
            return;
        }
        var summary = new BatchSummary
        {
            Succeeded = Runner.Succeeded + doneOutsideRunner,
            Reused = reused,
            Failed = Runner.Failed + _errorsBeforeWork,
            Skipped = _skipped,
            UsedCredit = usedCredit,
            CreditLimit = creditLimit,
            Elapsed = _clock.Elapsed,
        };
        SessionState.PSVariable.Set(variableName, summary);
    }

    /// <summary>A client whose messages reach the pipeline thread through the runner.</summary>
    internal OneMinClient CreateClient(Uri baseUri, bool requireKey = true) =>
        CreateClient(baseUri, Runner.PostVerbose, Runner.PostDebug, requireKey);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _runner?.Dispose();
        }
        base.Dispose(disposing);
    }
}
