using System;
using System.Collections.Generic;
using System.Linq;
using OneMinBg.Client.Api;

namespace OneMinBg.Client.Journaling;

/// <summary>Where one request stands.</summary>
public enum JournalState
{
    /// <summary>A run has claimed it and may be paying for it right now.</summary>
    Claimed,
    /// <summary>The service returned a successful record: a re-run reuses it.</summary>
    Succeeded,
    /// <summary>It failed; see <see cref="JournalEntry.MayHaveBeenCharged"/>.</summary>
    Failed,
    /// <summary>A run gave its claim back before the charged call was sent.</summary>
    Released,
}

/// <summary>The run that claimed a request.</summary>
public sealed class JournalOwner
{
    internal JournalOwner(string host, int processId, DateTimeOffset processStartedAt, string runId)
    {
        Host = host;
        ProcessId = processId;
        ProcessStartedAt = processStartedAt;
        RunId = runId;
        IsThisProcess = JournalProcess.IsThisProcess(host, processId, processStartedAt);
    }

    /// <summary>The machine name of the claiming process.</summary>
    public string Host { get; }
    public int ProcessId { get; }
    /// <summary>
    /// When the claiming process started (UTC): tells a live process from a later one that reuses its id.
    /// </summary>
    public DateTimeOffset ProcessStartedAt { get; }
    /// <summary>The journal instance that claimed it: one per journal file per process.</summary>
    public string RunId { get; }
    /// <summary>Claimed by this very process (any journal instance in it).</summary>
    public bool IsThisProcess { get; }

    public override string ToString() => $"process {ProcessId} on {Host} (run {RunId})";
}

/// <summary>
/// The latest state of one request (one fingerprint). A snapshot: the journal never changes an entry it
/// has handed out; ask again for a newer one.
/// </summary>
public sealed class JournalEntry
{
    internal JournalEntry(string fingerprint, ImageRequest request)
    {
        Fingerprint = fingerprint;
        Request = request;
    }

    public string Fingerprint { get; }
    public ImageRequest Request { get; internal set; }
    public JournalState State { get; internal set; }
    /// <summary>The time of the latest claim (of the result, when no claim was recorded).</summary>
    public DateTimeOffset RequestedAt { get; internal set; }
    public DateTimeOffset? CompletedAt { get; internal set; }
    /// <summary>Who claimed it last.</summary>
    public JournalOwner? Owner { get; internal set; }

    /// <summary>The service's record (uuid) of the result, for GET /api/results/{id}.</summary>
    public string? RecordId { get; internal set; }
    public string? Status { get; internal set; }
    public IReadOnlyList<string> ResultKeys { get; internal set; } = Array.Empty<string>();
    /// <summary>The latest presigned download link known (renewed by lookups).</summary>
    public string? TemporaryUrl { get; internal set; }
    public DateTimeOffset? CreatedAt { get; internal set; }
    public decimal? UsedCredit { get; internal set; }
    public decimal? CreditLimit { get; internal set; }
    /// <summary>
    /// What the call that made this record cost, when the client could measure it (the journal's "cost"); null
    /// when not. A lookup's renewal keeps it: the team's totals move on, what the image cost does not.
    /// </summary>
    public decimal? Credits { get; internal set; }
    /// <summary>The uploaded key the feature ran on.</summary>
    public string? AssetKey { get; internal set; }

    /// <summary>
    /// For <see cref="JournalState.Failed"/>: an ApiErrorKind name, or "FeatureFailed" for a record that is not
    /// SUCCESS.
    /// </summary>
    public string? FailureKind { get; internal set; }
    public string? FailureMessage { get; internal set; }
    /// <summary>The failure happened after the charged call was sent: the image may have been paid for.</summary>
    public bool MayHaveBeenCharged { get; internal set; }

