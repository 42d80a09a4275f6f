using System;
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
/// Downloads the images of BgResults into a folder, each as "&lt;source name&gt;_bg.&lt;ext&gt;", and
/// writes a FileInfo per file. A download goes to a temporary name first, so a failure leaves no file.
/// </summary>
[Cmdlet(VerbsData.Save, "BgImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class SaveBgImageCommand : BatchCmdlet
{
    private readonly Dictionary<string, string> _claimed =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    private string _folder = "";
    private bool _folderReady;
    private SaveWorkflow? _workflow;

    /// <summary>Results from Invoke-BackgroundReplace or Get-BgResult.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public BgResult[] InputObject { get; set; } = Array.Empty<BgResult>();

    /// <summary>The folder to save into; created if missing. Default: the current location.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = ".";

    /// <summary>Overwrite files that already exist.</summary>
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
        _folder = folder!;
        // The client first: a bad -BaseUri is reported before the journal is opened.
        OneMinClient client = CreateClient(ResolveBaseUri(), requireKey: false);
        _workflow = new SaveWorkflow(OpenJournal(), client);
    }

    protected override void ProcessRecord()
    {
        foreach (BgResult result in InputObject)
        {
            Submit(result);
        }
    }

    private void Submit(BgResult result)
    {
        Debug.Assert(_workflow != null, "BeginProcessing makes the workflow");
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

        string path = ClaimPath(result);
        switch (workflow.Plan(result.Id, path, Force))
        {
            case SavePlan.AlreadySaved:
                // A re-run: this very image is there already, as the journal recorded it. Nothing to do.
                WriteVerbose($"'{path}' already holds result '{result.Id}' (saved {workflow.SavedAt(result.Id):u}); "
                    + "not downloading it again.");
                CountDone(reused: true);
                WriteObject(new FileInfo(path));
                return;
            case SavePlan.DestinationExists:
                WriteItemError(ErrorRecords.Create("DestinationExists", ErrorCategory.ResourceExists, path,
                    $"'{path}' already exists (result '{result.Id}' of '{source}'). Use -Force to overwrite it, "
                    + "or choose another -Destination."));
                return;
            case SavePlan.Compare:
                WriteVerbose($"'{path}' exists without a record of saving result '{result.Id}' there; downloading "
                    + "the result to compare: the same image is kept, another one is left as it is.");
                break;
        }
        if (!ShouldProcess(path, $"Save the image of result '{result.Id}'"))
        {
            CountSkipped();
            return;
        }

        EnsureFolder();
        if (result.ResultKeys.Length > 1)
        {
            WriteWarning($"Result '{result.Id}' has {result.ResultKeys.Length} images; the service gives a download "
                + "link for the first only, which is saved.");
        }
        bool overwrite = Force;
        Runner.Start(result, item => SaveAsync(item, workflow, result, path, overwrite));
    }

    /// <summary>
    /// A deterministic name inside the destination. Two different results that map to the same
    /// name in one run (cat.png and cat.jpg) each keep theirs: the later one gets its id appended.
    /// </summary>
    private string ClaimPath(BgResult result)
    {
        string name = ResultFileName.For(result.Id, result.SourcePath, result.ImageUrl, result.ResultKeys);
        string path = Path.Combine(_folder, name);
        if (_claimed.TryGetValue(path, out string? owner) && owner != result.Id)
        {
            name = ResultFileName.For(result.Id, result.SourcePath, result.ImageUrl, result.ResultKeys, withId: true);
            path = Path.Combine(_folder, name);
        }
        _claimed[path] = result.Id;
        return path;
    }

    private void EnsureFolder()
    {
        if (_folderReady)
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(_folder);
            _folderReady = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(ErrorRecords.Create(ex, "DestinationUnwritable", ErrorCategory.WriteError, _folder,
                $"Cannot create the folder '{_folder}': {ex.Message} "
                + "Choose another -Destination or grant write access."));
        }

        // Downloads of a killed run stay as temporary files; those of saves still running are kept.
        string? removed = SaveWorkflow.RemoveStaleDownloads(_folder);
        if (removed != null)
        {
            WriteVerbose(removed);
        }
    }

    /// <summary>Saves one result on a worker; what comes back becomes output or an error.</summary>
    private static async Task SaveAsync(BatchRunner.WorkItem item, SaveWorkflow workflow, BgResult result,
        string path, bool overwrite)
    {
        string subject = $"Result '{result.Id}' of '{result.SourcePath ?? result.ImageUrl ?? result.Id}'";
        try
        {
            DownloadedFile file = await workflow.SaveAsync(result.Id, result.TemporaryUrl, result.BaseUri, subject,
                path, overwrite, result.Size, item, item.BatchToken).ConfigureAwait(false);
            item.Output(new FileInfo(file.Path));
        }
        catch (OneMinApiException ex)
        {
            item.Fail(ex, result, subject);
        }
        catch (DestinationExistsException ex) when (ex.ContentDiffers)
        {
            item.Error(ErrorRecords.Create(ex, "DestinationExists", ErrorCategory.ResourceExists, path,
                $"'{path}' already exists and holds another image than {subject}; it was left as it is. "
                + "Use -Force to overwrite it, or choose another -Destination."));
        }
        catch (DestinationExistsException ex)
        {
            // Another process or result wrote the file while this one downloaded.
            item.Error(ErrorRecords.Create(ex, "DestinationExists", ErrorCategory.ResourceExists, path,
                $"'{path}' appeared while {subject} was downloading; it was left as it is. "
                + "Use -Force to overwrite it."));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            item.Error(ErrorRecords.Create(ex, "DestinationUnwritable", ErrorCategory.WriteError, path,
                $"Cannot write '{path}' for {subject}: {ex.Message}"));
        }
    }
}
