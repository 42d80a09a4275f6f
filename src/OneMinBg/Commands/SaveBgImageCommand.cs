using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;
using OneMinBg.Abstractions;
using OneMinBg.Client.Api;
using OneMinBg.Client.Downloads;
using OneMinBg.Client.Workflow;
using OneMinBg.Pipeline;

namespace OneMinBg.Commands;

/// <summary>
/// Downloads the images of BgResults into a folder, each as "&lt;source name&gt;_bg.&lt;ext&gt;" (or a
/// -NameTemplate), and writes a FileInfo per file. A download goes to a temporary name first and is moved
/// into place on the pipeline thread together with its output, so a file in place always reached the pipeline.
/// </summary>
[Cmdlet(VerbsData.Save, "BgImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class SaveBgImageCommand : BatchCmdlet
{
    private readonly HashSet<string> _readyFolders = new HashSet<string>(StringComparer.Ordinal);
    // Downloaded, not yet in place: deleted if the command ends before the pipeline thread gets to them.
    private readonly ConcurrentDictionary<FetchedImage, bool> _pending = new ConcurrentDictionary<FetchedImage, bool>();
    private string _folder = "";
    private string? _relativeTo;
    private Client.Downloads.NameTemplate _template = Client.Downloads.NameTemplate.Default;
    private SaveWorkflow? _workflow;
    private DestinationNames? _names;

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
        string? folder = PathHelper.ResolveFolder(this, Destination, "-Destination", out ErrorRecord? error);
        if (folder == null)
        {
            ThrowTerminatingError(error!);
        }
        _folder = Path.GetFullPath(folder!);
        if (NameTemplate != null)
        {
            try
            {
                _template = Client.Downloads.NameTemplate.Parse(NameTemplate);
            }
            catch (FormatException ex)
            {
                ThrowTerminatingError(ErrorRecords.Create(ex, "InvalidNameTemplate", ErrorCategory.InvalidArgument,
                    NameTemplate, ex.Message));
            }
        }
        if (RelativeTo != null)
        {
            _relativeTo = ResolveRelativeTo(RelativeTo);
        }
        // The client first: a bad -BaseUri is reported before the journal is opened.
        OneMinClient client = CreateClient(ResolveBaseUri(), requireKey: false);
        _workflow = new SaveWorkflow(OpenJournal(), client);
        _names = _workflow.NamesIn(_folder);
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
        // The runner first: it waits for the workers, whose downloads may still land in _pending.
        base.Dispose(disposing);
        if (disposing)
        {
            foreach (FetchedImage fetched in _pending.Keys)
            {
                fetched.Discard();
            }
            _pending.Clear();
        }
    }

    private void Submit(BgResult result)
    {
        Debug.Assert(_workflow != null && _names != null, "BeginProcessing makes the workflow");
        SaveWorkflow workflow = _workflow!;
        Received();
        string source = result.SourcePath ?? result.ImageUrl ?? result.Id;
        if (!result.IsSuccess || (result.ResultKeys.Length == 0 && string.IsNullOrEmpty(result.TemporaryUrl)))
        {
            WriteItemError(ErrorRecords.Create("NoResultToSave", ErrorCategory.InvalidArgument, result,
                $"Result '{result.Id}' of '{source}' has status '{result.Status}' and no image to save. "
                + $"Look it up with Get-BgResult -Id '{result.Id}', or run Invoke-BackgroundReplace again for it."));
            return;
        }

        string? folder = FolderFor(result, source);
        if (folder == null)
        {
            return;
        }

        NameParts parts = workflow.PartsFor(result.Id, result.SourcePath, result.ImageUrl, result.ResultKeys,
            result.Size);
        NamePlan plan = _names!.Plan(folder, parts, _template, Force);
        string path = plan.Path;
        switch (plan.Decision)
        {
            case NameDecision.AlreadySaved:
                // A re-run: this very image is there already, as the journal recorded it. Nothing to do.
                WriteVerbose($"'{path}' already holds result '{result.Id}' (saved {workflow.SavedAt(result.Id):u}); "
                    + "not downloading it again.");
                _names.Claim(path, parts);
                CountDone(reused: true);
                WriteObject(new FileInfo(path));
                return;
            case NameDecision.Exists:
                WriteItemError(ErrorRecords.Create("DestinationExists", ErrorCategory.ResourceExists, path,
                    ExistsMessage(plan, result, source)));
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
        EnsureFolder(folder);
        if (result.ResultKeys.Length > 1)
        {
            WriteWarning($"Result '{result.Id}' has {result.ResultKeys.Length} images; the service gives a download "
                + "link for the first only, which is saved.");
        }
        Runner.Start(result, item => SaveAsync(item, workflow, result, parts, plan));
    }

    private static string ExistsMessage(NamePlan plan, BgResult result, string source) => plan.Reason switch
    {
        ExistsReason.ChangedSinceSaved =>
            $"'{plan.Path}' was saved as result '{result.Id}' of '{source}' and has changed since; it was left as it "
            + "is. Use -Force to save the result over it, or choose another -Destination.",
        ExistsReason.EarlierResult =>
            $"'{plan.Path}' holds an earlier result of the same source '{source}'; it was left as it is. Use -Force "
            + $"to replace it with result '{result.Id}', or choose another -Destination or -NameTemplate.",
        _ =>
            $"'{plan.Path}' and the other names result '{result.Id}' of '{source}' could have are taken by files of "
            + "other sources or files the journal does not know; nothing was overwritten. Choose another "
            + "-Destination or -NameTemplate.",
    };

    /// <summary>The folder a result goes to: -Destination, or with -RelativeTo its source's folders below it.
    /// Null (with an error written) for a source outside -RelativeTo.</summary>
    private string? FolderFor(BgResult result, string source)
    {
        if (_relativeTo == null)
        {
            return _folder;
        }
        string? folder = string.IsNullOrEmpty(result.SourcePath) ? null
            : RelativeFolders.Under(_folder, _relativeTo, result.SourcePath!);
        if (folder == null)
        {
            WriteItemError(ErrorRecords.Create("SourceOutsideRelativeTo", ErrorCategory.InvalidArgument, result,
                $"'{source}' is not a file inside -RelativeTo '{_relativeTo}', so its folders cannot be kept; result "
                + $"'{result.Id}' was not saved. Save it without -RelativeTo, or give a -RelativeTo that holds it."));
        }
        return folder;
    }

    private string ResolveRelativeTo(string path)
    {
        string? resolved = PathHelper.ResolveForWriting(this, path, "-RelativeTo", out ErrorRecord? error);
        if (resolved == null)
        {
            ThrowTerminatingError(error!);
        }
        if (!Directory.Exists(resolved))
        {
            ThrowTerminatingError(ErrorRecords.Create("RelativeToNotFound", ErrorCategory.ObjectNotFound, path,
                $"-RelativeTo '{resolved}' is not a folder. Give the folder the sources were found in, e.g. the "
                + "-Path of Get-ChildItem -Recurse."));
        }
        return Path.GetFullPath(resolved!);
    }

    private void EnsureFolder(string folder)
    {
        if (!_readyFolders.Add(folder))
        {
            return;
        }
        try
        {
            // Downloads of a killed run stay as temporary files; those of saves still running are kept.
            string? removed = SaveWorkflow.PrepareFolder(folder);
            if (removed != null)
            {
                WriteVerbose(removed);
            }
        }
        catch (DestinationUnwritableException ex)
        {
            ThrowTerminatingError(Unwritable(ex));
        }
    }

    private static ErrorRecord Unwritable(DestinationUnwritableException ex) =>
        ErrorRecords.Create(ex, "DestinationUnwritable", ErrorCategory.WriteError, ex.Folder,
            ex.Message + " Nothing more is saved there; choose another -Destination or grant write access.");

    /// <summary>Downloads one result on a worker; the pipeline thread moves it into place and writes it.</summary>
    private async Task SaveAsync(BatchRunner.WorkItem item, SaveWorkflow workflow, BgResult result, NameParts parts,
        NamePlan plan)
    {
        string subject = $"Result '{result.Id}' of '{result.SourcePath ?? result.ImageUrl ?? result.Id}'";
        FetchedImage fetched;
        try
        {
            fetched = await workflow.FetchAsync(result.Id, result.TemporaryUrl, result.BaseUri, subject, plan.Path,
                result.Size, item, item.BatchToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Report(item, ex, result, subject, plan.Path))
        {
            return;
        }
        _pending[fetched] = true;
        item.OnPipelineThread(() =>
        {
            if (!_pending.TryRemove(fetched, out _))
            {
                return;
            }
            try
            {
                DownloadedFile file = workflow.Commit(result.Id, fetched, plan.Targets, subject, item);
                _names!.Claim(file.Path, parts);
                Runner.WriteOutput(new FileInfo(file.Path));
            }
            catch (Exception ex) when (Report(item, ex, result, subject, plan.Path))
            {
            }
        });
    }

    /// <summary>Reports a failure of one save; false for what is not ours to report (a bug, a cancellation).
    /// </summary>
    private static bool Report(BatchRunner.WorkItem item, Exception ex, BgResult result, string subject, string path)
    {
        switch (ex)
        {
            case OneMinApiException api:
                item.Fail(api, result, subject);
                return true;
            case DestinationUnwritableException unwritable:
                item.Fatal(Unwritable(unwritable));
                return true;
            case DestinationExistsException exists:
                item.Error(ErrorRecords.Create(ex, "DestinationExists", ErrorCategory.ResourceExists, path,
                    exists.ContentDiffers
                        ? $"'{path}' already exists and holds another image than {subject}, and so do the other "
                            + "names it could have; they were left as they are. Choose another -Destination or "
                            + "-NameTemplate."
                        : $"'{path}' appeared while {subject} was downloading; it was left as it is."));
                return true;
            case IOException or UnauthorizedAccessException:
                item.Error(ErrorRecords.Create(ex, "DestinationUnwritable", ErrorCategory.WriteError, path,
                    $"Cannot write '{path}' for {subject}: {ex.Message}"));
                return true;
            default:
                return false;
        }
    }
}
