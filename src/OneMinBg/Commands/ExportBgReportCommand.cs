using System;
using System.IO;
using System.Management.Automation;
using OneMinBg.Abstractions;
using OneMinBg.Client.Reports;
using OneMinBg.Pipeline;

namespace OneMinBg.Commands;

/// <summary>
/// Writes one HTML page that shows a batch for review: each image's source beside its result, with what was asked,
/// what it cost and, for a failure, why (<see cref="ReportWriter"/>). The input is collected; the page is written
/// once, whole, at the end (<see cref="ReportFile"/>).
/// </summary>
[Cmdlet(VerbsData.Export, "BgReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBgReportCommand : OneMinCmdlet
{
    private readonly ReportInputs _inputs = new ReportInputs();
    private string? _path;

    /// <summary>The report file to write, such as ./report.html.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>BgResults, and the files Save-BgImage writes.</summary>
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
    }

    protected override void ProcessRecord()
    {
        foreach (PSObject input in InputObject)
        {
            if (input != null && !_inputs.Add(input))
            {
                WriteError(ErrorRecords.NotReportInput(input));
            }
        }
    }

    protected override void EndProcessing()
    {
        string path = System.IO.Path.GetFullPath(_path!);
        int count = _inputs.Items.Count;
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
            ReportFile.Write(path, writer => ReportWriter.Write(writer, _inputs.Items, options), NoClobber, Force);
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
