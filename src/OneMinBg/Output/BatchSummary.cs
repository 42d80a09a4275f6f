using System;

namespace OneMinBg;

/// <summary>
/// The outcome of one batch, set into -SummaryVariable whenever the command ends (also by a terminating
/// error or a stop): what a scheduled task checks (e.g. <c>if (-not $s.Completed -or $s.Failed) { exit 1 }</c>)
/// and logs. Every input item the command received is in exactly one of Succeeded, Failed and Skipped.
/// </summary>
public sealed class BatchSummary
{
    /// <summary>Input items the command received: Succeeded + Failed + Skipped.</summary>
    public int Total => Succeeded + Failed + Skipped;
    /// <summary>Items done, including those reused from the journal.</summary>
    public int Succeeded { get; set; }
    /// <summary>
    /// Items taken from the journal without paying again (or, for Save-BgImage, files already saved).
    /// </summary>
    public int Reused { get; set; }
    /// <summary>Items that got an error, the one that met a terminating error included.</summary>
    public int Failed { get; set; }
    /// <summary>
    /// Items passed over: declined under -WhatIf or -Confirm, or not finished because a stop or another
    /// item's terminating error ended the command first.
    /// </summary>
    public int Skipped { get; set; }
    /// <summary>
    /// True when the command ran to its end; false when a terminating error, Ctrl+C or a downstream
    /// Select-Object -First ended it first.
    /// </summary>
    public bool Completed { get; set; }
    /// <summary>
    /// The credits this batch is known to have paid: the sum of the Credits of the images it paid for (reused
    /// ones cost nothing now). Images whose cost could not be measured are not in it but counted in
    /// CreditsUnmeasured; while that is not 0 this is a lower bound, and TeamCreditsUsed compared with the previous
    /// run's tells the whole.
    /// </summary>
    public decimal CreditsSpent { get; set; }
    /// <summary>Images this batch paid for whose cost could not be measured (see BgResult.Credits).</summary>
    public int CreditsUnmeasured { get; set; }
    /// <summary>The team's used credits (a running total) as the service last reported them in this batch.</summary>
    public decimal? TeamCreditsUsed { get; set; }
    /// <summary>The team's credit limit as the service last reported it in this batch.</summary>
    public decimal? TeamCreditLimit { get; set; }
    public TimeSpan Elapsed { get; set; }
}
