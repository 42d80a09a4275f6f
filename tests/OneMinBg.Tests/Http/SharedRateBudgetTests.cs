using System.Collections.Generic;
using System.IO;
using FakeClock = OneMinBg.Tests.RateLimiterTests.FakeClock;

namespace OneMinBg.Tests;

/// <summary>
/// One key's budget shared through its file: two limiters on one file behave as two processes on one key do
/// (each has its own copy in memory; only the file joins them).
/// </summary>
public sealed class SharedRateBudgetTests : TempDirTest
{
    private const string Origin = "https://api.example";
    private const string Key = "sk-shared-budget-7f3a9c";

    private string BudgetPath => Dir.File(SharedRateBudget.FileName(Origin, Key));

    private RateLimiter Process(FakeClock clock, TimeSpan? lockTimeout = null) =>
        new(clock, new SharedRateBudget(BudgetPath, lockTimeout ?? SharedRateBudget.DefaultLockTimeout));

    [Theory]
    [InlineData(180, 600)]
    [InlineData(20, 100)]
    public void Two_processes_on_one_key_stay_within_its_limit_together(int perMinute, int requestsEach)
    {
        var clock = new FakeClock();
        RateLimiter first = Process(clock), second = Process(clock);
        var grants = new List<TimeSpan>();

        for (int i = 0; i < requestsEach; i++)
        {
            grants.Add(first.Reserve(clock.Now, perMinute));
            grants.Add(second.Reserve(clock.Now, perMinute));
            clock.Advance(TimeSpan.FromMilliseconds(50));
        }

        grants.Sort();
        Assert.Equal(perMinute, RateLimiterTests.MostInAnyWindow(grants, RateLimiter.GuardedWindow));
        // Together at the key's pace, not each at it: both batches take as long as one twice their size.
        double minutes = (grants[^1] - grants[0]).TotalMinutes;
        Assert.InRange(minutes, (2.0 * requestsEach - perMinute) / perMinute, 2.0 * requestsEach / perMinute * 61 / 60 + 0.05);
    }

