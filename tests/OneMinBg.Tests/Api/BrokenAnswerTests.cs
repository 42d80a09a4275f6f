using System.Text;

namespace OneMinBg.Tests;

/// <summary>Issue 13 item 5: a 200 to the paid call that cannot be read but names its record is looked up, not
/// reported as an unknown outcome (and so not paid for again).</summary>
public sealed class BrokenAnswerTests : TempDirTest
{
    [Theory]
    [InlineData("truncated")]
    [InlineData("truncated-short-length")]
    public async Task A_cut_success_answer_with_its_uuid_is_recovered_by_a_lookup(string kind)
    {
        await using var emulator = await Emu.StartAsync();
        var recorder = new Recorder();
        var client = new OneMinClient(Emu.Options(emulator, recorder));
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", kind, count: 1));

        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);

        Assert.True(record.IsSuccess);
        Assert.NotNull(record.TemporaryUrl);
        var stats = emulator.State.Snapshot();
        Assert.Equal(1, stats.FeatureCalls);
        Assert.Equal(1, stats.Charges);
        Assert.Contains(recorder.Verbose, line => line.Contains("names record " + record.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void The_uuid_is_read_from_a_body_cut_after_it()
    {
        byte[] cut = Encoding.UTF8.GetBytes("""{"aiRecord":{"uuid":"0b9e-41","userId":"u","teamUser":{"uuid":"t""");
        byte[] cutInside = Encoding.UTF8.GetBytes("""{"aiRecord":{"uuid":"6f1c2a""");
        byte[] otherFirst = Encoding.UTF8.GetBytes("""{"teamUser":{"uuid":"team"},"aiRecord":{"status":"S","uuid":"rec""");

        Assert.Equal("0b9e-41", ResponseParser.UuidIn(cut));
        Assert.Null(ResponseParser.UuidIn(cutInside));
        Assert.Null(ResponseParser.UuidIn(otherFirst));
        Assert.Null(ResponseParser.UuidIn(Encoding.UTF8.GetBytes("<html>")));
    }
}
