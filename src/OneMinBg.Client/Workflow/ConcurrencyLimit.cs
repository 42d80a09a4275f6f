using System;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// How many items of a batch may be in flight at once, adapted to the service so the key's rate is used
/// (issue 14). By Little's law the items the service holds at once are its throughput times the time each spends
/// with it: at the key's limit that is λ = (requests per minute / 60) / (requests per item) items a second,
/// so a slow service needs λ·W items in flight where a fast one needs a few. The target is that, with some
/// headroom and a small queue so the rate limiter never idles, and never under <see cref="MinimumTarget"/>.
/// <para>
/// The limit starts at <see cref="InitialLimit"/> (the batch's first image call goes alone:
/// <see cref="FirstCallGate"/>; the next images upload meanwhile), goes to the target as soon as an answer shows
/// how long the service takes, follows the target as it is measured, and halves on 429, 503 or a call without
/// an answer, once per round: a signal from a call sent before the last decrease is already answered by it.
/// After a decrease it grows by one per round only (congestion avoidance). The jump is safe because the rate
/// limiter, not the number in flight, sets the pace: more in flight never sends faster than the key allows,
/// and on a slow service every round trip spent creeping up is a share of the limit lost for good. A limit the user set (-ThrottleLimit) is fixed: none of this applies.
/// </para>
/// Thread-safe: workers report, the pipeline thread reads <see cref="Limit"/>. Pure logic, so it is tested alone.
/// </summary>
public sealed class ConcurrencyLimit
{
    /// <summary>
    /// What earlier versions always used: enough to upload the next images while the first image call is with the
    /// service alone (on a 6 s service at 600 a minute that wait alone is worth 60 requests).
    /// </summary>
    public const int InitialLimit = 16;

    /// <summary>
    /// What earlier versions always used. A queue at the rate limiter costs nothing, and downloads are not paced
    /// by the key's rate at all, so the target never goes below it.
    /// </summary>
    public const int MinimumTarget = 16;

    /// <summary>Latencies vary item to item: aim a quarter over the mean.</summary>
    private const double Headroom = 1.25;

    /// <summary>Items ready at the rate limiter when a slot comes, so it never waits for one.</summary>
    private const int Queue = 2;

    /// <summary>The weight of a new sample in the running means.</summary>
    private const double Smoothing = 0.2;

    private readonly object _gate = new object();
    private readonly int _requestsPerMinute;
    private int _limit;
    private int _threshold;
    // Answers since the limit last grew above the threshold: one more per `limit` of them (one per round).
    private int _credit;
    private double? _itemSeconds;
    private double? _requestsPerItem;
    private int _round;

