using System.Collections.Generic;

namespace OneMinBg.Tests;

public sealed class RateLimiterTests
{
    /// <summary>A clock that only moves when a waiter "sleeps": tests run instantly and deterministically.</summary>
    internal sealed class FakeClock : IClock
    {
        private long _ticks;

        public TimeSpan Now => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

        public List<TimeSpan> Delays { get; } = new();

        public Task Delay(TimeSpan delay, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (Delays)
            {
                Delays.Add(delay);
            }

            Advance(delay);
            return Task.CompletedTask;
        }

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>The most grants any window of <paramref name="window"/> holds (grants sorted).</summary>
    internal static int MostInAnyWindow(IReadOnlyList<TimeSpan> grants, TimeSpan window)
    {
        int most = 0;
        int start = 0;
        for (int end = 0; end < grants.Count; end++)
        {
            while (grants[end] - grants[start] >= window)
            {
                start++;
            }

            most = Math.Max(most, end - start + 1);
        }

        return most;
    }

    [Fact]
    public void A_burst_of_two_seconds_worth_passes_then_requests_are_paced()
    {
        var limiter = new RateLimiter(new FakeClock());

        List<TimeSpan> grants = Enumerable.Range(0, 12).Select(_ => limiter.Reserve(TimeSpan.Zero, 180)).ToList();

        Assert.All(grants.Take(6), g => Assert.Equal(TimeSpan.Zero, g));
        TimeSpan interval = TimeSpan.FromTicks(TimeSpan.FromMinutes(1).Ticks / 180);
        for (int i = 6; i < grants.Count; i++)
        {
            Assert.Equal(grants[i - 1] + interval, grants[i]);
        }
    }

    [Theory]
    [InlineData(180, 1000)]
    [InlineData(60, 400)]
    [InlineData(7, 50)]
    [InlineData(1, 5)]
    public void A_batch_queued_at_once_never_exceeds_the_limit_in_any_60s_even_with_a_second_of_latency_jitter(int perMinute, int requests)
    {
        var limiter = new RateLimiter(new FakeClock());

        List<TimeSpan> grants = Enumerable.Range(0, requests).Select(_ => limiter.Reserve(TimeSpan.Zero, perMinute)).ToList();

        Assert.Equal(grants.OrderBy(g => g), grants);
        Assert.Equal(perMinute, MostInAnyWindow(grants, RateLimiter.GuardedWindow));
        // Not needlessly slow either: the whole batch takes about requests / perMinute minutes.
        double minutes = (grants[^1] - grants[0]).TotalMinutes;
        Assert.InRange(minutes, (requests - perMinute) / (double)perMinute, requests / (double)perMinute * 61 / 60 + 0.05);
    }

    [Fact]
    public void Random_arrivals_from_many_callers_stay_within_the_limit()
    {
        var limiter = new RateLimiter(new FakeClock());
        var random = new Random(7);
        var grants = new List<TimeSpan>();
        var now = TimeSpan.Zero;
        for (int i = 0; i < 3000; i++)
        {
            now += TimeSpan.FromMilliseconds(random.Next(0, 700));
            TimeSpan grant = limiter.Reserve(now, 120);
            Assert.True(grant >= now);
            grants.Add(grant);
        }

        Assert.True(MostInAnyWindow(grants, RateLimiter.GuardedWindow) <= 120);
    }

    [Fact]
    public void Concurrent_callers_get_the_same_slots_as_sequential_ones()
    {
        var shared = new RateLimiter(new FakeClock());
        var concurrent = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();

        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => concurrent.Add(shared.Reserve(TimeSpan.Zero, 100)));

        var sequential = new RateLimiter(new FakeClock());
        List<TimeSpan> expected = Enumerable.Range(0, 2000).Select(_ => sequential.Reserve(TimeSpan.Zero, 100)).ToList();
        Assert.Equal(expected, concurrent.OrderBy(g => g));
        Assert.Equal(100, MostInAnyWindow(expected, RateLimiter.GuardedWindow));
    }

    [Fact]
    public async Task WaitAsync_waits_for_the_reserved_slot()
    {
        var clock = new FakeClock();
        var limiter = new RateLimiter(clock);

        var waits = new List<TimeSpan>();
        for (int i = 0; i < 5; i++)
        {
            waits.Add((await limiter.WaitAsync(60, CancellationToken.None)).Waited);
        }

        TimeSpan second = TimeSpan.FromSeconds(1);
        Assert.Equal(new[] { TimeSpan.Zero, TimeSpan.Zero, second, second, second }, waits);
        Assert.Equal(TimeSpan.FromSeconds(3), clock.Now);
    }

    [Fact]
    public async Task Waiting_is_cancellable()
    {
        var limiter = new RateLimiter(new FakeClock());
        for (int i = 0; i < 10; i++)
        {
            limiter.Reserve(TimeSpan.Zero, 10);
        }

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.WaitAsync(10, cancelled.Token));
    }

    [Fact]
    public void Limiters_are_shared_per_origin_and_key()
    {
        var origin = new Uri("https://Limiter-Test.example/");
        RateLimiter first = RateLimiter.For(origin, "key-one");

        Assert.Same(first, RateLimiter.For(new Uri("https://limiter-test.example/other/path/"), "key-one"));
        Assert.NotSame(first, RateLimiter.For(origin, "key-two"));
        Assert.NotSame(first, RateLimiter.For(new Uri("https://limiter-test.example:8443/"), "key-one"));
    }
}
