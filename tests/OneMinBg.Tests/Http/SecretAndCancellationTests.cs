namespace OneMinBg.Tests;

public sealed class SecretAndCancellationTests : TempDirTest
{
    [Fact]
    public async Task The_key_appears_in_no_message_of_a_whole_session()
    {
        await using var emulator = await Emu.StartAsync();
        var recorder = new Recorder();
        var options = Emu.Options(emulator, recorder);
        options.Timeout = TimeSpan.FromSeconds(2);
        var client = new OneMinClient(options);

        async Task Expect(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (Exception ex) when (ex is OneMinApiException || ex is InvalidImageException || ex is System.IO.IOException)
            {
                recorder.Capture(ex);
                return;
            }

            Assert.Fail("expected a failure");
        }

        string key = await Emu.UploadAsync(client, Dir);
        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);
        await client.GetResultAsync(record.Id, CancellationToken.None);
        await client.DownloadAsync(new Uri(record.TemporaryUrl!), Dir.File("out.png"), false, CancellationToken.None);
        await Expect(() => client.DownloadAsync(new Uri(record.TemporaryUrl!), Dir.File("out.png"), false, CancellationToken.None));

        // A timed-out call says the same words whatever the timeout: a short one keeps this test quick.
        var impatient = Emu.Options(emulator, recorder);
        impatient.Timeout = TimeSpan.FromMilliseconds(250);
        impatient.MaxRetryCount = 1;
        var faults = new[]
        {
            "401", "403", "406", "429", "500", "502", "503", "522", "reset-after", "reset-before",
            "malformed-json", "insufficient-credits", "slow",
        };
        foreach (string kind in faults)
        {
            OneMinClient caller = kind == "slow" ? new OneMinClient(impatient) : client;
            emulator.State.Config = Emu.With(Emu.Fault("any", kind, delayMs: 5000));
            await Expect(() => caller.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None));
            await Expect(() => caller.GetResultAsync(record.Id, CancellationToken.None));
            await Expect(() => caller.UploadAsync(Images.Write(Dir, "in.png", ImageFormat.Png), CancellationToken.None));
        }

        foreach (string kind in new[] { "403", "truncated", "truncated-short-length", "500" })
        {
            emulator.State.Config = Emu.With(Emu.Fault("download", kind));
            await Expect(() => client.DownloadAsync(new Uri(record.TemporaryUrl!), Dir.File(kind + ".png"), false, CancellationToken.None));
        }

        emulator.State.Config = new EmulatorConfig();
        var wrongKey = Emu.Options(emulator, recorder);
        wrongKey.ApiKey = Emu.Key + "-revoked";
        await Expect(() => new OneMinClient(wrongKey).GetResultAsync(record.Id, CancellationToken.None));

        recorder.AssertNoSecret(Emu.Key);
        Assert.Contains(recorder.Debug, line => line.Contains("POST /api/features", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Canceling_a_feature_call_stops_it_at_once()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = new EmulatorConfig { FeatureLatencyMs = 60_000 };
        using var cancel = new CancellationTokenSource();

        Task<AiRecord> call = client.ReplaceBackgroundAsync(Emu.Request(key), cancel.Token);
        await Until.TrueAsync(() => emulator.State.Snapshot().CurrentConcurrentFeatures == 1 || call.IsCompleted, "the feature call to reach the emulator");
        cancel.Cancel();

        // The emulator would answer with a result only after 60 s: a cancellation now is the client stopping the call.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls);
    }

    [Fact]
    public async Task Canceling_during_a_retry_wait_stops_at_once()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("result", "503", retryAfter: "30")));
        var recorder = new Recorder();
        var options = Emu.Options(emulator, recorder);
        options.MaxRetryAfter = TimeSpan.FromSeconds(60);
        options.RefusalWait = TimeSpan.FromMinutes(5);
        var client = new OneMinClient(options);
        using var cancel = new CancellationTokenSource();

        Task<AiRecord?> call = client.GetResultAsync("x", cancel.Token);
        // The client reports the wait just before it starts waiting.
        await Until.TrueAsync(() => recorder.Verbose.Any(line => line.Contains("trying again in 30.0 s", StringComparison.Ordinal)) || call.IsCompleted, "the client to start waiting 30 s before its first retry");
        cancel.Cancel();

        // Without the cancellation the client would retry after 30 s and end with the 503 as an error.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, emulator.State.Snapshot().ResultLookups);
    }
}
