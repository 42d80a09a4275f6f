namespace OneMinBg.Tests;

/// <summary>A download host that sends too slowly fails in one window, says so, and is retried.</summary>
public sealed class SlowDownloadTests : ResultDownloadTest
{
    public SlowDownloadTests() : base("1024x1024")
    {
    }

    private static OneMinClientOptions Options(EmulatorServer emulator)
    {
        OneMinClientOptions options = Emu.Options(emulator);
        options.MaxRetryCount = 1;
        options.DownloadRateWindow = TimeSpan.FromMilliseconds(500);
        return options;
    }

    [Fact]
    public async Task A_host_that_drips_bytes_fails_with_what_it_sent_and_is_tried_again()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator, Options(emulator));
        emulator.State.Config = Emu.With(Emu.Fault("download", "drip", delayMs: 50));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() =>
            client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None));

        Assert.Equal(ApiErrorKind.Timeout, error.Kind);
        Assert.Matches(@"the download host sent \d+ bytes in 0\.5 s, below the minimum of 1 KB/s", error.Message);
        Assert.Contains("tried 2 times", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("no answer", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, emulator.State.Snapshot().Downloads);
        Assert.Empty(Out.Names());
    }

    [Fact]
    public async Task A_slow_attempt_is_retried_and_a_good_one_saves_the_file()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator, Options(emulator));
        emulator.State.Config = Emu.With(Emu.Fault("download", "drip", count: 1, delayMs: 50));

        DownloadedFile file = await client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None);

        Assert.Equal((1024, 1024), (file.Image.Width, file.Image.Height));
        Assert.Equal(new[] { "r.png" }, Out.Names());
    }

    [Theory]
    [InlineData(30, 600, 30)]
    [InlineData(30, 5, 1)]
    [InlineData(0, 600, 0)]
    public void The_window_is_at_most_a_fifth_of_the_timeout(int configured, int timeout, int expected)
    {
        Assert.Equal(TimeSpan.FromSeconds(expected),
            RateWatch.WindowFor(TimeSpan.FromSeconds(configured), TimeSpan.FromSeconds(timeout)));
    }

    [Fact]
    public void Without_a_timeout_the_configured_window_applies()
    {
        Assert.Equal(TimeSpan.FromSeconds(30),
            RateWatch.WindowFor(TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan));
    }
}
