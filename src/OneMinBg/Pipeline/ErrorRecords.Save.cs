using System;
using System.Management.Automation;
using OneMinBg.Client.Downloads;

namespace OneMinBg.Pipeline;

/// <summary>The errors of Save-BgImage: its parameters, its destination, and what one save can meet.</summary>
internal static partial class ErrorRecords
{
    public static ErrorRecord InvalidNameTemplate(FormatException ex, string template) =>
        Create(ex, "InvalidNameTemplate", ErrorCategory.InvalidArgument, template, ex.Message);

    public static ErrorRecord RelativeToNotFound(string path, string resolved) =>
        Create("RelativeToNotFound", ErrorCategory.ObjectNotFound, path,
            $"-RelativeTo '{resolved}' is not a folder. Give the folder the sources were found in, e.g. the "
            + "-Path of Get-ChildItem -Recurse.");

    public static ErrorRecord NoResultToSave(BgResult result, string source) =>
        Create("NoResultToSave", ErrorCategory.InvalidArgument, result,
            $"Result '{result.Id}' of '{source}' has status '{result.Status}' and no image to save. "
            + $"Look it up with Get-BgResult -Id '{result.Id}', or run Invoke-BackgroundReplace again for it.");

    public static ErrorRecord SourceOutsideRelativeTo(BgResult result, string source, string relativeTo) =>
        Create("SourceOutsideRelativeTo", ErrorCategory.InvalidArgument, result,
            $"'{source}' is not a file inside -RelativeTo '{relativeTo}', so its folders cannot be kept; result "
            + $"'{result.Id}' was not saved. Save it without -RelativeTo, or give a -RelativeTo that holds it.");

    /// <summary>The result's name is refused before downloading (<see cref="NameDecision.Exists"/>).</summary>
    public static ErrorRecord DestinationExists(NamePlan plan, BgResult result, string source) =>
        Create("DestinationExists", ErrorCategory.ResourceExists, plan.Path, plan.Reason switch
        {
            ExistsReason.ChangedSinceSaved =>
                $"'{plan.Path}' was saved as result '{result.Id}' of '{source}' and has changed since; it was left "
                + "as it is. Use -Force to save the result over it, or choose another -Destination.",
            ExistsReason.EarlierResult =>
                $"'{plan.Path}' holds an earlier result of the same source '{source}'; it was left as it is. Use "
                + $"-Force to replace it with result '{result.Id}', or choose another -Destination or -NameTemplate.",
            _ =>
                $"'{plan.Path}' and the other names result '{result.Id}' of '{source}' could have are taken by files "
                + "of other sources or files the journal does not know; nothing was overwritten. Choose another "
                + "-Destination or -NameTemplate.",
        });

    /// <summary>The downloaded image found its names taken when it was moved into place.</summary>
    public static ErrorRecord DestinationExists(DestinationExistsException ex, string path, string subject) =>
        Create(ex, "DestinationExists", ErrorCategory.ResourceExists, path, ex.ContentDiffers
            ? $"'{path}' already exists and holds another image than {subject}, and so do the other names it could "
                + "have; they were left as they are. Choose another -Destination or -NameTemplate."
            : $"'{path}' appeared while {subject} was downloading; it was left as it is.");

    /// <summary>The folder cannot be written at all: nothing more can be saved there.</summary>
    public static ErrorRecord DestinationUnwritable(DestinationUnwritableException ex) =>
        Create(ex, "DestinationUnwritable", ErrorCategory.WriteError, ex.Folder,
            ex.Message + " Nothing more is saved there; choose another -Destination or grant write access.");

    /// <summary>One file cannot be written.</summary>
    public static ErrorRecord DestinationUnwritable(Exception ex, string path, string subject) =>
        Create(ex, "DestinationUnwritable", ErrorCategory.WriteError, path,
            $"Cannot write '{path}' for {subject}: {ex.Message}");
}
