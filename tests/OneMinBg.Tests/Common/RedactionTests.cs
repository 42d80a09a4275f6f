using System.Collections.Generic;

namespace OneMinBg.Tests.Common;

/// <summary>
/// A server that echoes the key right where a message is cut (issue 10, Must 4): the key is taken out
/// before any cut, so not even its start survives.
/// </summary>
public sealed class RedactionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_key_across_the_cut_is_taken_out_whole()
    {
        string key = Emu.Key;
        for (int at = 1; at < key.Length; at++)
        {
            string text = new string('x', 200 - at) + key + " is not allowed " + new string('y', 200);

            string excerpt = Text.Excerpt(text, key);

            Assert.EndsWith("...", excerpt, StringComparison.Ordinal);
            AssertNoPart(key, excerpt);
        }
    }

    [Fact]
    public async Task A_key_echoed_at_any_cut_leaves_no_part_in_errors_or_logs()
    {
        await using var emulator = await Emu.StartAsync();
        var recorder = new Recorder();
        var client = Emu.Client(emulator, recorder);
        string asset = await Emu.UploadAsync(client, _dir);
        // The cuts: 300 characters of details, 500 of a body in the debug log, 1000 of a message.
        IEnumerable<int> paddings = new[] { 300, 500, 1000 }.SelectMany(cut => Enumerable.Range(cut - 60, 60));
        foreach (int padding in paddings)
        {
            FaultRule echo = Emu.Fault("feature", "echo-key");
            echo.Padding = padding;
            emulator.State.Config = Emu.With(echo);

            var error = recorder.Capture(await Assert.ThrowsAsync<OneMinApiException>(
                () => client.ReplaceBackgroundAsync(Emu.Request(asset), CancellationToken.None)));

            Assert.Equal(400, error.StatusCode);
            foreach (string text in new[] { error.ToString(), error.ServerMessage ?? "", error.ServerDetails ?? "" })
            {
                AssertNoPart(Emu.Key, text);
            }
        }
        Assert.Contains(recorder.Debug, line => line.Contains("error body", StringComparison.Ordinal));
        foreach (string line in recorder.Verbose.Concat(recorder.Debug))
        {
            AssertNoPart(Emu.Key, line);
        }
    }

    /// <summary>Neither the key's first four characters nor any eight in a row of it.</summary>
    internal static void AssertNoPart(string key, string text)
    {
        Assert.DoesNotContain(key.Substring(0, 4), text, StringComparison.Ordinal);
        for (int i = 0; i + 8 <= key.Length; i++)
        {
            Assert.DoesNotContain(key.Substring(i, 8), text, StringComparison.Ordinal);
        }
    }
}
