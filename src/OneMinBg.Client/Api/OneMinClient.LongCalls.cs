using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Common;
using OneMinBg.Client.Http;

namespace OneMinBg.Client.Api;

/// <summary>
/// Image calls that outlast a gateway (issue 13): sent with "async": true, answered at once with PROCESSING and
/// the record's uuid, then looked up (free, safe to repeat, through the same rate limit) until done or
/// <see cref="OneMinClientOptions.ResultWait"/>. A service that refuses the flag gets synchronous calls.
/// </summary>
public sealed partial class OneMinClient
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(5);

    /// <summary>The API roots that refused "async": true; process-wide, as every client there would be refused.
    /// </summary>
    private static readonly ConcurrentDictionary<string, bool> SyncOnly =
        new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);

    private readonly TimeSpan _resultWait;

    /// <summary>
    /// Waits for a record the service accepted (PROCESSING) to be done: GET /api/results/{id}, every 250 ms at
    /// first, backing off to every 5 s, until its status is not pending or the wait's deadline passes.
    /// </summary>
    /// <exception cref="OneMinApiException">UnknownOutcome: the deadline passed, the lookups failed, or the
    /// service no longer knows the record; the message says a later run can go on waiting for it.</exception>
    public async Task<AiRecord> WaitForResultAsync(string id, CancellationToken cancellationToken)
    {
        _log.Verbose($"Record {id} was accepted and is being worked on; waiting for it (at most "
            + $"{Text.FormatSeconds(_resultWait)}).");
        var waited = Stopwatch.StartNew();
        TimeSpan delay = FirstPoll;
        while (true)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            AiRecord? record;
            try
            {
                record = await GetResultAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (OneMinApiException ex)
            {
                throw StillWaiting(id, $"looking it up failed ({ex.Message})", ex);
            }

            if (record == null)
            {
                throw StillWaiting(id, "the service no longer knows it", null);
            }

            if (!record.IsPending)
            {
                return record;
            }

            if (waited.Elapsed >= _resultWait)
            {
                throw StillWaiting(id, $"it was still {record.Status} after {Text.FormatSeconds(waited.Elapsed)} "
                    + "(the wait's deadline, -ResultWaitSec)", null);
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPoll.Ticks));
        }
    }

    private static OneMinApiException StillWaiting(string id, string why, Exception? inner) =>
        new OneMinApiException(ApiErrorKind.UnknownOutcome,
            $"the service accepted this image as record {id} (it may have been charged), but {why}. The record "
            + "is journaled: run the command again to go on waiting for it without paying again, or look it up "
            + $"with Get-BgResult -Id {id}", inner)
        {
            Operation = ResultsOperation + id,
        };

    /// <summary>A 400 that names "async": the service does not take the flag. Remembered for this API root.
    /// </summary>
    private bool RefusesAsync(OneMinApiException ex)
    {
        bool names = ex.Kind == ApiErrorKind.BadRequest
            && ((ex.ServerMessage?.IndexOf("async", StringComparison.OrdinalIgnoreCase) ?? -1) >= 0
                || (ex.ServerDetails?.IndexOf("async", StringComparison.OrdinalIgnoreCase) ?? -1) >= 0);
        if (names)
        {
            SyncOnly[_apiRoot.AbsoluteUri] = true;
            _log.Verbose($"The service refused \"async\": true ({ex.ServerMessage}); sending this image and every "
                + $"later one to {_apiRoot} in this process as a synchronous call (one HTTP call that lasts until "
                + "the image is done, bounded by -TimeoutSec).");
        }

        return names;
    }

    /// <summary>
    /// The record a broken 200 named, looked up (free) so that what was paid is not paid again; an unknown
    /// outcome still when the lookup cannot say.
    /// </summary>
    private async Task<AiRecord> RecoverAsync(Call call, string id, string problem, CancellationToken cancellationToken)
    {
        _log.Verbose($"The answer to {call.Operation} could not be read ({problem}), but it names record {id}: "
            + "looking it up.");
        AiRecord? found;
        try
        {
            found = await GetResultAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (OneMinApiException ex)
        {
            throw _errors.UnknownOutcome(call, $"the answer could not be read ({problem}); it names record {id}, "
                + $"but looking that up failed ({ex.Message})", 200, ex);
        }

        if (found == null || found.Id.Length == 0)
        {
            throw _errors.UnknownOutcome(call, $"the answer could not be read ({problem}); it names record {id}, "
                + "which the service does not know", 200, null);
        }

        _log.Verbose($"Recovered record {found.Id} ({found.Status}) from the broken answer.");
        return found;
    }
}