    /// <summary>
    /// The uuid of a record the service accepted (async) and has not been seen done: a later run waits for it
    /// (GET /api/results, free) instead of paying again. Null once a result is recorded.
    /// </summary>
    public string? AcceptedRecordId { get; internal set; }

    /// <summary>The uploaded key an accepted record runs on, kept for its result line.</summary>
    internal string? AcceptedAssetKey() => AcceptedRecordId != null ? AssetKey : null;

    /// <summary>When the paid call of the latest attempt was sent; null when it was not (or not known).</summary>
    public DateTimeOffset? SentAt { get; internal set; }

    /// <summary>
    /// When the image was sent without an answer since the service last answered for it (oldest first): each
    /// may have been charged. A claim of an older version, which wrote no "sent" line, that ended without an
    /// answer counts at its time.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> UnknownOutcomeAttempts =>
        State == JournalState.Claimed && !ClaimMarksSent && SentAt == null
            ? Unanswered.Concat(new[] { RequestedAt }).ToList()
            : Unanswered;

    /// <summary>The sends without an answer recorded so far (<see cref="UnknownOutcomeAttempts"/>).</summary>
    internal IReadOnlyList<DateTimeOffset> Unanswered { get; set; } = Array.Empty<DateTimeOffset>();

    /// <summary>The latest claim says its run writes a "sent" line before the paid call.</summary>
    internal bool ClaimMarksSent { get; set; }

    /// <summary>The latest save of its result.</summary>
    public string? SavedPath { get; internal set; }
    public long? SavedLength { get; internal set; }
    public string? SavedSha256 { get; internal set; }
    public DateTimeOffset? SavedAt { get; internal set; }

    internal JournalEntry Copy() => (JournalEntry)MemberwiseClone();

    public override string ToString() =>
        $"{State} {Fingerprint}" + (RecordId != null ? " record " + RecordId : "");
}

/// <summary>
/// The latest save recorded at one path: whose result it is, and what was written. Save-BgImage names a
/// result by it: a path belongs to the source (<see cref="SourceContent"/>) whose result was saved there last.
/// </summary>
public sealed class JournalSave
{
    internal JournalSave(string path, string recordId, string sourceContent, long length, string? sha256,
        DateTimeOffset? at)
    {
        Path = path;
        RecordId = recordId;
        SourceContent = sourceContent;
        Length = length;
        Sha256 = sha256;
        At = at;
    }

    public string Path { get; }
    public string RecordId { get; }
    /// <summary>The source of the record's request: its content SHA-256, or "url:" and the URL.</summary>
    public string SourceContent { get; }
    public long Length { get; }
    public string? Sha256 { get; }
    public DateTimeOffset? At { get; }
}

public enum ClaimOutcome
{
    /// <summary>This run owns the request now: go ahead and pay for it.</summary>
    Claimed,
    /// <summary>A successful result exists: reuse <see cref="ClaimResult.Entry"/>, do not pay again.</summary>
    AlreadySucceeded,
    /// <summary>Another live run (or pipeline in this process) is working on it: skip it.</summary>
    HeldByOther,
    /// <summary>
    /// It was sent twice without an answer (<see cref="JournalEntry.UnknownOutcomeAttempts"/>): it is not sent
    /// again automatically; the user decides (-Force). Nothing is written.
    /// </summary>
    OutcomeUnknown,
}

public sealed class ClaimResult
{
    internal ClaimResult(ClaimOutcome outcome, JournalEntry? entry)
    {
        Outcome = outcome;
        Entry = entry;
    }

    public ClaimOutcome Outcome { get; }

    /// <summary>
    /// For <see cref="ClaimOutcome.Claimed"/>: the state before the claim (null when new; a dead run's claim
    /// that was sent, or a failure that <see cref="JournalEntry.MayHaveBeenCharged"/>, means the image may have
    /// been paid for already). Otherwise the entry that won: the success, the other run's claim, or the sends
    /// without an answer.
    /// </summary>
    public JournalEntry? Entry { get; }
}
