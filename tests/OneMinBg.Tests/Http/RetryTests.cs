namespace OneMinBg.Tests;

/// <summary>What is repeated and what never is: free calls retry, the charged call only when it certainly cost nothing.</summary>
public sealed class RetryTests : TempDirTest
{

    [Fact]
    public async Task A_429_with_Retry_After_is_waited_out_and_charged_once()
    {
        await using var emulator = await Emu.StartAsync();
        var recorder = new Recorder();
        var options = Emu.Options(emulator, recorder);
        options.MaxRetryAfter = TimeSpan.FromSeconds(5);
        options.RefusalWait = TimeSpan.FromMinutes(1);
        var client = new OneMinClient(options);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", "429", count: 1, retryAfter: "1"));

        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);

        Assert.True(record.IsSuccess);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal(2, stats.FeatureCalls);
        Assert.Equal(1, stats.Charges);
        // The wait the client chose is the server's Retry-After (1 s), not its own backoff (a few ms here).
        string retry = Assert.Single(recorder.Verbose, line => line.Contains("trying again", StringComparison.Ordinal));
        Assert.Contains("HTTP 429", retry, StringComparison.Ordinal);
        Assert.Contains("trying again in 1.0 s", retry, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("429")]
    [InlineData("503")]
    public async Task A_refusal_is_tried_again_for_a_time_not_a_count_and_charged_once(string kind)
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator); // 3 retries of other failures
        options.RefusalWait = TimeSpan.FromMinutes(1);
        var client = new OneMinClient(options);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", kind, count: 8));

        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);

        Assert.True(record.IsSuccess);
        Assert.Equal(9, emulator.State.Snapshot().FeatureCalls);
        Assert.Equal(1, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task A_429_slows_the_key_down()
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator);
        options.RequestsPerMinute = 6000;
        options.RefusalWait = TimeSpan.FromMinutes(1);
        var client = new OneMinClient(options);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", "429", count: 1, retryAfter: "0"));

        await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);

        Assert.True(RateLimiter.For(client.BaseUri, Emu.Key).AllowedRate(6000) < 6000);
    }

    [Fact]
    public async Task Retry_After_is_capped()
    {
        await using var emulator = await Emu.StartAsync();
        var recorder = new Recorder();
        var client = Emu.Client(emulator, recorder); // MaxRetryAfter 200 ms
        emulator.State.Config = Emu.With(Emu.Fault("result", "429", count: 1, retryAfter: "3600"));

        Assert.Null(await client.GetResultAsync("x", CancellationToken.None));

        Assert.Equal(2, emulator.State.Snapshot().ResultLookups);
        // The server asked for an hour; the client waited MaxRetryAfter instead.
        string retry = Assert.Single(recorder.Verbose, line => line.Contains("trying again", StringComparison.Ordinal));
        Assert.Contains("HTTP 429", retry, StringComparison.Ordinal);
        Assert.Contains("trying again in 0.2 s", retry, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_503_on_the_feature_is_retried()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", "503", count: 2));

        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);

        Assert.True(record.IsSuccess);
        Assert.Equal(3, emulator.State.Snapshot().FeatureCalls);
        Assert.Equal(1, emulator.State.Snapshot().Charges);
    }

    [Theory]
    [InlineData("500")]
    [InlineData("502")]
    [InlineData("504")]
    [InlineData("522")]
    [InlineData("reset-after")]
    [InlineData("reset-before")]
    [InlineData("malformed-json")]
    [InlineData("ai-record-null")]
    public async Task Any_other_failure_of_the_feature_is_an_unknown_outcome_and_never_resent(string kind)
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", kind));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None));

        Assert.Equal(ApiErrorKind.UnknownOutcome, error.Kind);
        Assert.Equal("POST /api/features", error.Operation);
        Assert.Contains("may have been charged", error.Message, StringComparison.Ordinal);
        Assert.Contains("Get-BgResult", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls);
        if (int.TryParse(kind, out int status))
        {
            Assert.Equal(status, error.StatusCode);
        }
    }

    [Fact]
    public async Task A_feature_that_outlives_the_timeout_is_an_unknown_outcome()
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator);
        options.Timeout = TimeSpan.FromMilliseconds(500);
        var client = new OneMinClient(options);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", "slow", delayMs: 20_000));

        // The server would answer successfully after 20 s; an error proves the client gave up at its timeout.
        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None));

        Assert.Equal(ApiErrorKind.UnknownOutcome, error.Kind);
        Assert.Contains("no answer within", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls);
    }

    [Theory]
    [InlineData("500")]
    [InlineData("502")]
    [InlineData("503")]
    [InlineData("504")]
    [InlineData("522")]
    [InlineData("429")]
    [InlineData("reset-before")]
    [InlineData("reset-after")]
    public async Task Free_calls_are_retried(string kind)
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("upload", kind, count: 2), Emu.Fault("result", kind, count: 2)));
        var client = Emu.Client(emulator);

        string key = await Emu.UploadAsync(client, Dir);
        AiRecord? record = await client.GetResultAsync("unknown-id", CancellationToken.None);

        Assert.StartsWith("images/", key, StringComparison.Ordinal);
        Assert.Null(record);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal(3, stats.Uploads);
        Assert.Equal(3, stats.ResultLookups);
    }

    [Fact]
    public async Task A_free_call_that_keeps_failing_reports_the_last_failure()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("result", "502")));
        var client = Emu.Client(emulator);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.GetResultAsync("r1", CancellationToken.None));

        Assert.Equal(ApiErrorKind.ServerError, error.Kind);
        Assert.Equal(502, error.StatusCode);
        Assert.Equal("BAD_GATEWAY", error.ErrorCode);
        Assert.Contains("tried 4 times", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, emulator.State.Snapshot().ResultLookups);
    }

    [Fact]
    public async Task A_slow_lookup_is_retried_after_the_timeout()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("result", "slow", count: 1, delayMs: 20_000)));
        var recorder = new Recorder();
        var options = Emu.Options(emulator, recorder);
        options.Timeout = TimeSpan.FromMilliseconds(500);
        var client = new OneMinClient(options);

        Assert.Null(await client.GetResultAsync("r2", CancellationToken.None));

        Assert.Equal(2, emulator.State.Snapshot().ResultLookups);
        Assert.Contains(recorder.Verbose, line => line.Contains("no answer within", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_lookup_that_always_times_out_is_a_Timeout()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("result", "slow", delayMs: 20_000)));
        var options = Emu.Options(emulator);
        options.Timeout = TimeSpan.FromMilliseconds(300);
        options.MaxRetryCount = 1;
        var client = new OneMinClient(options);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.GetResultAsync("r3", CancellationToken.None));

        Assert.Equal(ApiErrorKind.Timeout, error.Kind);
        Assert.Equal(2, emulator.State.Snapshot().ResultLookups);
    }

    [Fact]
    public async Task A_malformed_lookup_answer_is_an_invalid_response_with_an_excerpt()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("result", "malformed-json")));
        var client = Emu.Client(emulator);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.GetResultAsync("r4", CancellationToken.None));

        Assert.Equal(ApiErrorKind.InvalidResponse, error.Kind);
        Assert.Equal("GET /api/results/r4", error.Operation);
        Assert.Contains("{\"aiRecord\":{\"uuid\":\"6f1c2a", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, emulator.State.Snapshot().ResultLookups);
    }
}
