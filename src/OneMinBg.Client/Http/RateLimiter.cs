using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Http;

/// <summary>Time as the rate limiter sees it; tests substitute a clock they move by hand.</summary>
internal interface IClock
{
    TimeSpan Now { get; }

    Task Delay(TimeSpan delay, CancellationToken cancellationToken);
}

internal sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new SystemClock();
    private static readonly Stopwatch Elapsed = Stopwatch.StartNew();

    public TimeSpan Now => Elapsed.Elapsed;

    public Task Delay(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);
}

/// <summary>
/// A client-side request limit shared by every thread and client that uses the same API origin and key.
/// Callers reserve the next free slot and wait for it (cancellably) rather than fail.
/// <para>
/// Two rules together: requests are paced evenly at the limit's rate with a burst of at most
/// <see cref="BurstDuration"/>'s worth, and no <see cref="GuardedWindow"/> (61 s) ever holds more than the
/// limit. The extra second over the server's 60 s lets request latency vary by a second without a
/// server that counts any 60 s window seeing one request too many.
/// </para>
/// </summary>
internal sealed class RateLimiter
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan GuardedWindow = TimeSpan.FromSeconds(61);
    public static readonly TimeSpan BurstDuration = TimeSpan.FromSeconds(2);

    private static readonly ConcurrentDictionary<string, RateLimiter> Shared =
        new ConcurrentDictionary<string, RateLimiter>(StringComparer.Ordinal);

    private readonly object _gate = new object();
    private readonly IClock _clock;
    private readonly List<TimeSpan> _grants = new List<TimeSpan>();
    private TimeSpan _theoreticalArrival;

    private int _reservations;

    public RateLimiter(IClock clock)
    {
        _clock = clock;
    }

    /// <summary>The process-wide limiter of one (origin, key) pair. The key is held only as its SHA-256.</summary>
    public static RateLimiter For(Uri baseUri, string apiKey)
    {
        string origin = baseUri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        return Shared.GetOrAdd(origin + "|" + Text.Sha256Hex(apiKey), _ => new RateLimiter(SystemClock.Instance));
    }

    /// <summary>Reserves a slot and waits for it. Returns how long it waited.</summary>
    public async Task<TimeSpan> WaitAsync(int perMinute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TimeSpan now = _clock.Now;
        TimeSpan wait = Reserve(now, perMinute) - now;
        if (wait > TimeSpan.Zero)
        {
            await _clock.Delay(wait, cancellationToken).ConfigureAwait(false);
            return wait;
        }

        return TimeSpan.Zero;
    }

    /// <summary>How many slots were booked: lets tests see which calls are limited without timing them.</summary>
    internal int Reservations => Volatile.Read(ref _reservations);

    /// <summary>Books the earliest slot at or after <paramref name="now"/> and returns its time.</summary>
    internal TimeSpan Reserve(TimeSpan now, int perMinute)
    {
        Interlocked.Increment(ref _reservations);
        if (perMinute <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(perMinute));
        }

        var interval = TimeSpan.FromTicks(Window.Ticks / perMinute);
        int burst = (int)Math.Max(1,
            Math.Min(perMinute, Math.Round((double)perMinute * BurstDuration.Ticks / Window.Ticks)));
        var tolerance = TimeSpan.FromTicks(interval.Ticks * (burst - 1));

        lock (_gate)
        {
            int expired = 0;
            while (expired < _grants.Count && _grants[expired] <= now - GuardedWindow)
            {
                expired++;
            }

            _grants.RemoveRange(0, expired);

            // Even pacing (GCRA): at most `burst` early, then one per interval.
            TimeSpan slot = Max(now, _theoreticalArrival - tolerance);
            // Hard cap: the limit-th previous grant must have left the guarded window.
            if (_grants.Count >= perMinute)
            {
                slot = Max(slot, _grants[_grants.Count - perMinute] + GuardedWindow);
            }

            if (_grants.Count > 0)
            {
                slot = Max(slot, _grants[_grants.Count - 1]);
            }

            _grants.Add(slot);
            _theoreticalArrival = Max(_theoreticalArrival, slot) + interval;
            return slot;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
