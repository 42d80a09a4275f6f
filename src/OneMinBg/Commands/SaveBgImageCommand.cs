using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using OneMinBg.Abstractions;
using OneMinBg.Client.Api;
using OneMinBg.Client.Downloads;
using OneMinBg.Client.Workflow;
using OneMinBg.Pipeline;

namespace OneMinBg.Commands;

/// <summary>
/// Downloads the images of BgResults into a folder, each as "&lt;source name&gt;_bg.&lt;ext&gt;" (or a
/// -NameTemplate), and writes each file as Get-Item does, with notes naming its result (<see cref="SavedFile"/>;
/// <see cref="ResultSaver"/>: a file in place always reached the pipeline).
/// </summary>
[Cmdlet(VerbsData.Save, "BgImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class SaveBgImageCommand : BatchCmdlet
{
    private SaveDestination? _destination;
    private SaveWorkflow? _workflow;
    private DestinationNames? _names;
    private ResultSaver? _saver;

    /// <summary>Results from Invoke-BackgroundReplace or Get-BgResult.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public BgResult[] InputObject { get; set; } = Array.Empty<BgResult>();

    /// <summary>The folder to save into; created if missing. Default: the current location.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = ".";

    /// <summary>Keeps each source's folders below this one under -Destination.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RelativeTo { get; set; }

    /// <summary>The file name, from tokens such as {BaseName}, {Id8}, {Size}; the extension is added.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NameTemplate { get; set; }

    /// <summary>Replace an earlier result of the same source (or its changed file); never another's file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The name of a variable to set, at the end, to a BatchSummary of this run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SummaryVariable { get; set; }

    internal override string Activity => "Saving images";

    private protected override string? SummaryVariableName => SummaryVariable;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _destination = new SaveDestination(this, Destination, NameTemplate, RelativeTo);
        // The client first: a bad -BaseUri is reported before the journal is opened.
        OneMinClient client = CreateClient(ResolveBaseUri(), requireKey: false);
        _workflow = new SaveWorkflow(OpenJournal(writes: true), client);
        _names = _workflow.NamesIn(_destination.Folder);
        _saver = new ResultSaver(this, Runner, _workflow, _names);
    }

    protected override void ProcessRecord()
    {
        foreach (BgResult result in InputObject)
        {
            Submit(result);
        }
    }

    protected override void Dispose(bool disposing)
    {
        // The runner first: it waits for the workers, whose downloads may still land in the saver.
        base.Dispose(disposing);
        if (disposing)
        {
            _saver?.Dispose();
        }
    }

    private void Submit(BgResult result)
    {
        Debug.Assert(_destination != null && _workflow != null && _names != null && _saver != null,
            "BeginProcessing makes the workflow");
        SaveWorkflow workflow = _workflow!;
        Received();
        string source = result.SourcePath ?? result.ImageUrl ?? result.Id;
        if (!result.IsSuccess || (result.ResultKeys.Length == 0 && string.IsNullOrEmpty(result.TemporaryUrl)))
        {
            WriteItemError(ErrorRecords.NoResultToSave(result, source));
            return;
        }

        if (_destination!.FolderFor(result, source, out ErrorRecord? outside) is not string folder)
        {
            WriteItemError(outside!);
            return;
        }

        NameParts parts = workflow.PartsFor(result.Id, result.SourcePath, result.ImageUrl, result.ResultKeys,
            result.Size);
        NamePlan plan = _names!.Plan(folder, parts, _destination.Template, Force);
        string path = plan.Path;
        switch (plan.Decision)
        {
            case NameDecision.AlreadySaved:
                // A re-run: this very image is there already, as the journal recorded it. Nothing to do.
                WriteVerbose($"'{path}' already holds result '{result.Id}' (saved {workflow.SavedAt(result.Id):u}); "
                    + "not downloading it again.");
                _names.Claim(path, parts);
                CountDone(reused: true);
                WriteObject(SavedFile.For(this, path, result));
                return;
            case NameDecision.Exists:
                WriteItemError(ErrorRecords.DestinationExists(plan, result, source));
                return;
        }
        if (File.Exists(path) && !plan.Targets[0].Overwrite)
        {
            WriteVerbose($"'{path}' exists without a record of saving result '{result.Id}' there; downloading "
                + "the result to compare: the same image is kept, another one is left as it is and the result "
                + "gets another name.");
        }
        if (!ShouldProcess(path, $"Save the image of result '{result.Id}'"))
        {
            CountSkipped();
            return;
        }

        _names.Claim(path, parts);
        try
        {
            if (_destination.Prepare(folder) is string removed)
            {
                WriteVerbose(removed);
            }
        }
        catch (DestinationUnwritableException ex)
        {
            ThrowTerminatingError(ErrorRecords.DestinationUnwritable(ex));
        }
        if (result.ResultKeys.Length > 1)
        {
            WriteWarning($"Result '{result.Id}' has {result.ResultKeys.Length} images; the service gives a download "
                + "link for the first only, which is saved.");
        }
        _saver!.Start(result, parts, plan);
    }
}