    /// <param name="ceiling">The most there may ever be (-ThrottleLimit); the limit itself when fixed.</param>
    /// <param name="isFixed">The user chose the number: it does not adapt.</param>
    /// <param name="requestsPerMinute">The key's rate (0: no client-side limit, so only the ceiling bounds it).</param>
    public ConcurrencyLimit(int ceiling, bool isFixed, int requestsPerMinute)
    {
        if (ceiling < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ceiling));
        }

        Ceiling = ceiling;
        IsFixed = isFixed;
        _requestsPerMinute = Math.Max(0, requestsPerMinute);
        _limit = isFixed ? ceiling : Math.Min(ceiling, InitialLimit);
        _threshold = ceiling;
    }

    public int Ceiling { get; }

    public bool IsFixed { get; }

    /// <summary>Items that may be in flight now.</summary>
    public int Limit
    {
        get
        {
            lock (_gate)
            {
                return _limit;
            }
        }
    }

    /// <summary>What the limit grows towards: from the rate and the observed time per item.</summary>
    public int Target
    {
        get
        {
            lock (_gate)
            {
                return TargetLocked();
            }
        }
    }

    /// <summary>The mean time an item spends with the service (not waiting for the rate limit); null before one.</summary>
    public TimeSpan? ItemTime
    {
        get
        {
            lock (_gate)
            {
                return _itemSeconds is double seconds ? TimeSpan.FromSeconds(seconds) : null;
            }
        }
    }

    /// <summary>The mean number of requests an item makes (upload and image call: about 2); null before one.</summary>
    public double? RequestsPerItem
    {
        get
        {
            lock (_gate)
            {
                return _requestsPerItem;
            }
        }
    }

    /// <summary>The key's rate in items a second, or null without a client-side limit or before an item.</summary>
    public double? ItemsPerSecond
    {
        get
        {
            lock (_gate)
            {
                return ItemsPerSecondLocked();
            }
        }
    }

    /// <summary>
    /// Counts decreases: a call remembers the round it was sent in, and only a call of the current round can
    /// decrease the limit again (the ones sent before were answered by the last decrease already).
    /// </summary>
    public int Round
    {
        get
        {
            lock (_gate)
            {
                return _round;
            }
        }
    }

    /// <summary>
    /// An item the service answered is done: <paramref name="withService"/> is the time it spent outside waits for
    /// the rate limit, <paramref name="requests"/> how many requests it sent. An item that sent none (done
    /// elsewhere) tells nothing about the service and changes nothing.
    /// </summary>
    /// <returns>The change of <see cref="Limit"/>, or null.</returns>
    public ConcurrencyChange? ItemDone(TimeSpan withService, int requests)
    {
        if (requests <= 0)
        {
            return null;
        }

        lock (_gate)
        {
            _itemSeconds = Mean(_itemSeconds, Math.Max(0, withService.TotalSeconds));
            _requestsPerItem = Mean(_requestsPerItem, requests);
            if (IsFixed)
            {
                return null;
            }

            int before = _limit;
            int target = TargetLocked();
            if (_limit < target)
            {
                // Straight to the target until the first decrease, then one per round (congestion avoidance).
                if (_limit < _threshold)
                {
                    _limit = Math.Min(target, _threshold);
                    _credit = 0;
                }
                else if (++_credit >= _limit)
                {
                    _limit++;
                    _credit = 0;
                }
            }
            else if (_limit > target)
            {
                _limit = Math.Max(target, _limit - 1); // the service got faster: fewer suffice
            }

            return Changed(before, ConcurrencyReason.Grew, null);
        }
    }

    /// <summary>
    /// A call sent in <paramref name="sentInRound"/> was answered with <paramref name="status"/> (null: no answer,
    /// a timeout or a broken connection). 429, 503 and no answer halve the limit, once per round.
    /// </summary>
    /// <returns>The change of <see cref="Limit"/>, or null.</returns>
    public ConcurrencyChange? Answered(int? status, int sentInRound)
    {
        if (!SlowsDown(status))
        {
            return null;
        }

        lock (_gate)
        {
            if (IsFixed || sentInRound != _round)
            {
                return null;
            }

            int before = _limit;
            _limit = Math.Max(1, _limit / 2);
            _threshold = _limit;
            _credit = 0;
            _round++;
            return Changed(before, ConcurrencyReason.Shrank, status);
        }
    }

    /// <summary>The answers that say the service (or the way to it) is over its capacity.</summary>
    public static bool SlowsDown(int? status) => status == null || status == 429 || status == 503;

    private ConcurrencyChange? Changed(int before, ConcurrencyReason reason, int? status)
    {
        int after = _limit;
        if (after == before)
        {
            return null;
        }

        return new ConcurrencyChange(before, after, after > before ? reason : reason == ConcurrencyReason.Grew
            ? ConcurrencyReason.Settled : reason, status, TargetLocked(), _itemSeconds, _requestsPerItem,
            ItemsPerSecondLocked());
    }

    private int TargetLocked()
    {
        if (IsFixed)
        {
            return Ceiling;
        }

        double? perSecond = ItemsPerSecondLocked();
        if (_requestsPerMinute == 0 || perSecond == null || _itemSeconds == null)
        {
            // No client-side limit: nothing but the ceiling (and 429s) says how many the service takes.
            return _requestsPerMinute == 0 ? Ceiling : Math.Min(Ceiling, MinimumTarget);
        }

        double inService = perSecond.Value * _itemSeconds.Value * Headroom;
        double target = Math.Ceiling(Math.Min(inService, Ceiling)) + Queue;
        return (int)Math.Min(Ceiling, Math.Max(MinimumTarget, target));
    }

    private double? ItemsPerSecondLocked() =>
        _requestsPerMinute == 0 || _requestsPerItem is not double perItem || perItem <= 0
            ? null
            : _requestsPerMinute / 60.0 / perItem;

    private static double Mean(double? mean, double sample) =>
        mean is double m ? m + Smoothing * (sample - m) : sample;
}

public enum ConcurrencyReason
{
    /// <summary>Answers came back and the rate allows more.</summary>
    Grew,

    /// <summary>The service got faster: fewer items fill the rate.</summary>
    Settled,

    /// <summary>A 429, 503 or a call without an answer.</summary>
    Shrank,
}

/// <summary>One change of the limit and what it was worked out from, for a verbose message.</summary>
public sealed class ConcurrencyChange
{
    public ConcurrencyChange(int from, int to, ConcurrencyReason reason, int? status, int target,
        double? itemSeconds, double? requestsPerItem, double? itemsPerSecond)
    {
        From = from;
        To = to;
        Reason = reason;
        Status = status;
        Target = target;
        ItemSeconds = itemSeconds;
        RequestsPerItem = requestsPerItem;
        ItemsPerSecond = itemsPerSecond;
    }

    public int From { get; }
    public int To { get; }
    public ConcurrencyReason Reason { get; }

    /// <summary>The answer that made it shrink (null also for no answer).</summary>
    public int? Status { get; }

    public int Target { get; }
    public double? ItemSeconds { get; }
    public double? RequestsPerItem { get; }
    public double? ItemsPerSecond { get; }
}
