using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using OneMinBg.Abstractions;
using OneMinBg.Client.Reports;
using OneMinBg.Pipeline;

namespace OneMinBg.Commands;

/// <summary>
/// Writes one HTML page that shows a batch for review: each image's source beside its result, with what was asked,
/// what it cost and, for a failure, why (<see cref="ReportWriter"/>). The input is collected; the page is written
/// once, whole, at the end (<see cref="ReportFile"/>). A failed image reaches it as an error record, not an object:
/// so it also reports the failures of the batches upstream in its pipeline (<see cref="ActiveBatches"/>), in the
/// order they came among the results, and takes error records as input (-ErrorVariable).
/// </summary>
[Cmdlet(VerbsData.Export, "BgReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBgReportCommand : OneMinCmdlet
{
    private readonly ReportInputs _inputs = new ReportInputs();
    private IReadOnlyList<Registration> _upstream = Array.Empty<Registration>();
    // Per batch upstream, the errors already taken.
    private int[] _errorsTaken = Array.Empty<int>();
    private string? _path;

    /// <summary>The report file to write, such as ./report.html.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>BgResults, the files Save-BgImage writes, and error records about images.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public PSObject[] InputObject { get; set; } = Array.Empty<PSObject>();

    /// <summary>The page's heading and title.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Title { get; set; }

    /// <summary>Refuse to replace an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Replace a read-only file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the report's file to the output.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        // The path first: one that cannot be written to stops the command before any input is taken.
        _path = PathHelper.ResolveForWriting(this, Path, "-Path", out ErrorRecord? error);
        if (_path == null)
        {
            ThrowTerminatingError(error!);
        }
        if (Directory.Exists(_path))
        {
            ThrowTerminatingError(ErrorRecords.ReportPathIsFolder(_path!));
        }
        // Before any input flows: the batches running now are upstream of this command (kept after they end).
        _upstream = ActiveBatches.Upstream();
        _errorsTaken = new int[_upstream.Count];
    }

    protected override void ProcessRecord()
    {
        // An item that failed before this object was written comes before it.
        TakeUpstreamErrors();
        foreach (PSObject input in InputObject)
        {
            if (input != null && !_inputs.Add(input))
            {
                WriteError(ErrorRecords.NotReportInput(input));
            }
        }
    }

    /// <summary>The failures written upstream since last time, as failed items.</summary>
    private void TakeUpstreamErrors()
    {
        for (int i = 0; i < _upstream.Count; i++)
        {
            foreach (ItemError error in _upstream[i].ErrorsAfter(_errorsTaken[i]))
            {
                _errorsTaken[i]++;
                _inputs.AddUpstreamError(error.Record, error.Input);
            }
        }
    }

    protected override void EndProcessing()
    {
        TakeUpstreamErrors();
        string path = System.IO.Path.GetFullPath(_path!);
        IReadOnlyList<ReportItem> items = _inputs.Items;
        int count = items.Count;
        if (!ShouldProcess(path, $"Write a report of {count} image{(count == 1 ? "" : "s")}"))
        {
            return;
        }
        var options = new ReportOptions { Folder = System.IO.Path.GetDirectoryName(path)! };
        if (Title != null)
        {
            options.Title = Title;
        }
        try
        {
            ReportFile.Write(path, writer => ReportWriter.Write(writer, items, options), NoClobber, Force);
        }
        catch (ReportExistsException ex)
        {
            ThrowTerminatingError(ErrorRecords.ReportExists(ex));
        }
        catch (ReportReadOnlyException ex)
        {
            ThrowTerminatingError(ErrorRecords.ReportReadOnly(ex));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(ErrorRecords.ReportUnwritable(ex, path));
        }
        if (PassThru)
        {
            WriteObject(SavedFile.ItemFor(this, path));
        }
    }
}
