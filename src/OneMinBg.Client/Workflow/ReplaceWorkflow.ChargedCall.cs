using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Http;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// The charged call itself: where money is spent, so every way it can start, wait, go on the wire or be stopped is
/// here in one place.
/// </summary>
public sealed partial class ReplaceWorkflow
{
    private sealed partial class Attempt
    {
        private async Task<AiRecord> ReplaceAsync(string assetKey)
        {
            // The charged call: not started once the batch is stopping, never abandoned once sent (not even by
            // a stop), so a paid result is not thrown away. Journaled as sent first, once per attempt (a resend
            // after a refused upload is the same attempt: the refusal cost nothing). While it waits for the rate
            // limit nothing is on the wire, so a stop then ends it unsent (CallNotSentException).
            bool first = await _workflow._firstCall.EnterAsync(_free.Token).ConfigureAwait(false);
            _free.Token.ThrowIfCancellationRequested();
            if (!_sentRecorded)
            {
                Journaled(() =>
                {
                    Journal.RecordSent(_request);
                    return true;
                });
                _sentRecorded = true;
            }

            var counted = _sink as IChargedCallSink;
            bool stopsBatch = false;
            try
            {
                return await _workflow._client.ReplaceBackgroundAsync(_request, assetKey, CancellationToken.None,
                    _free.Token, () => GoingOnTheWire(counted), record =>
                    {
                        if (first)
                        {
                            _workflow._firstCall.Open(); // accepted: the service takes this model and key
                        }
                        RecordAccepted(record, assetKey);
                    }).ConfigureAwait(false);
            }
            catch (OneMinApiException ex) when (first && FailurePolicy.StopsBatch(ex.Kind))
            {
                stopsBatch = true; // the batch stops: the calls waiting at the gate are never sent
                throw;
            }
            finally
            {
                if (first && !stopsBatch)
                {
                    _workflow._firstCall.Open();
                }
                if (_featureSent)
                {
                    counted?.WithService(false);
                }
            }
        }

        /// <summary>
        /// Just before the request is sent, under the gate: a stop either came first (not sent) or sees the call
        /// as with the service and leaves it running.
        /// </summary>
        private void GoingOnTheWire(IChargedCallSink? counted)
        {
            lock (_gate)
            {
                if (_stopped || _free.IsCancellationRequested)
                {
                    throw new CallNotSentException("POST /api/features", _free.Token);
                }

                _sending = true;
            }

            _meterTicket ??= _workflow._credits.Sent();
            if (!_featureSent)
            {
                _featureSent = true;
                counted?.WithService(true);
            }
        }
    }
}
