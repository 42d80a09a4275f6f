using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;
using OneMinBg.Client.Http;
using OneMinBg.Client.Images;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// One image's way through the service, where money is spent: claim the request in the journal so no
/// other run pays for it too (or wait for the run that holds it), upload the file (or reuse its earlier
/// upload, uploading again if the service refuses it), make the charged call, record the result or the
/// failure. The moment the charged call is sent is journaled, so only an image that was sent is said to be
/// maybe charged, and one sent twice without an answer is not sent a third time without -Force. A run
/// stopped before the charged call was sent gives its claim back; stopped after, it returns at once while the
/// call goes on in the background (<see cref="ChargedCalls"/>) and records its result or failure, so the
/// next run reuses what was paid for. A paid result is never dropped, even when the journal cannot record it.
/// </summary>
public sealed partial class ReplaceWorkflow
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly Journal _journal;
    private readonly OneMinClient _client;
    private readonly TimeSpan _staleClaimAfter;
    private readonly FirstCallGate _firstCall = new FirstCallGate();
    private readonly CreditMeter _credits = new CreditMeter();

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
    /// <param name="stopToken">The run is stopped: free work stops too, and a charged call already sent is
    /// left to finish in the background (never abandoned: it is paid for either way).</param>
    /// <exception cref="OneMinApiException">A failure of the service, recorded in the journal;
    /// <see cref="ApiErrorKind.FeatureFailed"/> for a record that finished without an image; or
    /// <see cref="ApiErrorKind.UnknownOutcome"/>, unsent, for an image already sent
    /// <see cref="Journal.MaxUnansweredSends"/> times without an answer.</exception>
    /// <exception cref="IOException">The file changed, vanished or could not be read before the paid call (the
    /// claim is given back).</exception>
    /// <exception cref="JournalUnavailableException">The journal failed before the paid call: not sent.</exception>
    /// <exception cref="HeldByOtherRunException">Another run holds it past the stale-claim time.</exception>
    /// <exception cref="LeftWithServiceException">Stopped while the charged call was with the service: its
    /// result will be in the journal.</exception>
    /// <remarks>A paid result the journal cannot record is returned with <see cref="ReplaceResult.NotRecorded"/>.
    /// </remarks>
    public Task<ReplaceResult> RunAsync(ImageRequest request, SourceImage? image, bool force, IWorkflowSink sink,
        CancellationToken batchToken, CancellationToken stopToken) =>
        new Attempt(this, request, image, sink, batchToken, stopToken).RunAsync(force);

    /// <summary>One run of one request; what it has done so far decides what a failure leaves in the journal.</summary>
    private sealed partial class Attempt
    {
        private readonly ReplaceWorkflow _workflow;
        private readonly ImageRequest _request;
        private readonly SourceImage? _image;
        private readonly IWorkflowSink _sink;
        // Free work stops on either token; the charged call listens to neither once it is sent.
        private readonly CancellationTokenSource _free;
        private readonly CancellationToken _stopToken;
        private readonly string _subject;
        private readonly object _gate = new object();
        private bool _stopped;
        private bool _sending;
        private bool _featureSent;
        private bool _usedCachedUpload;
        private bool _claimed;
        private bool _sentRecorded;
        // The entry of a record the service accepted in an earlier attempt: waited for, not paid again.
        private JournalEntry? _accepted;
        private string? _acceptedId;
        // This attempt's charged call in the batch's credit meter, from its send to its answer.
        private CreditMeter.Ticket? _meterTicket;

        public Attempt(ReplaceWorkflow workflow, ImageRequest request, SourceImage? image, IWorkflowSink sink,
            CancellationToken batchToken, CancellationToken stopToken)
        {
            _workflow = workflow;
            _request = request;
            _image = image;
            _sink = sink;
            _free = CancellationTokenSource.CreateLinkedTokenSource(batchToken, stopToken);
            _stopToken = stopToken;
            _subject = Describe(request);
        }

        private Journal Journal => _workflow._journal;

        /// <summary>
        /// Runs the attempt until it ends or the run is stopped. Stopped, free work ends at once (giving the
        /// claim back); a charged call already sent is left to finish and record itself in the background.
        /// </summary>
        public async Task<ReplaceResult> RunAsync(bool force)
        {
            Task<ReplaceResult> work = AttemptAsync(force);
            if (!_stopToken.CanBeCanceled)
            {
                return await work.ConfigureAwait(false);
            }

            var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (_stopToken.Register(() => stopped.TrySetResult(true)))
            {
                await Task.WhenAny(work, stopped.Task).ConfigureAwait(false);
            }

            bool withService;
            lock (_gate)
            {
                _stopped = !work.IsCompleted;
                withService = _stopped && _sending;
            }

            if (!withService)
            {
                return await work.ConfigureAwait(false); // done, or free work that the stop ends at once
            }

            ChargedCalls.Track(work, _workflow._client.CallTimeout);
            throw new LeftWithServiceException(_subject, _stopToken);
        }

        private async Task<ReplaceResult> AttemptAsync(bool force)
        {
            try
            {
                if (!force && await ClaimAsync().ConfigureAwait(false) is JournalEntry doneElsewhere)
                {
                    return new ReplaceResult(doneElsewhere, reused: true);
                }

                return await PayAsync().ConfigureAwait(false);
            }
            finally
            {
                _free.Dispose();
                if (_meterTicket != null)
                {
                    _workflow._credits.Ended(_meterTicket); // sent, and no record came back
                }
            }
        }

        private async Task<ReplaceResult> PayAsync()
        {
            AiRecord record;
            string assetKey;
            try
            {
                if (_accepted != null)
                {
                    (record, assetKey) = await ResumeAsync(_accepted).ConfigureAwait(false);
                }
                else
                {
                    (record, assetKey) = await SendAsync().ConfigureAwait(false);
                }
            }
            catch (OneMinApiException ex)
            {
                RecordFailure(ex.Kind, ex.Message, mayHaveBeenCharged: ex.Kind == ApiErrorKind.UnknownOutcome);
                throw;
            }
            catch (JournalUnavailableException)
            {
                Release(); // nothing was sent: the journal failed before the paid call
                throw;
            }
            catch (Exception ex) when (!_featureSent && _image != null
                && ex is InvalidImageException or IOException or UnauthorizedAccessException)
            {
                // The source file changed, vanished or could not be read before the paid call (also when the
                // bytes sent were not the bytes checked): nothing was charged, nothing is recorded for it.
                Release();
                throw;
            }
            catch (CallNotSentException)
            {
                Release(); // stopped while it waited to be sent: nothing on the wire, nothing charged
                throw;
            }
            catch (OperationCanceledException)
            {
                if (_featureSent)
                {
                    // Not a stop (that leaves the call running): the call itself was cancelled after it was sent.
                    RecordFailure(ApiErrorKind.UnknownOutcome, CancelledMessage(), mayHaveBeenCharged: true);
                }
                else
                {
                    Release();
                }

                throw;
            }

            return Recorded(record, assetKey);
        }

        /// <summary>Uploads (or reuses the upload) and makes the charged call.</summary>
        private async Task<(AiRecord Record, string AssetKey)> SendAsync()
        {
            string assetKey = await AssetKeyAsync(reuseUpload: true).ConfigureAwait(false);
            try
            {
                return (await ReplaceAsync(assetKey).ConfigureAwait(false), assetKey);
            }
            catch (OneMinApiException ex) when (ex.Kind == ApiErrorKind.BadRequest && _usedCachedUpload)
            {
                // A cached upload the service no longer has is refused before processing (no charge).
                _featureSent = false;
                _sink.Verbose($"{_subject}: the service refused the earlier upload ({ex.ServerMessage}); "
                    + "uploading again.");
                assetKey = await AssetKeyAsync(reuseUpload: false).ConfigureAwait(false);
                return (await ReplaceAsync(assetKey).ConfigureAwait(false), assetKey);
            }
        }

        /// <summary>The result of a paid call, recorded; a record that finished without an image is thrown.</summary>
        private ReplaceResult Recorded(AiRecord record, string assetKey)
        {
            // Paid for: from here on the result is never dropped and the claim never given back.
            ReplaceResult result;
            decimal? credits = _workflow._credits.Answered(_meterTicket, record.UsedCredit);
            _meterTicket = null;
            try
            {
                result = new ReplaceResult(Journal.RecordResult(_request, record, assetKey, credits), reused: false);
            }
            catch (ResultNotRecordedException ex)
            {
                result = new ReplaceResult(ex.Entry, reused: false, ex);
            }

            if (!record.IsSuccess)
            {
                if (result.NotRecorded != null)
                {
                    _sink.Warning($"{_subject}: {result.NotRecorded.Message}");
                }

                throw OneMinClient.FeatureFailed(record);
            }

            return result;
        }

        /// <summary>
        /// Claims the request in the journal so no other run pays for it too. Returns the result when there
        /// is nothing to do: another run finished it meanwhile. Waits for another live run's claim up to the
        /// stale-claim time after it was made.
        /// </summary>
        private async Task<JournalEntry?> ClaimAsync()
        {
            bool announced = false;
            try
            {
                while (true)
                {
                    ClaimResult claim = Journaled(() => Journal.TryClaim(_request, _workflow._staleClaimAfter));
                    switch (claim.Outcome)
                    {
                        case ClaimOutcome.AlreadySucceeded:
                            _sink.Verbose($"{_subject}: another run produced result {claim.Entry!.RecordId} "
                                + "meanwhile; reusing it.");
                            return claim.Entry;
                        case ClaimOutcome.HeldByOther:
                            JournalEntry held = claim.Entry!;
                            ThrowIfWaitedTooLong(held);
                            if (!announced)
                            {
                                _sink.Verbose($"{_subject}: another run ({held.Owner}) is working on the same image "
                                    + "and settings; waiting for its result.");
                                (_sink as IWaitingSink)?.Waiting(true);
                                announced = true;
                            }

                            await Task.Delay(PollInterval, _free.Token).ConfigureAwait(false);
                            break;
                        case ClaimOutcome.OutcomeUnknown:
                            throw ReplaceMessages.NeedsDecision(claim.Entry!);
                        default:
                            _claimed = true;
                            if (claim.Entry?.AcceptedRecordId is string accepted)
                            {
                                _accepted = claim.Entry;
                                _sink.Verbose($"{_subject}: the service accepted it earlier as record {accepted}; "
                                    + "waiting for that record instead of sending it again.");
                                return null;
                            }

                            ReplaceMessages.WarnIfMaybeCharged(_sink, _subject, claim.Entry);
                            return null;
                    }
                }
            }
            finally
            {
                if (announced)
                {
                    (_sink as IWaitingSink)?.Waiting(false);
                }
            }
        }

        /// <summary>The holder should have finished within the stale-claim time: it hangs, or its host is gone.
        /// </summary>
        private void ThrowIfWaitedTooLong(JournalEntry held)
        {
            TimeSpan waited = DateTimeOffset.UtcNow - held.RequestedAt;
            if (waited >= _workflow._staleClaimAfter)
            {
                throw new HeldByOtherRunException($"{_subject}: another run ({held.Owner}) claimed the same image "
                    + $"and settings at {held.RequestedAt:u} and has not finished it after "
                    + $"{Text.FormatSeconds(waited)}, longer than a call can take; it may hang. Not sent, so not "
                    + "charged. Stop that run if it hangs and run this again, or use -Force to pay for it anyway.");
            }
        }

        /// <summary>Gives the claim back so a later run sends the image; only a claim this attempt made.</summary>
        private void Release()
        {
            if (!_claimed)
            {
                return;
            }

            try
            {
                Journal.Release(_request);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // The claim stays; it was not sent, so a later run sends it without a warning.
                _sink.Verbose($"{_subject}: the journal could not give the claim back: {ex.Message}");
            }
        }

        private void RecordFailure(ApiErrorKind kind, string message, bool mayHaveBeenCharged)
        {
            try
            {
                Journal.RecordFailure(_request, kind.ToString(), message, mayHaveBeenCharged);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                _sink.Warning($"{_subject}: the journal could not record this failure: {ex.Message}");
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
            UploadedAsset asset = await _workflow._client.UploadAsync(_image, _free.Token).ConfigureAwait(false);
            Journaled(() =>
            {
                Journal.RecordUpload(_request.BaseUri, _request.ContentSha256, asset.Key);
                return true;
            });
            return asset.Key;
        }
    }
}
