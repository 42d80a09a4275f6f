using System;
using System.Collections.Generic;

namespace OneMinBg.Client.Journaling;

/// <summary>How one attempt at a request ended, as its lines tell (docs/journal-format.md, "History").</summary>
public enum AttemptOutcome
{
    /// <summary>Claimed and not sent: nothing was charged (its run may still send it).</summary>
    Claimed,
    /// <summary>Sent, and no answer recorded yet: in flight, or its run ended before the answer came.</summary>
    Sent,
    /// <summary>The service returned a successful record.</summary>
    Succeeded,
    /// <summary>The service or the run failed; <see cref="JournalAttempt.MayHaveBeenCharged"/> says whether it may
    /// have been paid for.</summary>
    Failed,
    /// <summary>Sent, and the answer never came: a later attempt began, or the run stopped while the service was
    /// working on it. It may have been charged.</summary>
    Unknown,
    /// <summary>Its run gave the claim back before sending it: nothing was charged.</summary>
    Released,
}

/// <summary>
/// One attempt at a request: a claim (or, for a run with -Force, its first line) and what followed it. A snapshot
/// taken from the journal's lines.
/// </summary>
public sealed class JournalAttempt
{
    internal JournalAttempt(int number)
    {
        Number = number;
    }

    /// <summary>1 for the request's first attempt, in file order.</summary>
    public int Number { get; }
    public AttemptOutcome Outcome { get; internal set; }
    /// <summary>The attempt may have been paid for: it succeeded, or it was sent and failed or got no answer.
    /// </summary>
    public bool MayHaveBeenCharged { get; internal set; }

    /// <summary>The source file as this attempt's first line recorded it.</summary>
    public string? SourcePath { get; internal set; }
    /// <summary>When it was claimed; null for an attempt without a claim (-Force).</summary>
    public DateTimeOffset? ClaimedAt { get; internal set; }
    /// <summary>When its paid call was sent; null when it was not (or by a version that did not record it).</summary>
    public DateTimeOffset? SentAt { get; internal set; }
    /// <summary>When its result, failure or release was recorded.</summary>
    public DateTimeOffset? CompletedAt { get; internal set; }
    /// <summary>The process that claimed it; null without a claim.</summary>
    public JournalOwner? Owner { get; internal set; }
    /// <summary>The journal instance (one per journal file per process) that claimed or sent it.</summary>
    public string? RunId { get; internal set; }

    public string? RecordId { get; internal set; }
    /// <summary>The record's latest status (a lookup may have moved it on).</summary>
    public string? Status { get; internal set; }
    public decimal? UsedCredit { get; internal set; }
    public decimal? CreditLimit { get; internal set; }
    /// <summary>What this attempt's call cost, when the client could measure it (see JournalEntry.Credits).</summary>
    public decimal? Credits { get; internal set; }
    public string? FailureKind { get; internal set; }
    public string? FailureMessage { get; internal set; }
    /// <summary>The latest save of its result.</summary>
    public string? SavedPath { get; internal set; }
    public DateTimeOffset? SavedAt { get; internal set; }

    /// <summary>No result, failure or release has answered it, and no later claim has replaced it.</summary>
    internal bool IsOpen { get; set; } = true;

    /// <summary>Its claim says its run writes a "sent" line before the paid call.</summary>
    internal bool ClaimMarksSent { get; set; } = true;

    public override string ToString() => $"attempt {Number}: {Outcome}" + (RecordId != null ? " " + RecordId : "");
}

/// <summary>One request: its latest state, and every attempt at it, oldest first.</summary>
public sealed class RequestHistory
{
    internal RequestHistory(JournalEntry entry, IReadOnlyList<JournalAttempt> attempts)
    {
        Entry = entry;
        Attempts = attempts;
    }

    public JournalEntry Entry { get; }
    public IReadOnlyList<JournalAttempt> Attempts { get; }
}
