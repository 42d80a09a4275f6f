using System;
using System.IO;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// Records the service accepted and works on (async, issue 13): journaled before the wait for their result, so
/// that a later attempt (this run's or another's) waits for the same record instead of paying again.
/// </summary>
public sealed partial class ReplaceWorkflow
{
    private sealed partial class Attempt
    {
        /// <summary>Waits for the record an earlier attempt left accepted; a stop ends the wait (it is free).
        /// </summary>
        private async Task<(AiRecord Record, string AssetKey)> ResumeAsync(JournalEntry accepted)
        {
            string id = accepted.AcceptedRecordId!;
            string assetKey = accepted.AssetKey ?? _request.ImageUrl ?? "";
            AiRecord record = await _workflow._client.WaitForResultAsync(id, _free.Token).ConfigureAwait(false);
            _sink.Verbose($"{_subject}: record {id}, accepted earlier, is {record.Status}.");
            return (record, assetKey);
        }

        /// <summary>
        /// The service accepted the paid call: its uuid goes to the journal before the wait. A journal that cannot
        /// take it does not stop the wait (the result is what matters); only a lost wait then loses the record.
        /// </summary>
        private void RecordAccepted(AiRecord record, string assetKey)
        {
            _acceptedId = record.Id;
            try
            {
                Journal.RecordAccepted(_request, record.Id, assetKey);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                _sink.Warning($"{_subject}: the journal could not record that the service accepted it as record "
                    + $"{record.Id}: {ex.Message}");
            }
        }

        /// <summary>A journal failure before the paid call: the image is not sent.</summary>
        private static T Journaled<T>(Func<T> call)
        {
            try
            {
                return call();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new JournalUnavailableException(ex);
            }
        }

        private string CancelledMessage() => _acceptedId == null
            ? "the call was cancelled while the service was working on this image"
            : $"the wait for record {_acceptedId}, which the service accepted, was stopped; a later run waits for it "
                + "without paying again";
    }
}
