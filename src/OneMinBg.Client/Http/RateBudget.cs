using System;
using System.Collections.Generic;
using System.IO;

namespace OneMinBg.Client.Http;

/// <summary>
/// The rate budget of one (API origin, key): what the limiter needs to book the next request, in wall-clock
/// UTC ticks, since the processes that share it through <see cref="SharedRateBudget"/> share no other clock.
/// <para>
/// Three rules decide a slot: even pacing (GCRA: a theoretical arrival time, with a burst of
/// <see cref="RateLimiter.BurstDuration"/>'s worth); the hard cap (no <see cref="RateLimiter.GuardedWindow"/>
/// holds more than the limit, which needs the recent grants); and a hold after a 429 (no slot before the
/// service's window can have freed one). The pace is the configured limit, or lower after a 429: the
/// adaptive rate of the AWS SDKs' adaptive retry mode, a multiplicative decrease by <see cref="Beta"/> and a
/// CUBIC recovery back to the configured limit.
/// </para>
/// </summary>
internal sealed class RateBudget
{
    /// <summary>The multiplicative decrease on a 429 (as in the AWS SDKs and CUBIC).</summary>
    public const double Beta = 0.7;

    /// <summary>
    /// CUBIC's scaling constant, in requests per minute per second cubed. The AWS SDKs' 0.4 (requests per
    /// second) recovers in about a second, right for a token bucket; a service that counts a sliding minute
    /// needs recovery over about a minute: at 180/min the rate is back where it was 60 s after a 429.
    /// </summary>
    public const double Cubic = 0.00025;

    /// <summary>The adaptive rate never falls below this fraction of the configured limit (nor 1 a minute).</summary>
    public const double FloorFraction = 0.1;

    /// <summary>The most grants kept: the hard cap is exact for limits up to this many a minute.</summary>
    public const int MaxGrants = 4096;

    /// <summary>A state written this far "in the future" was written before the clock went back: rebuilt.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    private const int Magic = 0x52424D4F; // "OMBR"
    private const int Version = 1;
    private const int HeaderBytes = 52;

    private readonly List<long> _grants = new List<long>();

    /// <summary>When this state was last changed (rebuilt if that is in the future: the clock went back).</summary>
    public long WrittenAt { get; private set; }

    /// <summary>GCRA's theoretical arrival time of the next request.</summary>
    public long TheoreticalArrival { get; private set; }

    /// <summary>No slot before this: the service refused with 429, and its window must free a slot first.</summary>
    public long HoldUntil { get; private set; }

    /// <summary>The rate at the last decrease (requests a minute, before the decrease); 0: never slowed.</summary>
    public double LastMaxRate { get; private set; }

    /// <summary>When the rate was last decreased.</summary>
    public long LastDecrease { get; private set; }

    public IReadOnlyList<long> Grants => _grants;

    /// <summary>
    /// The rate the budget paces at, at <paramref name="now"/>: the configured limit, or after a 429
    /// CUBIC's curve β·max → max (concave) → beyond (convex), capped at the limit.
    /// </summary>
    public double AllowedRate(long now, int perMinute)
    {
        if (LastMaxRate <= 0)
        {
            return perMinute;
        }

        double seconds = Math.Max(0, (now - LastDecrease) / (double)TimeSpan.TicksPerSecond);
        double k = Math.Pow(LastMaxRate * (1 - Beta) / Cubic, 1.0 / 3);
        double rate = Cubic * Math.Pow(seconds - k, 3) + LastMaxRate;
        return Math.Min(perMinute, Math.Max(Floor(perMinute), rate));
    }

    private static double Floor(int perMinute) => Math.Max(1, perMinute * FloorFraction);

    /// <summary>Books the earliest slot at or after <paramref name="now"/> and returns its time.</summary>
    public long Reserve(long now, int perMinute)
    {
        Forget(now);
        double rate = AllowedRate(now, perMinute);
        long interval = (long)(TimeSpan.TicksPerMinute / rate);
        int burst = (int)Math.Max(1, Math.Min(rate, Math.Round(rate * RateLimiter.BurstDuration.Ticks
            / RateLimiter.Window.Ticks)));
        long tolerance = interval * (burst - 1);

        // Even pacing (GCRA): at most `burst` early, then one per interval.
        long slot = Math.Max(Math.Max(now, TheoreticalArrival - tolerance), HoldUntil);
        // Hard cap: the limit-th previous grant must have left the guarded window.
        if (_grants.Count >= perMinute)
        {
            slot = Math.Max(slot, _grants[_grants.Count - perMinute] + RateLimiter.GuardedWindow.Ticks);
        }

        if (_grants.Count > 0)
        {
            slot = Math.Max(slot, _grants[_grants.Count - 1]);
        }

        _grants.Add(slot);
        if (_grants.Count > MaxGrants)
        {
            _grants.RemoveRange(0, _grants.Count - MaxGrants);
        }

        TheoreticalArrival = Math.Max(TheoreticalArrival, slot) + interval;
        WrittenAt = now;
        return slot;
    }

