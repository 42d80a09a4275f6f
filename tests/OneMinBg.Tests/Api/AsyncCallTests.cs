using System.Collections.Generic;
using System.Text;

namespace OneMinBg.Tests;

/// <summary>Issue 13 item 4: the image call is sent with "async": true; each way the service may take it.</summary>
public sealed class AsyncCallTests : TempDirTest
{
    [Fact]
    public void The_image_call_asks_for_an_async_answer()
    {
        string body = Encoding.UTF8.GetString(RequestBodies.Feature(Emu.Request("images/a.png").Request, "images/a.png", true));

        Assert.Contains("\"async\":true", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("honour")]
    [InlineData("ignore")]
    [InlineData("refuse")]
    public async Task Each_way_the_service_takes_the_flag_gives_the_result_paid_once(string mode)
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { AsyncMode = mode, FeatureLatencyMs = 300 });
        var recorder = new Recorder();
        var client = new OneMinClient(Emu.Options(emulator, recorder));
        string key = await Emu.UploadAsync(client, Dir);
        var accepted = new List<string>();

        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key).Request, key, CancellationToken.None,
            accepted: r => accepted.Add(r.Id));

        Assert.True(record.IsSuccess);
        Assert.NotNull(record.TemporaryUrl);
        var stats = emulator.State.Snapshot();
        Assert.Equal(1, stats.Charges);
        Assert.Equal(mode == "honour" ? new[] { record.Id } : Array.Empty<string>(), accepted);
        Assert.Equal(mode == "refuse" ? 2 : 1, stats.FeatureCalls);
        if (mode == "refuse")
        {
            Assert.Contains(recorder.Verbose, line => line.Contains("refused \"async\": true", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_record_still_processing_past_the_wait_is_an_unknown_outcome_naming_it()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { AsyncMode = "honour", FeatureLatencyMs = 60_000 });
        var options = Emu.Options(emulator);
        options.ResultWait = TimeSpan.FromMilliseconds(500);
        var client = new OneMinClient(options);
        string key = await Emu.UploadAsync(client, Dir);
        string? accepted = null;

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(
            Emu.Request(key).Request, key, CancellationToken.None, accepted: r => accepted = r.Id));

        Assert.Equal(ApiErrorKind.UnknownOutcome, error.Kind);
        Assert.NotNull(accepted);
        Assert.Contains(accepted!, error.Message, StringComparison.Ordinal);
        Assert.Contains("without paying again", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gateway_cut_after_acceptance_loses_nothing_when_async_is_honoured()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig
        {
            AsyncMode = "honour", FeatureLatencyMs = 1500, GatewayCutMs = 300,
        });
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);

        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);

        Assert.True(record.IsSuccess);
        Assert.Equal(1, emulator.State.Snapshot().Charges);
    }
}
