using System;
using System.Collections.Generic;
using OneMinBg.Client.Api;
using OneMinBg.Client.Journaling;

namespace OneMinBg;

/// <summary>
/// One background replacement: what was asked, what the service answered, where the result is.
/// Plain properties only, so Export-Csv, ConvertTo-Json and Where-Object work on it as users expect.
/// </summary>
public sealed class BgResult
{
    /// <summary>The service's record uuid; Get-BgResult -Id takes it.</summary>
    public string Id { get; set; } = "";
    /// <summary>SUCCESS when the image is done; anything else is not.</summary>
    public string Status { get; set; } = "";
    /// <summary>The local file the image came from; empty for -ImageUrl input.</summary>
    public string? SourcePath { get; set; }
    /// <summary>The uploaded asset key (or URL) the feature ran on.</summary>
    public string? ImageUrl { get; set; }
    public string? Prompt { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }
    public string? Model { get; set; }
    /// <summary>
    /// Storage keys of the result images, relative to the service's bucket. A list (indexable, enumerable) whose
    /// text is the keys joined by '; ', which is what Export-Csv writes.
    /// </summary>
    public ResultKeyList ResultKeys { get; set; } = ResultKeyList.Empty;
    /// <summary>Presigned download link for the first result; valid about 7 days. Get-BgResult renews it.</summary>
    public string? TemporaryUrl { get; set; }
    /// <summary>
    /// When the service created the record, with its offset (UTC, as reported). PowerShell shows it in local time
    /// and Export-Csv writes it as ISO 8601 with the offset (OneMinBg.Types.ps1xml).
    /// </summary>
    public DateTimeOffset? CreatedAt { get; set; }
    /// <summary>
    /// What this image cost, in credits, when it was made (a reused result keeps it; it was not paid again). The
    /// service reports no charge per call, so this is the team's used credit in the answer minus the total known
    /// when the call was sent, measured only when no other call of the batch was with the service meanwhile;
    /// empty when it could not be measured (calls in parallel, the batch's first call, a result of a version
    /// before 0.4.0, a lookup by -Id of a record the journal does not know).
    /// </summary>
    public decimal? Credits { get; set; }
    /// <summary>The team's used credits (a running total for the whole team) as reported with this record.</summary>
    public decimal? TeamCreditsUsed { get; set; }
    /// <summary>The team's credit limit as the service reported it with this record.</summary>
    public decimal? TeamCreditLimit { get; set; }
    /// <summary>The API the record lives on, so Get-BgResult and Save-BgImage ask the same service again.</summary>
    public string? BaseUri { get; set; }
    /// <summary>True when this run took the result from the journal instead of paying for it again.</summary>
    public bool Reused { get; set; }
    /// <summary>When the request was (last) claimed for sending, from the journal (UTC; shown in local time).</summary>
    public DateTimeOffset? RequestedAt { get; set; }
    /// <summary>Where Save-BgImage last saved the image, from the journal.</summary>
    public string? SavedPath { get; set; }
    /// <summary>Why the request did not succeed, from the journal; empty when it did.</summary>
    public string? FailureReason { get; set; }

    internal bool IsSuccess => AiRecord.IsSuccessStatus(Status);

    /// <summary>
    /// A record as the service reports it, e.g. looked up again by id; <paramref name="credits"/> is what the
    /// journal measured it cost, when it knows (the service does not say).
    /// </summary>
    internal static BgResult From(AiRecord record, Uri baseUri, string? sourcePath, decimal? credits = null)
    {
        return new BgResult
        {
            Id = record.Id,
            Status = record.Status,
            SourcePath = sourcePath,
            ImageUrl = record.ImageUrl,
            Prompt = record.Prompt,
            Size = record.Size,
            Quality = record.Quality,
            Background = record.Background,
            Model = record.Model,
            ResultKeys = new ResultKeyList(record.ResultKeys),
            TemporaryUrl = record.TemporaryUrl,
            CreatedAt = record.CreatedAt?.ToUniversalTime(),
            Credits = credits,
            TeamCreditsUsed = record.UsedCredit,
            TeamCreditLimit = record.CreditLimit,
            BaseUri = baseUri.AbsoluteUri,
        };
    }

    /// <summary>
    /// A request as the journal knows it. <paramref name="sourcePath"/> is where the image is now (a
    /// renamed or moved file is still the same request); null keeps the path the journal recorded.
    /// </summary>
    internal static BgResult From(JournalEntry entry, string? sourcePath = null, bool reused = false)
    {
        ImageRequest request = entry.Request;
        return new BgResult
        {
            Id = entry.RecordId ?? "",
            Status = entry.Status ?? StatusOf(entry.State),
            SourcePath = sourcePath ?? request.SourcePath,
            ImageUrl = entry.AssetKey ?? request.ImageUrl,
            Prompt = request.Prompt,
            Size = request.Size,
            Quality = request.Quality,
            Background = request.Background,
            Model = request.Model,
            ResultKeys = new ResultKeyList(entry.ResultKeys),
            TemporaryUrl = entry.TemporaryUrl,
            CreatedAt = entry.CreatedAt?.ToUniversalTime(),
            Credits = entry.Credits,
            TeamCreditsUsed = entry.UsedCredit,
            TeamCreditLimit = entry.CreditLimit,
            BaseUri = request.BaseUri.AbsoluteUri,
            Reused = reused,
            RequestedAt = entry.RequestedAt.ToUniversalTime(),
            SavedPath = entry.SavedPath,
            FailureReason = entry.State == JournalState.Succeeded ? null : entry.FailureMessage,
        };
    }

    /// <summary>The status shown for a request the service has not (yet) reported on.</summary>
    private static string StatusOf(JournalState state) => state switch
    {
        JournalState.Claimed => "PENDING",
        JournalState.Released => "CANCELLED",
        JournalState.Succeeded => AiRecord.SuccessStatus,
        _ => "FAILED",
    };
}
