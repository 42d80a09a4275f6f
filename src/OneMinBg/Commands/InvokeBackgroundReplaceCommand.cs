using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
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

    private Journal? _journal;
    private ReplaceWorkflow? _workflow;
    private Uri? _baseUri;
    private WhatIfTally? _whatIf;
    private string? _model;

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

    // The prompt and the choices below are checked by the command (InputChoices), not by the binder.

    /// <summary>The new background, in words; each piped row may bring its own.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PromptCompleter))]
    public string? Prompt { get; set; }

    /// <summary>Auto, Source or WxH, checked against the model's sizes (ImageModels).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [PipelineChoice]
    [ArgumentCompleter(typeof(SizeCompleter))]
    public string Size { get; set; } = BackgroundReplacer.AutoSize;

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

    /// <summary>The image model; one the module does not know is sent as given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelCompleter))]
    public string Model { get; set; } = BackgroundReplacer.DefaultModel;

    /// <summary>Pay again even when the journal has a result for the same image and settings.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The name of a variable to set, when the command ends, to a BatchSummary of this run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SummaryVariable { get; set; }

    /// <summary>How long to wait for an image the service accepted and works on (async); -TimeoutSec bounds
    /// each HTTP call.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int ResultWaitSec { get; set; } = 1800;

    internal override string Activity => "Replacing backgrounds";

    private protected override TimeSpan? ResultWait => TimeSpan.FromSeconds(ResultWaitSec);

    private protected override string? SummaryVariableName => SummaryVariable;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _model = Resolve(settings => settings.Model(Given(nameof(Model), Model)));
        if (ImageModels.Find(_model) == null)
        {
            WriteVerbose($"The model '{_model}' is not one the module knows ({string.Join(", ",
                ImageModels.Known.Select(known => known.Name))}): it is sent as given, and its sizes are the service's "
                + "to check.");
        }
        // Only the command line's values are bound yet: a typo there stops the command before any work.
        if (Choices().Check(input: null) is ErrorRecord typo)
        {
            ThrowTerminatingError(typo);
        }
        _whatIf = new WhatIfTally(this);
        _journal = OpenJournal(writes: true);
        Runner.OnOutput = CountResult;
    }

    protected override void EndProcessing()
    {
        base.EndProcessing();
        WriteJournalWarnings();
        if (_whatIf?.Summary(ItemErrors) is string whatIf)
        {
            Host.UI.WriteLine(whatIf);
        }
    }

    /// <summary>Counts what the summary reports of the results workers write.</summary>
    private void CountResult(object output)
    {
        if (output is BgResult result)
        {
            if (result.Reused)
            {
                CountReused(); // paid for by another run: nothing of it is this batch's spending
            }
            else
            {
                CountCredit(result.TeamCreditsUsed, result.TeamCreditLimit, result.Credits);
            }
        }
    }

    protected override void ProcessRecord()
    {
        WriteJournalWarnings();
        bool literal = ParameterSetName == LiteralPathSet;
        string[] inputs = ParameterSetName == ImageUrlSet ? ImageUrl : literal ? LiteralPath : Path;
        // Every input's files are found before any is sent, so progress knows the total when nothing is piped;
        // each input is then taken in order (errors included), as it was given.
        var steps = new List<Action>();
        foreach (string input in inputs)
        {
            InputChoices choices = Choices();
            if (choices.Check(input) is ErrorRecord problem)
            {
                steps.Add(() =>
                {
                    Received();
                    WriteItemError(problem);
                });
            }
            else if (ParameterSetName == ImageUrlSet)
            {
                steps.Add(() =>
                {
                    Received();
                    Submit(null, input, "url:" + input, choices);
                });
            }
            else
            {
                foreach (string file in PathHelper.ResolveFiles(this, input, literal,
                    record => steps.Add(() => NotFound(record))))
                {
                    steps.Add(() =>
                    {
                        Received();
                        SubmitFile(file, choices);
                    });
                }
            }
        }

        if (!MyInvocation.ExpectingInput)
        {
            ExpectTotal(steps.Count);
        }
        foreach (Action step in steps)
        {
            step();
        }
    }

    /// <summary>Wildcards expand: the files are counted in ProcessRecord, not the values given.</summary>
    private protected override bool CountsGivenInput => false;

    private void NotFound(ErrorRecord record)
    {
        Received();
        WriteItemError(record);
    }

    private string ModelName
    {
        get
        {
            Debug.Assert(_model != null, "BeginProcessing resolves the model");
            return _model!;
        }
    }

    private InputChoices Choices() => new InputChoices(MyInvocation, Prompt, Size, Quality, Background,
        ModelName, measurable: ParameterSetName != ImageUrlSet);

    private void SubmitFile(string file, InputChoices choices)
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
        Submit(image, null, image.Sha256, choices);
    }

    private void Submit(SourceImage? image, string? imageUrl, string contentSha256, InputChoices choices)
    {
        string? file = image?.Path;
        string target = file ?? imageUrl!;
        Debug.Assert(_journal != null, "BeginProcessing opens the journal");
        Journal journal = _journal!;
        ImageRequest? request;
        try
        {
            request = Request(image, imageUrl, contentSha256, choices);
        }
        catch (PipelineStoppedException)
        {
            // A setting that cannot be used (a bad saved value): this item met the terminating error.
            CountFailed();
            throw;
        }
        if (request == null)
        {
            return;
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
                WriteObject(result);
            }
            else
            {
                _whatIf!.WouldReuse();
                CountSkipped();
            }
            return;
        }

        if (!ShouldProcess(target,
            $"Replace the background ({request.Size}, quality {request.Quality}), spending 1min.ai credits"))
        {
            _whatIf!.WouldSend();
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
        Runner.Start(target, new ReplaceItem(_workflow, request, image, Force).RunAsync);
    }

    /// <summary>
    /// This input's request, or null (an item error written) when the saved size does not fit the model.
    /// Pipeline-bound parameters change with the next input: its values are captured now.
    /// </summary>
    private ImageRequest? Request(SourceImage? image, string? imageUrl, string contentSha256, InputChoices choices)
    {
        _baseUri ??= ResolveBaseUri();
        string size = Resolve(settings => settings.Size(choices.Size));
        if (choices.Size == null && ImageModels.SizeProblem(ModelName, size, image != null) is string problem)
        {
            WriteItemError(ErrorRecords.InvalidArgument(nameof(Size),
                $"The saved size (Set-OneMinBgConfig -Size) does not fit: {problem}", image?.Path ?? imageUrl, size));
            return null;
        }
        // Auto and Source are worked out from the source; without a local file (-ImageUrl) Auto is 1024x1024.
        size = ImageModels.Resolve(ModelName, size, image?.Info.Width, image?.Info.Height);
        return new ImageRequest(contentSha256, image?.Path, imageUrl, choices.Prompt!, size,
            Resolve(settings => settings.Quality(choices.Quality)),
            Resolve(settings => settings.Background(choices.Background)), ModelName, _baseUri);
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
