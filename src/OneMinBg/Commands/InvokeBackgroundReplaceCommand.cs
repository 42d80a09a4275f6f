using System;
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
    private const string AutoSize = "Auto";

    private OneMinClient? _client;
    private Uri? _baseUri;

    /// <summary>Image files to process; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [PathTransformation]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Image files to process, taken as written (no wildcards); Get-ChildItem output binds here.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
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
    [ValidateLength(1, BackgroundRequest.MaxPromptLength)]
    [ArgumentCompleter(typeof(PromptCompleter))]
    public string Prompt { get; set; } = "";

    /// <summary>Output size; Auto picks the one closest to the source's aspect ratio.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DefaultWhenBlank(AutoSize)]
    [ValidateSet(AutoSize, "1024x1024", "1024x1536", "1536x1024")]
    public string Size { get; set; } = AutoSize;

    /// <summary>low, medium or high; higher costs more credits and time.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DefaultWhenBlank("medium")]
    [ValidateSet("low", "medium", "high")]
    public string Quality { get; set; } = "medium";

    /// <summary>auto, opaque or transparent.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DefaultWhenBlank("auto")]
    [ValidateSet("auto", "opaque", "transparent")]
    public string Background { get; set; } = "auto";

    /// <summary>The image model.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = BackgroundRequest.DefaultModel;

    /// <summary>Pay again even when the journal has a result for the same image and settings.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The name of a variable to set, at the end, to a BatchSummary of this run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SummaryVariable { get; set; }

    internal override string Activity => "Replacing backgrounds";

    private Journal _journal = null!;
    private int _reused;
    private int _reusedHere;
    private BgResult? _latest;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _journal = OpenJournal();
        Runner.OnOutput = CountResult;
    }

    protected override void EndProcessing()
    {
        base.EndProcessing();
        PublishSummary(SummaryVariable, _reusedHere, _reused, _latest?.UsedCredit, _latest?.CreditLimit);
    }

    /// <summary>Counts what the summary reports; reused results count as done but are not in the runner's count.</summary>
    private void CountResult(object output)
    {
        if (output is BgResult result)
        {
            if (result.Reused)
            {
                _reused++;
            }
            if (result.UsedCredit != null && (_latest?.UsedCredit == null || result.UsedCredit >= _latest.UsedCredit))
            {
                _latest = result;
            }
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ImageUrlSet)
        {
            foreach (string url in ImageUrl)
            {
                // No local file to measure: Auto falls back to square.
                string size = Resolve(settings => settings.Size(Given(nameof(Size), Size)));
                Submit(null, url, "url:" + url, size == AutoSize ? ImageInspector.SquareSize : size);
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
        ImageInfo image;
        string sha256;
        try
        {
            image = ImageInspector.Inspect(file);
            sha256 = JournalRequest.HashFile(file);
        }
        catch (Exception ex) when (ex is InvalidImageException or IOException or UnauthorizedAccessException)
        {
            WriteItemError(ErrorRecords.FromFile(ex, file));
            return;
        }

        string size = Resolve(settings => settings.Size(Given(nameof(Size), Size)));
        Submit(file, null, sha256, size == AutoSize ? ImageInspector.ClosestSize(image.Width, image.Height) : size);
    }

    private void Submit(string? file, string? imageUrl, string contentSha256, string size)
    {
        string target = file ?? imageUrl!;
        _baseUri ??= ResolveBaseUri();
        // Pipeline-bound parameters change with the next input: capture this input's values now.
        var request = new JournalRequest(contentSha256, file, imageUrl, Prompt, size,
            Resolve(settings => settings.Quality(Given(nameof(Quality), Quality))),
            Resolve(settings => settings.Background(Given(nameof(Background), Background))),
            Resolve(settings => settings.Model(Given(nameof(Model), Model))), _baseUri);

        if (!Force && _journal.Find(request.Fingerprint) is { State: JournalState.Succeeded } done)
        {
            if (ShouldProcess(target, $"Reuse the earlier result {done.RecordId} of the same image and settings (no charge)"))
            {
                WriteVerbose($"{Describe(file, imageUrl)}: reusing result {done.RecordId} of {done.CompletedAt:u} from the journal (same image and settings); -Force pays for a new one.");
                _reusedHere++;
                Runner.WriteOutput(BgResult.From(done, file, reused: true));
            }
            else
            {
                CountSkipped();
            }
            return;
        }

        if (!ShouldProcess(target, $"Replace the background ({size}, quality {request.Quality}), spending 1min.ai credits"))
        {
            CountSkipped();
            return;
        }

        _client ??= CreateClient(_baseUri);
        var job = new Job(_client, _journal, request, file, Force, StaleClaimAfter());
        Runner.Start(target, item => job.RunAsync(item));
    }

    /// <summary>A claim older than the longest a call can take belongs to a run that is gone.</summary>
    private TimeSpan StaleClaimAfter() => TimeSpan.FromSeconds((double)TimeoutSec * (MaximumRetryCount + 2)) + TimeSpan.FromMinutes(5);

    private static string Describe(string? file, string? imageUrl) => file != null ? $"'{file}'" : $"image '{imageUrl}'";

    /// <summary>One image's way through the service: claim, upload (or reuse the upload), replace, record.</summary>
    private sealed class Job
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

        private readonly OneMinClient _client;
        private readonly Journal _journal;
        private readonly JournalRequest _request;
        private readonly string? _file;
        private readonly bool _force;
        private readonly TimeSpan _staleAfter;
        private readonly string _subject;
        private bool _featureSent;
        private bool _usedCachedUpload;
        private bool _claimed;

        public Job(OneMinClient client, Journal journal, JournalRequest request, string? file, bool force, TimeSpan staleAfter)
        {
            _client = client;
            _journal = journal;
            _request = request;
            _file = file;
            _force = force;
            _staleAfter = staleAfter;
            _subject = Describe(file, request.ImageUrl);
        }

        private object Target => _file ?? (object)_request.ImageUrl!;

        public async Task RunAsync(BatchRunner.WorkItem item)
        {
            // -Force pays again on purpose, so it neither waits for nor blocks other runs.
            if (!_force && !await ClaimAsync(item).ConfigureAwait(false))
            {
                return;
            }
            try
            {
                string assetKey = await AssetKeyAsync(item, reuseUpload: true).ConfigureAwait(false);
                AiRecord record;
                try
                {
                    record = await ReplaceAsync(item, assetKey).ConfigureAwait(false);
                }
                catch (OneMinApiException ex) when (ex.Kind == ApiErrorKind.BadRequest && _usedCachedUpload)
                {
                    // A cached upload the service no longer has is refused before processing (no charge): upload again.
                    item.Verbose($"{_subject}: the service refused the earlier upload ({ex.ServerMessage}); uploading again.");
                    assetKey = await AssetKeyAsync(item, reuseUpload: false).ConfigureAwait(false);
                    record = await ReplaceAsync(item, assetKey).ConfigureAwait(false);
                }

                JournalEntry entry = _journal.RecordResult(_request, record, assetKey);
                if (!record.IsSuccess)
                {
                    var failed = new OneMinApiException(ApiErrorKind.FeatureFailed,
                        $"the service finished record {record.Id} with status {record.Status} and no image")
                    {
                        Operation = "POST /api/features",
                    };
                    item.Error(ErrorRecords.FromApi(failed, Target, _subject));
                    return;
                }
                item.Output(BgResult.From(entry, _file));
            }
            catch (OneMinApiException ex)
            {
                _journal.RecordFailure(_request, ex.Kind.ToString(), ex.Message, mayHaveBeenCharged: ex.Kind == ApiErrorKind.UnknownOutcome);
                ErrorRecord error = ErrorRecords.FromApi(ex, Target, _subject);
                if (FailurePolicy.StopsBatch(ex))
                {
                    item.Fatal(error);
                }
                else
                {
                    item.Error(error);
                }
            }
            catch (Exception ex) when (_file != null && ex is InvalidImageException or IOException or UnauthorizedAccessException)
            {
                // The file changed or vanished between the check and the upload.
                Release();
                item.Error(ErrorRecords.FromFile(ex, _file));
            }
            catch (OperationCanceledException)
            {
                if (_featureSent)
                {
                    // Stopped while the service was working on it: it may have been charged.
                    _journal.RecordFailure(_request, ApiErrorKind.UnknownOutcome.ToString(),
                        "the run was stopped while the service was working on this image", mayHaveBeenCharged: true);
                }
                else
                {
                    Release();
                }
                throw;
            }
        }

        /// <summary>
        /// Claims the request in the journal so no other run pays for it too. Returns false when
        /// there is nothing to do: another run finished it (its result is written, marked reused).
        /// </summary>
        private async Task<bool> ClaimAsync(BatchRunner.WorkItem item)
        {
            bool announced = false;
            while (true)
            {
                ClaimResult claim = _journal.TryClaim(_request, _staleAfter);
                switch (claim.Outcome)
                {
                    case ClaimOutcome.AlreadySucceeded:
                        item.Verbose($"{_subject}: another run produced result {claim.Entry!.RecordId} meanwhile; reusing it.");
                        item.Output(BgResult.From(claim.Entry, _file, reused: true));
                        return false;
                    case ClaimOutcome.HeldByOther:
                        if (!announced)
                        {
                            JournalOwner? owner = claim.Entry?.Owner;
                            item.Verbose($"{_subject}: another run (process {owner?.ProcessId} on {owner?.Host}) is working on the same image and settings; waiting for its result.");
                            announced = true;
                        }
                        await Task.Delay(PollInterval, item.BatchToken).ConfigureAwait(false);
                        break;
                    default:
                        WarnIfMaybeCharged(item, claim.Entry);
                        _claimed = true;
                        return true;
                }
            }
        }

        /// <summary>Gives the claim back so a later run sends the image; only a claim this job made.</summary>
        private void Release()
        {
            if (_claimed)
            {
                _journal.Release(_request);
            }
        }

        private void WarnIfMaybeCharged(BatchRunner.WorkItem item, JournalEntry? previous)
        {
            if (previous?.State == JournalState.Claimed)
            {
                item.Warning($"{_subject} was sent at {previous.RequestedAt:u} by a run that ended before the answer came; it may have been charged then. Sending it again.");
            }
            else if (previous is { State: JournalState.Failed, MayHaveBeenCharged: true })
            {
                item.Warning($"{_subject} failed at {previous.CompletedAt:u} after it was sent ({previous.FailureMessage}); it may have been charged then. Sending it again.");
            }
        }

        private async Task<string> AssetKeyAsync(BatchRunner.WorkItem item, bool reuseUpload)
        {
            if (_file == null)
            {
                return _request.ImageUrl!;
            }
            if (reuseUpload && _journal.FindUpload(_request.BaseUri, _request.ContentSha256) is string cached)
            {
                item.Verbose($"{_subject}: the same image was uploaded before as {cached}; not uploading it again.");
                _usedCachedUpload = true;
                return cached;
            }
            _usedCachedUpload = false;
            UploadedAsset asset = await _client.UploadAsync(_file, item.BatchToken).ConfigureAwait(false);
            _journal.RecordUpload(_request.BaseUri, _request.ContentSha256, asset.Key);
            return asset.Key;
        }

        private Task<AiRecord> ReplaceAsync(BatchRunner.WorkItem item, string assetKey)
        {
            // The charged call: not started once the batch is stopping, never abandoned once sent
            // (only Ctrl+C cancels it), so a paid result is not thrown away.
            item.BatchToken.ThrowIfCancellationRequested();
            _featureSent = true;
            var call = new BackgroundRequest(assetKey, _request.Prompt, _request.Size, _request.Quality, _request.Background, _request.Model);
            return _client.ReplaceBackgroundAsync(call, item.StopToken);
        }
    }
}
