using System;
using System.Management.Automation;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

/// <summary>What the batch says about its concurrency and where its items are.</summary>
internal sealed partial class BatchRunner
{
    /// <summary>A change of the limit, said in verbose at most every <see cref="NoteInterval"/>.</summary>
    private void NoteLimit(ConcurrencyChange change)
    {
        _pendingNote = change;
        if (change.Reason == ConcurrencyReason.Shrank)
        {
            _shrank = true;
            _shrankBy = change.Status;
            _lowest = Math.Min(_lowest ?? change.To, change.To);
        }
        WritePendingNote();
    }

    /// <summary>Says the latest change unless one was said less than <see cref="NoteInterval"/> ago (or
    /// <paramref name="now"/>: the batch ends).</summary>
    private void WritePendingNote(bool now = false)
    {
        if (_pendingNote is not ConcurrencyChange change
            || (!now && _lastNote is TimeSpan last && _clock.Elapsed - last < NoteInterval))
        {
            return;
        }

        int limit = _limit.Limit;
        _pendingNote = null;
        if (limit == _notedLimit && !_shrank)
        {
            return; // went down and up again meanwhile
        }

        _lastNote = _clock.Elapsed;
        string moved = _lowest is int lowest && lowest < Math.Min(limit, _notedLimit)
            ? $"Concurrency from {_notedLimit} down to {lowest}, now {limit}"
            : $"Concurrency from {_notedLimit} to {limit}";
        _notedLimit = limit;
        _lowest = null;
        FlowCounts flow = Flow();
        string where = $" Now {flow.WithService} with the service, {flow.WaitingForRateLimit} waiting for the rate "
            + "limit.";
        if (_shrank)
        {
            _shrank = false;
            string answer = _shrankBy switch
            {
                429 => "429 (too many requests)",
                503 => "503 (unavailable)",
                _ => "nothing in time (or the connection failed)",
            };
            _cmdlet.WriteVerbose($"{moved}: the service answered {answer}, so fewer go at once; it grows again as "
                + "answers come back." + where);
            return;
        }

        if (change.ItemSeconds is double seconds && change.ItemsPerSecond is double perSecond)
        {
            _cmdlet.WriteVerbose($"{moved}: an item takes {seconds:0.0} s with the service and the rate limit "
                + $"allows {perSecond:0.#} a second ({_requestsPerMinute} requests a minute, "
                + $"{change.RequestsPerItem:0.#} per item), so about {change.Target} at once use it (at most "
                + $"{_limit.Ceiling}, -ThrottleLimit)." + where);
        }
        else
        {
            _cmdlet.WriteVerbose($"{moved} as answers come back (no client-side rate limit; at most "
                + $"{_limit.Ceiling}, -ThrottleLimit)." + where);
        }
    }

    /// <summary>Where the items in flight are now: read from their flags on the pipeline thread.</summary>
    private FlowCounts Flow()
    {
        int withService = 0, rate = 0, first = 0, other = 0;
        foreach (WorkItem item in _running.Keys)
        {
            if (item.WaitingForOtherRun) { other++; }
            else if (item.WaitingForRate) { rate++; }
            else if (item.WaitingForFirst) { first++; }
            else if (item.Requests > 0) { withService++; }
        }
        return new FlowCounts(_running.Count, withService, rate, first, other);
    }
}
