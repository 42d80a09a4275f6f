using System;

namespace OneMinBg.Client.Reports;

/// <summary>How one image of a report ended, as a person reviewing the batch sorts it.</summary>
public enum ReportOutcome
{
    /// <summary>The service made the image (this run, or an earlier one whose result was reused).</summary>
    Done,
    /// <summary>It failed, or its outcome is not known (sent and never answered).</summary>
    Failed,
    /// <summary>Not finished: claimed and not yet answered, or given back before it was sent.</summary>
    NotFinished,
}

/// <summary>One image of a report: plain values, so the page can be written (and tested) without PowerShell.</summary>
public sealed class ReportItem
{
    public string? Id { get; set; }
    public string Status { get; set; } = "";
    /// <summary>The local source file; empty for an image given by URL.</summary>
    public string? SourcePath { get; set; }
    /// <summary>The URL or asset key the image came from when it had no local file.</summary>
    public string? ImageUrl { get; set; }
    /// <summary>The saved result file, when there is one.</summary>
    public string? ResultPath { get; set; }
    public string? Prompt { get; set; }
    public string? Model { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }
    /// <summary>When the service made the record, else when the request was sent.</summary>
    public DateTimeOffset? Time { get; set; }
    /// <summary>What this image cost, when the service's figures tell.</summary>
    public decimal? Credits { get; set; }
    public bool Reused { get; set; }
    /// <summary>Why it did not succeed.</summary>
    public string? Error { get; set; }
    /// <summary>The error's id (as in its FullyQualifiedErrorId), when a command's error record said why: the image
    /// failed there, whatever its status (a result that could not be saved says SUCCESS).</summary>
    public string? ErrorId { get; set; }
    /// <summary>What to do about the error, as its record recommends.</summary>
    public string? RecommendedAction { get; set; }

    public ReportOutcome Outcome =>
        ErrorId != null ? ReportOutcome.Failed
        : string.Equals(Status, "SUCCESS", StringComparison.OrdinalIgnoreCase) ? ReportOutcome.Done
        : string.Equals(Status, "PENDING", StringComparison.OrdinalIgnoreCase)
            || string.Equals(Status, "CANCELLED", StringComparison.OrdinalIgnoreCase) ? ReportOutcome.NotFinished
        : ReportOutcome.Failed;
}
