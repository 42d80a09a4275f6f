using System;
using System.Collections;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using OneMinBg.Client.Api;
using OneMinBg.Client.Config;
using OneMinBg.Client.Workflow;
using OneMinBg.Pipeline;

namespace OneMinBg.Abstractions;

/// <summary>
/// A cmdlet that works on many items at once through a <see cref="BatchRunner"/>, which keeps
/// the pipeline thread the only writer of output, errors, verbose messages and progress. It also
/// keeps the batch's counts, and sets -SummaryVariable however the command ends.
/// </summary>
public abstract class BatchCmdlet : OneMinApiCmdlet
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private BatchRunner? _runner;
    private int _received;
    private int _doneHere;
    private int _failedHere;
    private int _reused;
    private int _skipped;
    private decimal? _usedCredit;
    private decimal? _creditLimit;
    private decimal _creditsSpent;
    private int _creditsUnmeasured;
    private bool _published;

    /// <summary>
    /// The most items in flight at once; by default the number follows the service (ConcurrencyLimit), and a
    /// value the user gives (here or saved with Set-OneMinBgConfig) is used as it is.
    /// </summary>
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

    /// <summary>The variable -SummaryVariable names, for the commands that have it.</summary>
    private protected virtual string? SummaryVariableName => null;

    protected override void BeginProcessing()
    {
        int? given = Given(nameof(ThrottleLimit), ThrottleLimit) ?? Config.ThrottleLimit;
        int ceiling = Resolve(settings => settings.ThrottleLimit(given));
        int perMinute = Resolve(settings =>
            settings.RequestsPerMinute(Given(nameof(RequestsPerMinute), RequestsPerMinute)));
        var progress = new BatchProgress(Activity, ProgressShown(), CurrentFolder());
        _runner = new BatchRunner(this, new ConcurrencyLimit(ceiling, isFixed: given != null, perMinute), progress,
            perMinute, StopToken);
        if (CountGiven() is int total)
        {
            progress.ExpectTotal(total);
        }
    }

    /// <summary>The number of items to come, told by a command that counts them itself (after resolving wildcards).
    /// </summary>
    internal void ExpectTotal(int count) => Runner.Progress.ExpectTotal(count);

    /// <summary>
    /// Whether the items are counted by <see cref="CountGiven"/> (from the collection given to the parameter that
    /// otherwise takes pipeline input); a command whose items the input expands (wildcards) says false and counts them
    /// itself.
    /// </summary>
    private protected virtual bool CountsGivenInput => true;

    /// <summary>
    /// The count of the input when it is all known before the work: given to a parameter, nothing piped. Input from
    /// the pipeline is not counted ahead (that would hold the batch until the input ends): progress then counts as
    /// it goes.
    /// </summary>
    private int? CountGiven()
    {
        if (!CountsGivenInput || MyInvocation.ExpectingInput)
        {
            return null;
        }

        foreach (PropertyInfo property in GetType().GetProperties())
        {
            bool piped = property.GetCustomAttributes<ParameterAttribute>().Any(parameter =>
                parameter.ValueFromPipeline && (parameter.ParameterSetName == ParameterSetName
                    || parameter.ParameterSetName == ParameterAttribute.AllParameterSets));
            if (piped && MyInvocation.BoundParameters.TryGetValue(property.Name, out object? value))
            {
                return value is ICollection collection ? collection.Count : 1;
            }
        }
        return null;
    }

    /// <summary>Under $ProgressPreference (or -ProgressAction) SilentlyContinue or Ignore, no progress is worked out.
    /// </summary>
    private bool ProgressShown()
    {
        object? preference = MyInvocation.BoundParameters.TryGetValue("ProgressAction", out object? given)
            ? given
            : GetVariableValue("ProgressPreference");
        if (preference is PSObject wrapped)
        {
            preference = wrapped.BaseObject;
        }
        ActionPreference? action = preference switch
        {
            ActionPreference value => value,
            string text when Enum.TryParse(text, ignoreCase: true, out ActionPreference parsed) => parsed,
            _ => null,
        };
        return action != ActionPreference.SilentlyContinue && action != ActionPreference.Ignore;
    }

    private string? CurrentFolder()
    {
        PathInfo location = SessionState.Path.CurrentLocation;
        return location.Provider.Name == "FileSystem" ? location.ProviderPath : null;
    }

    protected override void EndProcessing()
    {
        Runner.Complete();
        PublishSummary(completed: true);
    }

    /// <summary>One input item taken on the pipeline thread; each ends up succeeded, failed or skipped.</summary>
    internal void Received()
    {
        _received++;
        Runner.Progress.Received();
    }

    /// <summary>An error about one input found on the pipeline thread, before any work started for it.</summary>
    internal void WriteItemError(ErrorRecord record)
    {
        _failedHere++;
        FinishedHere(failed: true);
        Runner.Progress.Batch.ItemFailed(record.TargetObject, record);
        WriteError(record);
    }

    private void FinishedHere(bool failed) => Runner.Progress.Finished(failed, started: false, Runner.Elapsed);

    /// <summary>Items that failed their checks on the pipeline thread, before any work started for them.</summary>
    internal int ItemErrors => _failedHere;

    /// <summary>The item being looked at met a terminating error on the pipeline thread.</summary>
    internal void CountFailed()
    {
        _failedHere++;
        FinishedHere(failed: true);
    }

    /// <summary>An input passed over (declined under -WhatIf or -Confirm).</summary>
    internal void CountSkipped()
    {
        _skipped++;
        FinishedHere(failed: false);
    }

    /// <summary>An item finished on the pipeline thread without a worker (e.g. reused from the journal).</summary>
    internal void CountDone(bool reused)
    {
        _doneHere++;
        FinishedHere(failed: false);
        if (reused)
        {
            _reused++;
        }
    }

    /// <summary>A result a worker wrote was reused; the runner counts it as done.</summary>
    internal void CountReused() => _reused++;

    /// <summary>
    /// A result this run paid for (not a reused one: its figures are not this batch's): what it cost, and the
    /// team's figures it reported, the highest use being the latest.
    /// </summary>
    internal void CountCredit(decimal? usedCredit, decimal? creditLimit, decimal? credits)
    {
        if (credits != null)
        {
            _creditsSpent += credits.Value;
        }
        else
        {
            _creditsUnmeasured++;
        }

        if (usedCredit != null && (_usedCredit == null || usedCredit >= _usedCredit))
        {
            _usedCredit = usedCredit;
            _creditLimit = creditLimit;
        }
    }

    /// <summary>Sets the caller's variable to the batch's summary (for -SummaryVariable), once.</summary>
    private void PublishSummary(bool completed)
    {
        string? name = SummaryVariableName;
        if (_published || string.IsNullOrEmpty(name))
        {
            return;
        }
        _published = true;
        int succeeded = (_runner?.Succeeded ?? 0) + _doneHere;
        int failed = (_runner?.Failed ?? 0) + _failedHere;
        // Received but not finished: in flight, or not yet started, when a stop or a terminating error came.
        int unfinished = Math.Max(0, _received - succeeded - failed - _skipped);
        var summary = new BatchSummary
        {
            Succeeded = succeeded,
            Reused = _reused,
            Failed = failed,
            Skipped = _skipped + unfinished,
            Completed = completed,
            CreditsSpent = _creditsSpent,
            CreditsUnmeasured = _creditsUnmeasured,
            TeamCreditsUsed = _usedCredit,
            TeamCreditLimit = _creditLimit,
            Elapsed = _clock.Elapsed,
        };
        SessionState.PSVariable.Set(name, summary);
    }

    /// <summary>A client whose messages reach the pipeline thread through the runner.</summary>
    internal OneMinClient CreateClient(Uri baseUri, bool requireKey = true) =>
        CreateClient(baseUri, Runner.PostVerbose, Runner.PostDebug, requireKey);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // PowerShell disposes the command on the pipeline thread before the next statement runs, also
            // when a terminating error, Ctrl+C or Select-Object -First ended it and EndProcessing never ran:
            // the one place a task's summary is sure to be set.
            try
            {
                PublishSummary(completed: false);
            }
            catch (SessionStateException)
            {
                // A read-only variable of that name: the command is ending with its own error already.
            }
            _runner?.Dispose();
        }
        base.Dispose(disposing);
    }
}
