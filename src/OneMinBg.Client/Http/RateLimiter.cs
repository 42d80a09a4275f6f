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

/// <summary>
/// Time as the rate limiter sees it: wall-clock UTC (as ticks since 0001-01-01), since processes that share a
/// budget share no other clock. Tests substitute a clock they move by hand.
/// </summary>
internal interface IClock
{
    TimeSpan Now { get; }

    Task Delay(TimeSpan delay, CancellationToken cancellationToken);
}

internal sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new SystemClock();

    public TimeSpan Now => TimeSpan.FromTicks(DateTime.UtcNow.Ticks);

    public Task Delay(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);
}

/// <summary>A booked slot: when it is, how long the caller waited for it, and a note for -Verbose if any.</summary>
internal readonly struct RateGrant
{
    public RateGrant(TimeSpan at, TimeSpan waited, string? note)
    {
        At = at;
        Waited = waited;
        Note = note;
    }

    public TimeSpan At { get; }
    public TimeSpan Waited { get; }
    public string? Note { get; }
}

/// <summary>
/// A client-side request limit shared by every thread and client that uses the same API origin and key, and
/// through <see cref="SharedRateBudget"/> by every process of the user on this machine. Callers reserve the next
/// free slot and wait for it (cancellably) rather than fail.
/// <para>
/// Requests are paced evenly at the limit's rate with a burst of at most <see cref="BurstDuration"/>'s worth,
/// and no <see cref="GuardedWindow"/> (61 s) ever holds more than the limit. The extra second over the server's
/// 60 s lets request latency vary by a second without a server that counts any 60 s window seeing one request
/// too many. A 429 holds every later slot back and slows the pace (<see cref="RateBudget"/>).
/// </para>
/// </summary>
internal sealed class RateLimiter
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan GuardedWindow = TimeSpan.FromSeconds(61);
    public static readonly TimeSpan BurstDuration = TimeSpan.FromSeconds(2);

    private static readonly ConcurrentDictionary<string, RateLimiter> Shared =
        new ConcurrentDictionary<string, RateLimiter>(StringComparer.Ordinal);

    // The threads of this process take turns here; processes take turns at the store's file lock.
    private readonly object _gate = new object();
    private readonly IClock _clock;
    private readonly IRateBudgetStore _store;
    private string? _pendingNote;

    private int _reservations;

    public RateLimiter(IClock clock, IRateBudgetStore? store = null, string? note = null)
    {
        _clock = clock;
        _store = store ?? new LocalRateBudget();
        _pendingNote = note;
    }

    /// <summary>
    /// The limiter of one (origin, key) pair for this process, sharing its budget with the other processes of the
    /// user. The key is held only as its SHA-256.
    /// </summary>
    public static RateLimiter For(Uri baseUri, string apiKey)
    {
        string origin = baseUri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        return Shared.GetOrAdd(origin + "|" + Text.Sha256Hex(apiKey), _ =>
        {
            IRateBudgetStore store;
            string? note;
            try
            {
                store = SharedRateBudget.Create(SharedRateBudget.DefaultFolder(), origin, apiKey, out note);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is PlatformNotSupportedException)
            {
                store = new LocalRateBudget();
                note = $"The rate limit is not shared with other processes: no data folder ({ex.Message}).";
            }

            return new RateLimiter(SystemClock.Instance, store, note);
        });
    }

    /// <summary>
    /// Reserves a slot and waits for it. A caller that waited is checked again when due: a 429 while it waited
    /// (in any process) holds it back too, instead of it discovering the 429 for itself.
    /// </summary>
    public async Task<RateGrant> WaitAsync(int perMinute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TimeSpan now = _clock.Now;
        TimeSpan slot = Reserve(now, perMinute, out string? note);
        TimeSpan waited = TimeSpan.Zero;
        while (slot > now)
        {
            try
            {
                await _clock.Delay(slot - now, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Release(slot);
                throw;
            }

            waited += slot - now;
            now = _clock.Now;
            TimeSpan due = slot;
            lock (_gate)
            {
                slot = TimeSpan.FromTicks(_store.Update(now.Ticks,
                    budget => budget.Rebook(now.Ticks, due.Ticks, perMinute), out string? again));
                note ??= again;
            }

            if (slot == due)
            {
                break;
            }
        }

        return new RateGrant(slot, waited, note);
    }

    private void Release(TimeSpan slot)
    {
        TimeSpan now = _clock.Now;
        lock (_gate)
        {
            _store.Update(now.Ticks, budget =>
            {
                budget.Release(now.Ticks, slot.Ticks);
                return true;
            }, out _);
        }
    }

    /// <summary>How many slots were booked: lets tests see which calls are limited without timing them.</summary>
    internal int Reservations => Volatile.Read(ref _reservations);

    /// <summary>Books the earliest slot at or after <paramref name="now"/> and returns its time.</summary>
    internal TimeSpan Reserve(TimeSpan now, int perMinute) => Reserve(now, perMinute, out _);

    internal TimeSpan Reserve(TimeSpan now, int perMinute, out string? note)
    {
        Interlocked.Increment(ref _reservations);
        if (perMinute <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(perMinute));
        }

        lock (_gate)
        {
            long slot = _store.Update(now.Ticks, budget => budget.Reserve(now.Ticks, perMinute), out note);
            note ??= TakePendingNote();
            return TimeSpan.FromTicks(slot);
        }
    }

    /// <summary>
    /// The service answered 429 to the request booked at <paramref name="grantedAt"/>: every process holds back
    /// and slows down (<see cref="RateBudget.Refused"/>).
    /// </summary>
    internal void Refused(TimeSpan grantedAt, TimeSpan? retryAfter, int perMinute, out string? note)
    {
        TimeSpan now = _clock.Now;
        lock (_gate)
        {
            _store.Update(now.Ticks, budget =>
            {
                budget.Refused(now.Ticks, grantedAt.Ticks, retryAfter, perMinute);
                return true;
            }, out note);
        }
    }

    /// <summary>
    /// A request went on the wire later than its slot: counted from when it did (<see cref="RateBudget.Sent"/>).
    /// </summary>
    internal void Sent(TimeSpan grantedAt)
    {
        TimeSpan now = _clock.Now;
        lock (_gate)
        {
            _store.Update(now.Ticks, budget =>
            {
                budget.Sent(now.Ticks, grantedAt.Ticks, now.Ticks);
                return true;
            }, out _);
        }
    }

    /// <summary>How late after its slot a request may go without being counted again from when it went.</summary>
    internal static readonly TimeSpan LateSend = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether a request of the slot <paramref name="grantedAt"/> that goes now goes late.</summary>
    internal bool IsLate(TimeSpan grantedAt) => _clock.Now - grantedAt > LateSend;

    /// <summary>The rate the key is paced at now (requests a minute): the limit, or less after a 429.</summary>
    internal double AllowedRate(int perMinute)
    {
        TimeSpan now = _clock.Now;
        lock (_gate)
        {
            return _store.Update(now.Ticks, budget => budget.AllowedRate(now.Ticks, perMinute), out _);
        }
    }

    private string? TakePendingNote()
    {
        string? note = _pendingNote;
        _pendingNote = null;
        return note;
    }
}
