using System;

namespace OneMinBg;

/// <summary>
/// The outcome of one batch, set into -SummaryVariable at the end: what a scheduled task checks
/// (e.g. <c>if ($summary.Failed) { exit 1 }</c>) and logs.
/// </summary>
public sealed class BatchSummary
{
    /// <summary>Items that were handled: Succeeded + Failed + Skipped.</summary>
    public int Total => Succeeded + Failed + Skipped;
    /// <summary>Items done, including those reused from the journal.</summary>
    public int Succeeded { get; set; }
    /// <summary>
    /// Items taken from the journal without paying again (or, for Save-BgImage, files already saved).
    /// </summary>
    public int Reused { get; set; }
    /// <summary>Items that got an error.</summary>
    public int Failed { get; set; }
    /// <summary>Items passed over, e.g. declined under -WhatIf or -Confirm.</summary>
    public int Skipped { get; set; }
    /// <summary>The team's used credits as the service last reported them in this batch.</summary>
    public decimal? UsedCredit { get; set; }
    /// <summary>The team's credit limit as the service last reported it in this batch.</summary>
    public decimal? CreditLimit { get; set; }
    public TimeSpan Elapsed { get; set; }
}
