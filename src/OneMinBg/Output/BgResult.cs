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
    /// <summary>Storage keys of the result images, relative to the service's bucket.</summary>
    public string[] ResultKeys { get; set; } = Array.Empty<string>();
    /// <summary>Presigned download link for the first result; valid about 7 days. Get-BgResult renews it.</summary>
    public string? TemporaryUrl { get; set; }
    /// <summary>When the service created the record (UTC).</summary>
    public DateTime? CreatedAt { get; set; }
    /// <summary>The team's used credits as the service reported them with this record.</summary>
    public decimal? UsedCredit { get; set; }
    /// <summary>The team's credit limit as the service reported it with this record.</summary>
    public decimal? CreditLimit { get; set; }
    /// <summary>The API the record lives on, so Get-BgResult and Save-BgImage ask the same service again.</summary>
    public string? BaseUri { get; set; }
    /// <summary>True when this run took the result from the journal instead of paying for it again.</summary>
    public bool Reused { get; set; }
    /// <summary>When the request was (last) sent, from the journal (UTC).</summary>
    public DateTime? RequestedAt { get; set; }
    /// <summary>Where Save-BgImage last saved the image, from the journal.</summary>
    public string? SavedPath { get; set; }
    /// <summary>Why the request did not succeed, from the journal; empty when it did.</summary>
    public string? FailureReason { get; set; }

    internal bool IsSuccess => AiRecord.IsSuccessStatus(Status);

    /// <summary>A record as the service reports it, e.g. looked up again by id.</summary>
    internal static BgResult From(AiRecord record, Uri baseUri, string? sourcePath)
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
            ResultKeys = ToArray(record.ResultKeys),
            TemporaryUrl = record.TemporaryUrl,
            CreatedAt = record.CreatedAt?.UtcDateTime,
            UsedCredit = record.UsedCredit,
            CreditLimit = record.CreditLimit,
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
            ResultKeys = ToArray(entry.ResultKeys),
            TemporaryUrl = entry.TemporaryUrl,
            CreatedAt = entry.CreatedAt?.UtcDateTime,
            UsedCredit = entry.UsedCredit,
            CreditLimit = entry.CreditLimit,
            BaseUri = request.BaseUri.AbsoluteUri,
            Reused = reused,
            RequestedAt = entry.RequestedAt.UtcDateTime,
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

    private static string[] ToArray(IReadOnlyList<string> list)
    {
        var keys = new string[list.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = list[i];
        }
        return keys;
    }
}