    [Fact]
    public void The_file_names_the_key_by_a_hash_and_holds_no_key()
    {
        var clock = new FakeClock();
        Process(clock).Reserve(clock.Now, 180);

        Assert.DoesNotContain(Key, BudgetPath, StringComparison.Ordinal);
        Assert.Equal(64 + ".budget".Length, Path.GetFileName(BudgetPath).Length);
        string content = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(BudgetPath));
        Assert.DoesNotContain(Key, content, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-", content, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_file_is_rebuilt()
    {
        var clock = new FakeClock();
        clock.Advance(TimeSpan.FromDays(1));
        File.WriteAllText(BudgetPath, "not a budget at all, and rather long for one: " + new string('x', 200));

        Assert.Equal(clock.Now, Process(clock).Reserve(clock.Now, 180));

        // Rebuilt as a budget the other process reads: its first slot is paced after this one.
        Assert.NotNull(RateBudget.Read(new MemoryStream(File.ReadAllBytes(BudgetPath))));
    }

    [Fact]
    public void A_budget_written_in_the_future_after_the_clock_went_back_is_rebuilt()
    {
        var clock = new FakeClock();
        clock.Advance(TimeSpan.FromHours(2));
        RateLimiter before = Process(clock);
        for (int i = 0; i < 400; i++)
        {
            before.Reserve(clock.Now, 60); // books slots hours ahead
        }

        clock.Advance(-TimeSpan.FromHours(1)); // the clock is set back an hour

        Assert.Equal(clock.Now, Process(clock).Reserve(clock.Now, 60));
    }

    [Fact]
    public void A_lock_held_too_long_falls_back_to_the_process_own_limit_with_a_note_and_never_blocks()
    {
        var clock = new FakeClock();
        RateLimiter limiter = Process(clock, TimeSpan.FromMilliseconds(100));
        limiter.Reserve(clock.Now, 60);

        using (new FileStream(BudgetPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            TimeSpan slot = limiter.Reserve(clock.Now, 60, out string? note);

            Assert.Equal(clock.Now, slot); // the burst of two: the second slot is free at once
            Assert.NotNull(note);
            Assert.Contains("keeps to the limit on its own", note, StringComparison.Ordinal);
            // Still paced: its own copy knows both slots it booked.
            Assert.Equal(clock.Now + TimeSpan.FromSeconds(1), limiter.Reserve(clock.Now, 60, out string? quiet));
            Assert.Null(quiet); // the file is left alone for a while: not a note (nor a wait) per request
        }

        clock.Advance(SharedRateBudget.AvoidFor);
        limiter.Reserve(clock.Now, 60, out string? back);
        Assert.Null(back);
        RateLimiter other = Process(clock); // shared again: the other process's slot follows this one's
        Assert.Equal(clock.Now, other.Reserve(clock.Now, 60));
        Assert.Equal(clock.Now + TimeSpan.FromSeconds(1), other.Reserve(clock.Now, 60));
    }

    [Fact]
    public void A_429_with_Retry_After_holds_every_process_back_and_slows_the_key()
    {
        var clock = new FakeClock();
        RateLimiter first = Process(clock), second = Process(clock);
        TimeSpan granted = first.Reserve(clock.Now, 180);

        first.Refused(granted, TimeSpan.FromSeconds(10), 180, out _);

        Assert.Equal(clock.Now + TimeSpan.FromSeconds(10), second.Reserve(clock.Now, 180));
        Assert.True(second.AllowedRate(180) < 180);
    }

    [Fact]
    public void A_429_without_Retry_After_holds_back_until_the_minute_before_it_has_passed()
    {
        var clock = new FakeClock();
        RateLimiter first = Process(clock), second = Process(clock);
        TimeSpan start = clock.Now;
        TimeSpan last = TimeSpan.Zero;
        for (int i = 0; i < 20; i++)
        {
            last = first.Reserve(clock.Now, 180);
            clock.Advance(TimeSpan.FromMilliseconds(300));
        }

        first.Refused(last, null, 180, out _);

        // The oldest request of the minute before the refused one leaves that minute: the service can take one.
        Assert.Equal(start + RateLimiter.GuardedWindow, second.Reserve(clock.Now, 180));
    }

    [Fact]
    public void Refusals_of_requests_sent_before_a_slowdown_slow_it_once_then_the_rate_recovers_to_the_limit()
    {
        var clock = new FakeClock();
        RateLimiter first = Process(clock), second = Process(clock);
        var granted = new List<TimeSpan>();
        for (int i = 0; i < 20; i++)
        {
            granted.Add(first.Reserve(clock.Now, 100));
        }

        // A service that allows 19 a minute refuses the last few, all sent before it said so.
        clock.Advance(TimeSpan.FromSeconds(15));
        first.Refused(granted[^1], null, 100, out _);
        second.Refused(granted[^2], null, 100, out _);
        first.Refused(granted[^3], null, 100, out _);

        double slowed = second.AllowedRate(100);
        Assert.Equal(RateBudget.Beta * 19, slowed, 3); // β times what the minute held, once
        clock.Advance(TimeSpan.FromSeconds(20));
        double recovering = second.AllowedRate(100);
        Assert.InRange(recovering, slowed, 19);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(100, first.AllowedRate(100), 3);
    }

    [Fact]
    public void A_processes_pace_after_a_429_follows_the_slower_rate()
    {
        var clock = new FakeClock();
        RateLimiter first = Process(clock), second = Process(clock);
        TimeSpan granted = TimeSpan.Zero;
        for (int i = 0; i < 30; i++)
        {
            granted = first.Reserve(clock.Now, 60);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        first.Refused(granted, TimeSpan.Zero, 60, out _);
        TimeSpan a = second.Reserve(clock.Now, 60);
        TimeSpan b = second.Reserve(clock.Now, 60);
        TimeSpan c = second.Reserve(clock.Now, 60);

        // 30 in the minute before: paced at β·29 a minute (about 2.96 s apart), not at 60 (1 s).
        Assert.True(c - b > TimeSpan.FromSeconds(2.5), $"{(c - b).TotalSeconds} s apart");
        Assert.True(b >= a);
    }

    [Fact]
    public void A_request_sent_late_is_counted_from_when_it_went()
    {
        var clock = new FakeClock();
        RateLimiter first = Process(clock), second = Process(clock);
        TimeSpan early = first.Reserve(clock.Now, 2);
        Assert.Equal(TimeSpan.FromSeconds(30), first.Reserve(clock.Now, 2));

        clock.Advance(TimeSpan.FromSeconds(10));
        first.Sent(early); // it went 10 s after its slot

        // Two a minute: the third waits until the first has been gone 61 s, counted from when it went.
        Assert.Equal(TimeSpan.FromSeconds(71), second.Reserve(clock.Now, 2));
    }

    [Fact]
    public async Task A_caller_already_waiting_when_another_process_hears_429_is_held_back_too()
    {
        var clock = new FakeClock();
        RateLimiter first = Process(clock);
        for (int i = 0; i < 3; i++)
        {
            first.Reserve(clock.Now, 60); // the burst of two, then slots a second apart
        }

        // The second process books the next slot (at 2 s); while it waits, the first hears 429 "Retry-After: 30".
        var heard = new HoldOnFirstDelay(clock, () => first.Refused(TimeSpan.Zero, TimeSpan.FromSeconds(30), 60, out _));
        RateGrant grant = await new RateLimiter(heard, new SharedRateBudget(BudgetPath, SharedRateBudget.DefaultLockTimeout))
            .WaitAsync(60, CancellationToken.None);

        Assert.True(grant.At >= TimeSpan.FromSeconds(30), $"sent at {grant.At.TotalSeconds} s, in the hold");
        Assert.Equal(grant.At, clock.Now);
    }

    [Fact]
    public async Task A_run_stopped_while_waiting_gives_its_slot_back_to_the_other_processes()
    {
        var clock = new FakeClock();
        using var stop = new CancellationTokenSource();
        var stopping = new HoldOnFirstDelay(clock, stop.Cancel);
        var stopped = new RateLimiter(stopping, new SharedRateBudget(BudgetPath, SharedRateBudget.DefaultLockTimeout));
        RateLimiter other = Process(clock);
        stopped.Reserve(clock.Now, 6); // 6 a minute: one every 10 s

        // Its next slot (at 10 s) is booked, then the run is stopped while it waits for it.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped.WaitAsync(6, stop.Token));

        Assert.Equal(TimeSpan.Zero, clock.Now);
        Assert.Equal(TimeSpan.FromSeconds(10), other.Reserve(clock.Now, 6)); // not 20 s
    }

    /// <summary>The fake clock, with something happening during the first wait.</summary>
    private sealed class HoldOnFirstDelay(FakeClock clock, Action during) : IClock
    {
        private Action? _during = during;

        public TimeSpan Now => clock.Now;

        public Task Delay(TimeSpan delay, CancellationToken cancellationToken)
        {
            Interlocked.Exchange(ref _during, null)?.Invoke();
            return clock.Delay(delay, cancellationToken);
        }
    }
}
