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
    private bool _whatIf;
    private int _wouldSend;
    private int _wouldReuse;

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

    // The prompt and the choices below are checked by the command, not by the binder: a piped row the
    // binder refused would never reach the command, so it could not be counted in the summary.

    /// <summary>The new background, in words; each piped row may bring its own.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PromptCompleter))]
    public string? Prompt { get; set; }

    /// <summary>Output size; Auto picks the one closest to the source's aspect ratio.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [PipelineChoice]
    [ArgumentCompleter(typeof(SizeCompleter))]
    public string Size { get; set; } = AutoSize;

    /// <summary>low, medium or high; higher costs more credits and time.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [PipelineChoice]
    [ArgumentCompleter(typeof(QualityCompleter))]
    public string Quality { get; set; } = BackgroundReplacer.DefaultQuality;

    /// <summary>auto, opaque or transparent.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [PipelineChoice]
    [ArgumentCompleter(typeof(BackgroundCompleter))]
    public string Background { get; set; } = BackgroundReplacer.DefaultBackground;

    /// <summary>The image model.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = BackgroundReplacer.DefaultModel;

    /// <summary>Pay again even when the journal has a result for the same image and settings.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The name of a variable to set, when the command ends, to a BatchSummary of this run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SummaryVariable { get; set; }

    internal override string Activity => "Replacing backgrounds";

    private protected override string? SummaryVariableName => SummaryVariable;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        // Only the command line's values are bound yet: a typo there stops the command before any work.
        if (CheckChoices(input: null) is ErrorRecord typo)
        {
            ThrowTerminatingError(typo);
        }
        _whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? whatIf)
            ? ((SwitchParameter)whatIf).IsPresent
            : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
        _journal = OpenJournal();
        Runner.OnOutput = CountResult;
    }

    protected override void EndProcessing()
    {
        base.EndProcessing();
        WriteJournalWarnings();
        if (_whatIf)
        {
            Host.UI.WriteLine($"What if: {Count(_wouldSend, "image")} would be sent (spending credits), "
                + $"{_wouldReuse} reused from the journal, {ItemErrors} failed checks");
        }
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    /// <summary>Counts what the summary reports of the results workers write.</summary>
    private void CountResult(object output)
    {
        if (output is BgResult result)
        {
            if (result.Reused)
            {
                CountReused();
            }
            CountCredit(result.UsedCredit, result.CreditLimit);
        }
    }

    protected override void ProcessRecord()
    {
        WriteJournalWarnings();
        bool literal = ParameterSetName == LiteralPathSet;
        string[] inputs = ParameterSetName == ImageUrlSet ? ImageUrl : literal ? LiteralPath : Path;
        foreach (string input in inputs)
        {
            if (CheckChoices(input) is ErrorRecord problem)
            {
                Received();
                WriteItemError(problem);
            }
            else if (ParameterSetName == ImageUrlSet)
            {
                Received();
                Submit(null, input, "url:" + input);
            }
            else
            {
                foreach (string file in PathHelper.ResolveFiles(this, input, literal, NotFound))
                {
                    Received();
                    SubmitFile(file);
                }
            }
        }
    }

    private void NotFound(ErrorRecord record)
    {
        Received();
        WriteItemError(record);
    }

    /// <summary>
    /// Checks the prompt and the choices bound now, and puts the choices in the service's spelling. With
    /// <paramref name="input"/> they are that input's (a piped row's); without, the command line's.
    /// </summary>
    private ErrorRecord? CheckChoices(string? input)
    {
        if (input != null && string.IsNullOrWhiteSpace(Prompt))
        {
            // Not given, or an empty cell: the row has no prompt (the command line's is checked in Begin).
            return ErrorRecords.PromptMissing(input);
        }
        if (input == null && !IsBound(nameof(Prompt)) && !MyInvocation.ExpectingInput)
        {
            // Nothing can bring a prompt later: a mistake on the command line, reported before any work.
            return ErrorRecords.PromptMissing(null);
        }
        if (IsBound(nameof(Prompt)) && BackgroundReplacer.PromptProblem(Prompt) is string problem)
        {
            return ErrorRecords.InvalidArgument(nameof(Prompt), problem, input, Prompt);
        }
        return Check(ReplacerChoice.Size, Size, value => Size = value, input)
            ?? Check(ReplacerChoice.Quality, Quality, value => Quality = value, input)
            ?? Check(ReplacerChoice.Background, Background, value => Background = value, input);
    }

    private ErrorRecord? Check(ReplacerChoice choice, string value, Action<string> normalized, string? input)
    {
        if (Chosen(choice.Name, value) == null)
        {
            return null;
        }
        string? found = choice.Find(value);
        if (found == null)
        {
            return ErrorRecords.InvalidArgument(choice.Name, choice.Refusal(value), input, value);
        }
        normalized(found);
        return null;
    }

    /// <summary>A choice given on the command line or by this row; blank (an empty cell) means not given.</summary>
    private string? Chosen(string parameterName, string value) =>
        IsBound(parameterName) && !string.IsNullOrWhiteSpace(value) ? value : null;

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
        Submit(image, null, image.Sha256);
    }

    private void Submit(SourceImage? image, string? imageUrl, string contentSha256)
    {
        string? file = image?.Path;
        string target = file ?? imageUrl!;
        Debug.Assert(_journal != null, "BeginProcessing opens the journal");
        Journal journal = _journal!;
        ImageRequest request;
        try
        {
            request = Request(image, imageUrl, contentSha256);
        }
        catch (PipelineStoppedException)
        {
            // A setting that cannot be used (a bad saved value): this item met the terminating error.
            CountFailed();
            throw;
        }

        if (!Force && ReplaceWorkflow.EarlierResult(journal, request) is JournalEntry done)
        {
            if (ShouldProcess(target,
                $"Reuse the earlier result {done.RecordId} of the same image and settings (no charge)"))
            {
                WriteVerbose($"{ReplaceWorkflow.Describe(request)}: reusing result {done.RecordId} of "
                    + $"{done.CompletedAt:u} from the journal (same image and settings); -Force pays for a new one.");
                BgResult result = BgResult.From(done, file, reused: true);
                CountDone(reused: true);
                CountCredit(result.UsedCredit, result.CreditLimit);
                WriteObject(result);
            }
            else
            {
                _wouldReuse += _whatIf ? 1 : 0;
                CountSkipped();
            }
            return;
        }

        if (!ShouldProcess(target,
            $"Replace the background ({request.Size}, quality {request.Quality}), spending 1min.ai credits"))
        {
            _wouldSend += _whatIf ? 1 : 0;
            CountSkipped();
            return;
        }

        try
        {
            _workflow ??= new ReplaceWorkflow(journal, CreateClient(_baseUri!), StaleClaimAfter());
        }
        catch (PipelineStoppedException)
        {
            // No key, or a -BaseUri the client refuses: this item met the terminating error.
            CountFailed();
            throw;
        }
        ReplaceWorkflow workflow = _workflow;
        bool force = Force;
        Runner.Start(target, item => ReplaceAsync(item, workflow, request, image, force));
    }

    /// <summary>
    /// This input's request. Pipeline-bound parameters change with the next input: its values are captured now.
    /// </summary>
    private ImageRequest Request(SourceImage? image, string? imageUrl, string contentSha256)
    {
        _baseUri ??= ResolveBaseUri();
        string size = Resolve(settings => settings.Size(Chosen(nameof(Size), Size)));
        if (size == AutoSize)
        {
            // No local file to measure (-ImageUrl): Auto falls back to square.
            size = image == null
                ? BackgroundReplacer.SquareSize
                : BackgroundReplacer.ClosestSize(image.Info.Width, image.Info.Height);
        }
        return new ImageRequest(contentSha256, image?.Path, imageUrl, Prompt!, size,
            Resolve(settings => settings.Quality(Chosen(nameof(Quality), Quality))),
            Resolve(settings => settings.Background(Chosen(nameof(Background), Background))),
            Resolve(settings => settings.Model(Given(nameof(Model), Model))), _baseUri);
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
