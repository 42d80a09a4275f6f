using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;
using OneMinBg.Abstractions;
using OneMinBg.Client.Api;
using OneMinBg.Client.Images;
using OneMinBg.Client.Journaling;
using OneMinBg.Client.Workflow;
using OneMinBg.Parameters;
using OneMinBg.Pipeline;

namespace OneMinBg.Commands;

/// <summary>
/// Replaces the background of images: uploads each file, runs 1min.ai's Background Replacer on it
/// with the prompt, and writes one BgResult per image as it completes.
/// </summary>
// LiteralPath is the default set because pipeline binding tries the default set first: that is
// what makes a FileInfo bind by its PSPath (exact, '[' safe) rather than as a wildcard string.
[Cmdlet(VerbsLifecycle.Invoke, "BackgroundReplace", DefaultParameterSetName = LiteralPathSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BgResult))]
public sealed class InvokeBackgroundReplaceCommand : BatchCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string ImageUrlSet = "ImageUrl";
    private const string AutoSize = BackgroundReplacer.AutoSize;

    private Journal? _journal;
    private ReplaceWorkflow? _workflow;
    private Uri? _baseUri;
    private int _reused;
    private int _reusedHere;
    private BgResult? _latest;

    /// <summary>Image files to process; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true,
        ParameterSetName = PathSet)]
    [SupportsWildcards]
    [PathTransformation]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Image files to process, taken as written (no wildcards); Get-ChildItem output binds here.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true,
        ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Asset keys (or absolute URLs) of images already uploaded to 1min.ai.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ImageUrlSet)]
    [ValidateNotNullOrEmpty]
    public string[] ImageUrl { get; set; } = Array.Empty<string>();

    /// <summary>The new background, in words.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateNotBlank]
    [ValidateLength(1, BackgroundReplacer.MaxPromptLength)]
    [ArgumentCompleter(typeof(PromptCompleter))]
    public string Prompt { get; set; } = "";

    /// <summary>Output size; Auto picks the one closest to the source's aspect ratio.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DefaultWhenBlank(AutoSize)]
    [ValidateSet(AutoSize, BackgroundReplacer.SquareSize, BackgroundReplacer.PortraitSize,
        BackgroundReplacer.LandscapeSize)]
    public string Size { get; set; } = AutoSize;

    /// <summary>low, medium or high; higher costs more credits and time.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DefaultWhenBlank(BackgroundReplacer.DefaultQuality)]
    [ValidateSet(BackgroundReplacer.LowQuality, BackgroundReplacer.MediumQuality, BackgroundReplacer.HighQuality)]
    public string Quality { get; set; } = BackgroundReplacer.DefaultQuality;

    /// <summary>auto, opaque or transparent.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DefaultWhenBlank(BackgroundReplacer.DefaultBackground)]
    [ValidateSet(BackgroundReplacer.AutoBackground, BackgroundReplacer.OpaqueBackground,
        BackgroundReplacer.TransparentBackground)]
    public string Background { get; set; } = BackgroundReplacer.DefaultBackground;

    /// <summary>The image model.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = BackgroundReplacer.DefaultModel;

    /// <summary>Pay again even when the journal has a result for the same image and settings.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The name of a variable to set, at the end, to a BatchSummary of this run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SummaryVariable { get; set; }

    internal override string Activity => "Replacing backgrounds";

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _journal = OpenJournal();
        Runner.OnOutput = CountResult;
    }

    protected override void EndProcessing()
    {
        base.EndProcessing();
        WriteJournalWarnings();
        PublishSummary(SummaryVariable, _reusedHere, _reused, _latest?.UsedCredit, _latest?.CreditLimit);
    }

    /// <summary>
    /// Counts what the summary reports; reused results count as done but are not in the runner's count.
    /// </summary>
    private void CountResult(object output)
    {
        if (output is BgResult result)
        {
            if (result.Reused)
            {
                _reused++;
            }
            if (result.UsedCredit != null
                && (_latest?.UsedCredit == null || result.UsedCredit >= _latest.UsedCredit))
            {
                _latest = result;
            }
        }
    }

    protected override void ProcessRecord()
    {
        WriteJournalWarnings();
        if (ParameterSetName == ImageUrlSet)
        {
            foreach (string url in ImageUrl)
            {
                // No local file to measure: Auto falls back to square.
                string size = Resolve(settings => settings.Size(Given(nameof(Size), Size)));
                Submit(null, url, "url:" + url, size == AutoSize ? BackgroundReplacer.SquareSize : size);
            }
            return;
        }

        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string input in literal ? LiteralPath : Path)
        {
            foreach (string file in PathHelper.ResolveFiles(this, input, literal, WriteItemError))
            {
                SubmitFile(file);
            }
        }
    }

    private void SubmitFile(string file)
    {
        // Checked here, before any upload, so a bad file costs nothing and fails in input order.
        // The content hash is what the journal knows the image by (not its name).
        SourceImage image;
        try
        {
            image = ImageInspector.Check(file);
        }
        catch (Exception ex) when (ex is InvalidImageException or IOException or UnauthorizedAccessException)
        {
            WriteItemError(ErrorRecords.FromFile(ex, file));
            return;
        }

        string size = Resolve(settings => settings.Size(Given(nameof(Size), Size)));
        Submit(image, null, image.Sha256,
            size == AutoSize ? BackgroundReplacer.ClosestSize(image.Info.Width, image.Info.Height) : size);
    }

    private void Submit(SourceImage? image, string? imageUrl, string contentSha256, string size)
    {
        string? file = image?.Path;
        string target = file ?? imageUrl!;
        Debug.Assert(_journal != null, "BeginProcessing opens the journal");
        Journal journal = _journal!;
        _baseUri ??= ResolveBaseUri();
        // Pipeline-bound parameters change with the next input: capture this input's values now.
        var request = new ImageRequest(contentSha256, file, imageUrl, Prompt, size,
            Resolve(settings => settings.Quality(Given(nameof(Quality), Quality))),
            Resolve(settings => settings.Background(Given(nameof(Background), Background))),
            Resolve(settings => settings.Model(Given(nameof(Model), Model))), _baseUri);

        if (!Force && ReplaceWorkflow.EarlierResult(journal, request) is JournalEntry done)
        {
            if (ShouldProcess(target,
                $"Reuse the earlier result {done.RecordId} of the same image and settings (no charge)"))
            {
                WriteVerbose($"{ReplaceWorkflow.Describe(request)}: reusing result {done.RecordId} of "
                    + $"{done.CompletedAt:u} from the journal (same image and settings); -Force pays for a new one.");
                _reusedHere++;
                Runner.WriteOutput(BgResult.From(done, file, reused: true));
            }
            else
            {
                CountSkipped();
            }
            return;
        }

        if (!ShouldProcess(target,
            $"Replace the background ({size}, quality {request.Quality}), spending 1min.ai credits"))
        {
            CountSkipped();
            return;
        }

        _workflow ??= new ReplaceWorkflow(journal, CreateClient(_baseUri), StaleClaimAfter());
        ReplaceWorkflow workflow = _workflow;
        bool force = Force;
        Runner.Start(target, item => ReplaceAsync(item, workflow, request, image, force));
    }

    /// <summary>Runs one image through the workflow on a worker; what comes back becomes output or an error.</summary>
    private static async Task ReplaceAsync(BatchRunner.WorkItem item, ReplaceWorkflow workflow,
        ImageRequest request, SourceImage? image, bool force)
    {
        object target = (object?)image?.Path ?? request.ImageUrl!;
        string subject = ReplaceWorkflow.Describe(request);
        try
        {
            ReplaceResult result = await workflow.RunAsync(request, image, force, item, item.BatchToken,
                item.StopToken).ConfigureAwait(false);
            item.Output(BgResult.From(result.Entry, image?.Path, result.Reused));
            if (result.NotRecorded != null)
            {
                // Paid for and written out (Save-BgImage saves it): the error says where it is kept. It counts
                // as failed in the summary, so a scheduled task notices the journal's trouble.
                item.Error(ErrorRecords.ResultNotRecorded(result.NotRecorded, target, subject));
            }
        }
        catch (OneMinApiException ex)
        {
            item.Fail(ex, target, subject);
        }
        catch (JournalUnavailableException ex)
        {
            ErrorRecord record = ErrorRecords.JournalUnavailable(ex, target, subject);
            if (FailurePolicy.StopsBatch(ex))
            {
                item.Fatal(record);
            }
            else
            {
                item.Error(record);
            }
        }
        catch (HeldByOtherRunException ex)
        {
            item.Error(ErrorRecords.HeldByOtherRun(ex, target));
        }
        catch (Exception ex) when (image != null
            && ex is InvalidImageException or IOException or UnauthorizedAccessException)
        {
            item.Error(ErrorRecords.FromFile(ex, image.Path));
        }
    }

    /// <summary>What the journal met while reading (a line too long to be one of ours), said once.</summary>
    private void WriteJournalWarnings()
    {
        Debug.Assert(_journal != null, "BeginProcessing opens the journal");
        foreach (string warning in _journal!.TakeWarnings())
        {
            WriteWarning(warning);
        }
    }

    /// <summary>A claim older than the longest a call can take belongs to a run that is gone.</summary>
    private TimeSpan StaleClaimAfter() =>
        TimeSpan.FromSeconds((double)TimeoutSec * (MaximumRetryCount + 2)) + TimeSpan.FromMinutes(5);
}