    /// <summary>
    /// The service refused a request booked for <paramref name="grantedAt"/> with 429. Every later slot waits
    /// for the service's window: <paramref name="retryAfter"/> when it said, else until the oldest request
    /// booked in the minute before this one leaves that minute (when a window full of this key's requests frees
    /// a slot), with the guarded window's extra second for a request that arrived late; at most 61 s. The rate
    /// drops by β, once per decrease: a 429 of a request booked before the last decrease says nothing about the
    /// rate since.
    /// </summary>
    public void Refused(long now, long grantedAt, TimeSpan? retryAfter, int perMinute)
    {
        Forget(now);
        long windowStart = grantedAt - RateLimiter.Window.Ticks;
        int inWindow = 0;
        long oldest = grantedAt;
        foreach (long grant in _grants)
        {
            if (grant > windowStart && grant < grantedAt)
            {
                inWindow++;
                oldest = Math.Min(oldest, grant);
            }
        }

        long hold = retryAfter.HasValue
            ? now + Math.Min(retryAfter.Value.Ticks, RateLimiter.Window.Ticks)
            : Math.Min(now + RateLimiter.GuardedWindow.Ticks, Math.Max(now, oldest + RateLimiter.GuardedWindow.Ticks));
        HoldUntil = Math.Max(HoldUntil, hold);

        if (grantedAt >= LastDecrease)
        {
            // The AWS SDKs' "rate to use": the measured rate, when lower than the one allowed.
            double measured = Math.Max(inWindow, Floor(perMinute));
            LastMaxRate = Math.Min(AllowedRate(now, perMinute), measured);
            LastDecrease = now;
        }

        WrittenAt = now;
    }

    /// <summary>
    /// A caller that waited for <paramref name="slot"/> is due: the slot, or when a 429 put a hold on the key
    /// after it was booked, a slot after the hold (the old one is given up, so it counts for nothing).
    /// </summary>
    public long Rebook(long now, long slot, int perMinute)
    {
        if (HoldUntil <= slot)
        {
            return slot;
        }

        int index = _grants.LastIndexOf(slot);
        if (index >= 0)
        {
            _grants.RemoveAt(index);
        }

        return Reserve(now, perMinute);
    }

    /// <summary>
    /// A caller stopped waiting for <paramref name="slot"/> (the run was stopped): the slot counts for nothing, and
    /// when it was the last one booked, the pace steps back to it, so a stopped run delays no other.
    /// </summary>
    public void Release(long now, long slot)
    {
        int index = _grants.LastIndexOf(slot);
        if (index < 0)
        {
            return;
        }

        bool last = index == _grants.Count - 1;
        _grants.RemoveAt(index);
        if (last)
        {
            TheoreticalArrival = Math.Max(now, Math.Min(TheoreticalArrival, slot));
        }

        WrittenAt = now;
    }

    /// <summary>
    /// The request booked for <paramref name="grantedAt"/> went on the wire only at <paramref name="sentAt"/> (a
    /// busy machine, a cold start): the hard cap counts it from then, since a request that arrives late at the
    /// service and one booked 61 s after it could otherwise meet in one of its minutes.
    /// </summary>
    public void Sent(long now, long grantedAt, long sentAt)
    {
        Forget(now);
        int index = _grants.LastIndexOf(grantedAt);
        if (index < 0 || sentAt <= grantedAt)
        {
            return;
        }

        _grants.RemoveAt(index);
        int at = _grants.BinarySearch(sentAt);
        _grants.Insert(at < 0 ? ~at : at, sentAt);
        WrittenAt = now;
    }

    /// <summary>Drops grants older than the guarded window, and a recovery that is complete.</summary>
    private void Forget(long now)
    {
        int expired = 0;
        while (expired < _grants.Count && _grants[expired] <= now - RateLimiter.GuardedWindow.Ticks)
        {
            expired++;
        }

        _grants.RemoveRange(0, expired);
    }

    /// <summary>A state whose times cannot be right at <paramref name="now"/>: the clock went back.</summary>
    public bool IsFromTheFuture(long now) => WrittenAt > now + ClockSkew.Ticks;

    public void Write(Stream stream)
    {
        var writer = new BinaryWriter(stream);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(WrittenAt);
        writer.Write(TheoreticalArrival);
        writer.Write(HoldUntil);
        writer.Write(LastMaxRate);
        writer.Write(LastDecrease);
        writer.Write(_grants.Count);
        foreach (long grant in _grants)
        {
            writer.Write(grant);
        }

        writer.Flush();
    }

    /// <summary>The state in <paramref name="stream"/>; null when it is empty, corrupt or of another version.</summary>
    public static RateBudget? Read(Stream stream)
    {
        if (stream.Length < HeaderBytes || stream.Length > HeaderBytes + 8L * MaxGrants)
        {
            return null;
        }

        var reader = new BinaryReader(stream);
        try
        {
            if (reader.ReadInt32() != Magic || reader.ReadInt32() != Version)
            {
                return null;
            }

            var state = new RateBudget
            {
                WrittenAt = reader.ReadInt64(),
                TheoreticalArrival = reader.ReadInt64(),
                HoldUntil = reader.ReadInt64(),
                LastMaxRate = reader.ReadDouble(),
                LastDecrease = reader.ReadInt64(),
            };
            int count = reader.ReadInt32();
            if (count < 0 || count > MaxGrants || stream.Length != HeaderBytes + 8L * count
                || double.IsNaN(state.LastMaxRate) || state.LastMaxRate < 0)
            {
                return null;
            }

            long previous = long.MinValue;
            for (int i = 0; i < count; i++)
            {
                long grant = reader.ReadInt64();
                if (grant < previous)
                {
                    return null; // grants are booked in order: anything else was not written by this code
                }

                state._grants.Add(grant);
                previous = grant;
            }

            return state;
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }
}
