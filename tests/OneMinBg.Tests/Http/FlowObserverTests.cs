using System.Collections.Concurrent;
using OneMinBg.Client.Http;

namespace OneMinBg.Tests;

/// <summary>What a batch hears of its items' calls through <see cref="IFlowObserver"/>.</summary>
public sealed class FlowObserverTests : TempDirTest
{
    private sealed class Events : IFlowObserver
    {
        public readonly ConcurrentQueue<string> Seen = new();

        public void WaitingForRateLimit(bool waiting) => Seen.Enqueue(waiting ? "wait" : "go");

        public void Sent() => Seen.Enqueue("sent");

        public void Answered(TimeSpan elapsed, int? status) => Seen.Enqueue("answered " + (status?.ToString() ?? "none"));
    }

    [Fact]
    public async Task Every_attempt_is_told_with_its_status_and_a_429s_pause_is_a_wait_for_the_rate_limit()
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator);
        options.RequestsPerMinute = 6000;
        var client = new OneMinClient(options);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", "429", count: 1, retryAfter: "0"));
        var events = new Events();

        await Task.Run(async () =>
        {
            FlowObservation.Observe(events);
            await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);
        });

        Assert.Equal(new[] { "wait", "go", "sent", "answered 429", "wait", "go", "wait", "go", "sent", "answered 200" },
            events.Seen.ToArray());
    }

    [Fact]
    public async Task An_attempt_without_an_answer_is_told_without_a_status()
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator);
        options.Timeout = TimeSpan.FromMilliseconds(300);
        options.MaxRetryCount = 0;
        var client = new OneMinClient(options);
        emulator.State.Config = Emu.With(Emu.Fault("result", "slow", delayMs: 5000));
        var events = new Events();

        await Task.Run(async () =>
        {
            FlowObservation.Observe(events);
            await Assert.ThrowsAsync<OneMinApiException>(() => client.GetResultAsync("x", CancellationToken.None));
        });

        Assert.Equal(new[] { "sent", "answered none" }, events.Seen.ToArray());
    }
}
