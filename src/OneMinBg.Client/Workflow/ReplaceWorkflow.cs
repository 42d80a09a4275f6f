using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Images;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Workflow;

/// <summary>What a replacement produced: the journal's entry of the result.</summary>
public sealed class ReplaceResult
{
    public ReplaceResult(JournalEntry entry, bool reused)
    {
        Entry = entry;
        Reused = reused;
    }

    public JournalEntry Entry { get; }
    /// <summary>Another run paid for it meanwhile: this one took its result instead (no charge).</summary>
    public bool Reused { get; }
}

/// <summary>
/// One image's way through the service, where money is spent: claim the request in the journal so no
/// other run pays for it too (or wait for the run that holds it), upload the file (or reuse its earlier
/// upload, uploading again if the service refuses it), make the charged call, record the result or the
/// failure. A run stopped after the charged call was sent records that the image may have been charged;
/// stopped before, it gives its claim back.
/// </summary>
public sealed class ReplaceWorkflow
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly Journal _journal;
    private readonly OneMinClient _client;
    private readonly TimeSpan _staleClaimAfter;

    /// <param name="staleClaimAfter">A claim older than this belongs to a run that is gone.</param>
    public ReplaceWorkflow(Journal journal, OneMinClient client, TimeSpan staleClaimAfter)
    {
        _journal = journal;
        _client = client;
        _staleClaimAfter = staleClaimAfter;
    }

    /// <summary>The successful result the journal has for this request already, if any: a re-run reuses it.</summary>
    public static JournalEntry? EarlierResult(Journal journal, ImageRequest request) =>
        journal.Find(request.Fingerprint) is { State: JournalState.Succeeded } done ? done : null;

    /// <summary>The request's input in words, for messages: "'C:\img\cat.png'" or "image 'images/a.png'".</summary>
    public static string Describe(ImageRequest request) =>
        request.SourcePath != null ? $"'{request.SourcePath}'" : $"image '{request.ImageUrl}'";

    /// <summary>
    /// Replaces the background of <paramref name="image"/> (a checked local file), or of
    /// <paramref name="request"/>'s ImageUrl when it is null.
    /// </summary>
    /// <param name="force">Pay again on purpose: neither wait for nor block other runs.</param>
    /// <param name="batchToken">Stops free work (claim, upload); the charged call is not started once it is
    /// set.</param>
    /// <param name="stopToken">The only token that abandons the charged call once it is sent.</param>
    /// <exception cref="OneMinApiException">A failure of the service, recorded in the journal; or
    /// <see cref="ApiErrorKind.FeatureFailed"/> for a record that finished without an image.</exception>
    /// <exception cref="IOException">The file changed or vanished after its check (the claim is given
    /// back).</exception>
    public Task<ReplaceResult> RunAsync(ImageRequest request, SourceImage? image, bool force, IWorkflowSink sink,
        CancellationToken batchToken, CancellationToken stopToken) =>
        new Attempt(this, request, image, sink, batchToken, stopToken).RunAsync(force);

    /// <summary>One run of one request; what it has done so far decides what a failure leaves in the journal.</summary>
    private sealed class Attempt
    {
        private readonly ReplaceWorkflow _workflow;
        private readonly ImageRequest _request;
        private readonly SourceImage? _image;
        private readonly IWorkflowSink _sink;
        private readonly CancellationToken _batchToken;
        private readonly CancellationToken _stopToken;
        private readonly string _subject;
        private bool _featureSent;
        private bool _usedCachedUpload;
        private bool _claimed;

        public Attempt(ReplaceWorkflow workflow, ImageRequest request, SourceImage? image, IWorkflowSink sink,
            CancellationToken batchToken, CancellationToken stopToken)
        {
            _workflow = workflow;
            _request = request;
            _image = image;
            _sink = sink;
            _batchToken = batchToken;
            _stopToken = stopToken;
            _subject = Describe(request);
        }

        private Journal Journal => _workflow._journal;

        public async Task<ReplaceResult> RunAsync(bool force)
        {
            if (!force && await ClaimAsync().ConfigureAwait(false) is JournalEntry doneElsewhere)
            {
                return new ReplaceResult(doneElsewhere, reused: true);
            }

            AiRecord record;
            JournalEntry entry;
            try
            {
                string assetKey = await AssetKeyAsync(reuseUpload: true).ConfigureAwait(false);
                try
                {
                    record = await ReplaceAsync(assetKey).ConfigureAwait(false);
                }
                catch (OneMinApiException ex) when (ex.Kind == ApiErrorKind.BadRequest && _usedCachedUpload)
                {
                    // A cached upload the service no longer has is refused before processing (no charge).
                    _sink.Verbose($"{_subject}: the service refused the earlier upload ({ex.ServerMessage}); "
                        + "uploading again.");
                    assetKey = await AssetKeyAsync(reuseUpload: false).ConfigureAwait(false);
                    record = await ReplaceAsync(assetKey).ConfigureAwait(false);
                }

                entry = Journal.RecordResult(_request, record, assetKey);
            }
            catch (OneMinApiException ex)
            {
                Journal.RecordFailure(_request, ex.Kind.ToString(), ex.Message,
                    mayHaveBeenCharged: ex.Kind == ApiErrorKind.UnknownOutcome);
                throw;
            }
            catch (Exception ex) when (_image != null
                && ex is InvalidImageException or IOException or UnauthorizedAccessException)
            {
                // The file changed or vanished between the check and the upload.
                Release();
                throw;
            }
            catch (OperationCanceledException)
            {
                if (_featureSent)
                {
                    // Stopped while the service was working on it: it may have been charged.
                    Journal.RecordFailure(_request, ApiErrorKind.UnknownOutcome.ToString(),
                        "the run was stopped while the service was working on this image", mayHaveBeenCharged: true);
                }
                else
                {
                    Release();
                }

                throw;
            }

            if (!record.IsSuccess)
            {
                throw OneMinClient.FeatureFailed(record);
            }

            return new ReplaceResult(entry, reused: false);
        }

        /// <summary>
        /// Claims the request in the journal so no other run pays for it too. Returns the result when there
        /// is nothing to do: another run finished it meanwhile.
        /// </summary>
        private async Task<JournalEntry?> ClaimAsync()
        {
            bool announced = false;
            while (true)
            {
                ClaimResult claim = Journal.TryClaim(_request, _workflow._staleClaimAfter);
                switch (claim.Outcome)
                {
                    case ClaimOutcome.AlreadySucceeded:
                        _sink.Verbose($"{_subject}: another run produced result {claim.Entry!.RecordId} meanwhile; "
                            + "reusing it.");
                        return claim.Entry;
                    case ClaimOutcome.HeldByOther:
                        if (!announced)
                        {
                            JournalOwner? owner = claim.Entry?.Owner;
                            _sink.Verbose($"{_subject}: another run (process {owner?.ProcessId} on {owner?.Host}) "
                                + "is working on the same image and settings; waiting for its result.");
                            announced = true;
                        }

                        await Task.Delay(PollInterval, _batchToken).ConfigureAwait(false);
                        break;
                    default:
                        WarnIfMaybeCharged(claim.Entry);
                        _claimed = true;
                        return null;
                }
            }
        }

        /// <summary>Gives the claim back so a later run sends the image; only a claim this attempt made.</summary>
        private void Release()
        {
            if (_claimed)
            {
                Journal.Release(_request);
            }
        }

        private void WarnIfMaybeCharged(JournalEntry? previous)
        {
            if (previous?.State == JournalState.Claimed)
            {
                _sink.Warning($"{_subject} was sent at {previous.RequestedAt:u} by a run that ended before the "
                    + "answer came; it may have been charged then. Sending it again.");
            }
            else if (previous is { State: JournalState.Failed, MayHaveBeenCharged: true })
            {
                _sink.Warning($"{_subject} failed at {previous.CompletedAt:u} after it was sent "
                    + $"({previous.FailureMessage}); it may have been charged then. Sending it again.");
            }
        }

        private async Task<string> AssetKeyAsync(bool reuseUpload)
        {
            if (_image == null)
            {
                return _request.ImageUrl!;
            }

            if (reuseUpload && Journal.FindUpload(_request.BaseUri, _request.ContentSha256) is string cached)
            {
                _sink.Verbose($"{_subject}: the same image was uploaded before as {cached}; not uploading it again.");
                _usedCachedUpload = true;
                return cached;
            }

            _usedCachedUpload = false;
            UploadedAsset asset = await _workflow._client.UploadAsync(_image, _batchToken).ConfigureAwait(false);
            Journal.RecordUpload(_request.BaseUri, _request.ContentSha256, asset.Key);
            return asset.Key;
        }

        private Task<AiRecord> ReplaceAsync(string assetKey)
        {
            // The charged call: not started once the batch is stopping, never abandoned once sent
            // (only Ctrl+C cancels it), so a paid result is not thrown away.
            _batchToken.ThrowIfCancellationRequested();
            _featureSent = true;
            return _workflow._client.ReplaceBackgroundAsync(_request, assetKey, _stopToken);
        }
    }
}
