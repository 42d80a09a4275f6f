using System;
using OneMinBg.Client.Api;
using OneMinBg.Client.Journaling;

namespace OneMinBg;

/// <summary>
/// One attempt at a request, from the journal (Get-BgResult -History): when it was claimed and sent, how it
/// ended, and whether it may have been paid for, so that earlier failed or unanswered attempts (possible double
/// charges) can be audited after a later success. Plain properties only, like BgResult.
/// </summary>
public sealed class BgAttempt
{
    /// <summary>1 for the request's first attempt.</summary>
    public int Attempt { get; set; }
    /// <summary>Claimed, Sent, Succeeded, Failed, Unknown or Released.</summary>
    public string Outcome { get; set; } = "";
    /// <summary>It succeeded, or it was sent and failed or got no answer: it may have been paid for.</summary>
    public bool MayHaveBeenCharged { get; set; }
    /// <summary>When it was claimed (UTC; shown in local time); empty for a run with -Force, which claims nothing.
    /// </summary>
    public DateTimeOffset? ClaimedAt { get; set; }
    /// <summary>When its paid call was sent (UTC; shown in local time); empty when it was not.</summary>
    public DateTimeOffset? SentAt { get; set; }
    /// <summary>When its result, failure or release was recorded (UTC; shown in local time).</summary>
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>The record the service made for it; Get-BgResult -Id takes it.</summary>
    public string? Id { get; set; }
    /// <summary>The record's status, as last seen.</summary>
    public string? Status { get; set; }
    /// <summary>An error kind (e.g. FeatureFailed, UnknownOutcome, ServerError) when it did not succeed.</summary>
    public string? FailureKind { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>What this attempt's call cost, when it could be measured (see BgResult.Credits).</summary>
    public decimal? Credits { get; set; }
    /// <summary>The team's used credits (a running total) as the service reported them with its record.</summary>
    public decimal? TeamCreditsUsed { get; set; }
    /// <summary>The machine of the process that claimed it.</summary>
    public string? Host { get; set; }
    public int? ProcessId { get; set; }
    /// <summary>The journal instance (one per journal file per process) that claimed or sent it.</summary>
    public string? RunId { get; set; }
    /// <summary>Where Save-BgImage last saved its result.</summary>
    public string? SavedPath { get; set; }
    /// <summary>The source file as this attempt recorded it; empty for -ImageUrl input.</summary>
    public string? SourcePath { get; set; }
    public string? ImageUrl { get; set; }
    public string? Prompt { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }
    public string? Model { get; set; }
    public string? BaseUri { get; set; }
    /// <summary>The request's fingerprint: every attempt at the same request has the same one.</summary>
    public string Fingerprint { get; set; } = "";

    internal static BgAttempt From(JournalEntry entry, JournalAttempt attempt)
    {
        ImageRequest request = entry.Request;
        return new BgAttempt
        {
            Attempt = attempt.Number,
            Outcome = attempt.Outcome.ToString(),
            MayHaveBeenCharged = attempt.MayHaveBeenCharged,
            ClaimedAt = attempt.ClaimedAt?.ToUniversalTime(),
            SentAt = attempt.SentAt?.ToUniversalTime(),
            CompletedAt = attempt.CompletedAt?.ToUniversalTime(),
            Id = attempt.RecordId,
            Status = attempt.Status,
            FailureKind = attempt.FailureKind,
            FailureReason = attempt.FailureMessage,
            Credits = attempt.Credits,
            TeamCreditsUsed = attempt.UsedCredit,
            Host = attempt.Owner?.Host,
            ProcessId = attempt.Owner?.ProcessId,
            RunId = attempt.RunId,
            SavedPath = attempt.SavedPath,
            SourcePath = attempt.SourcePath ?? request.SourcePath,
            ImageUrl = request.ImageUrl,
            Prompt = request.Prompt,
            Size = request.Size,
            Quality = request.Quality,
            Background = request.Background,
            Model = request.Model,
            BaseUri = request.BaseUri.AbsoluteUri,
            Fingerprint = entry.Fingerprint,
        };
    }
}
