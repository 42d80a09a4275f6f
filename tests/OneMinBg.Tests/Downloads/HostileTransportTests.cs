using System.Text;

namespace OneMinBg.Tests;

/// <summary>
/// Issue 5, figure 6 at the client level: what a hostile or broken server or network can send, and
/// that nothing of it reaches the disk, the key, or a path outside the destination.
/// </summary>
public sealed class HostileTransportTests : ResultDownloadTest
{
    public HostileTransportTests() : base("1024x1024")
    {
    }

    [Fact]
    public async Task A_download_that_is_not_an_image_is_refused_before_the_final_rename()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        emulator.State.Config = Emu.With(Emu.Fault("download", "not-image"));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None));

        Assert.Equal(ApiErrorKind.InvalidDownload, error.Kind);
        Assert.Contains("not a PNG, JPEG or WebP", error.Message, StringComparison.Ordinal);
        Assert.Empty(Out.Names());
        // Not an image is not a transient cut: it is reported at once, not downloaded again and again.
        Assert.Equal(1, emulator.State.Snapshot().Downloads);
    }

    [Fact]
    public async Task A_download_without_content_length_is_still_capped_while_streaming()
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator);
        options.MaxDownloadBytes = 1000;
        var (client, link) = await ResultAsync(emulator, options);
        emulator.State.Config = Emu.With(Emu.Fault("download", "chunked"));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None));

        Assert.Equal(ApiErrorKind.InvalidDownload, error.Kind);
        Assert.Contains("larger than", error.Message, StringComparison.Ordinal);
        Assert.Empty(Out.Names());
    }

    [Fact]
    public async Task A_download_without_content_length_within_the_cap_is_saved_whole()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        emulator.State.Config = Emu.With(Emu.Fault("download", "chunked"));

        DownloadedFile file = await client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None);

        Assert.Equal((ImageFormat.Png, 1024, 1024), (file.Image.Format, file.Image.Width, file.Image.Height));
        Assert.Equal(1, emulator.State.Snapshot().FaultsInjected);
    }

    [Fact]
    public async Task A_body_cut_short_with_a_matching_content_length_is_retried_and_then_saved()
    {
        // The connection ends cleanly and the length matches: only the PNG's missing end shows it is cut.
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        emulator.State.Config = Emu.With(Emu.Fault("download", "truncated-short-length", count: 1));

        DownloadedFile file = await client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None);

        Assert.Equal(1024, file.Image.Width);
        Assert.Equal(new FileInfo(file.Path).Length, file.Length);
        Assert.Equal(2, emulator.State.Snapshot().Downloads);
        Assert.Equal(new[] { "r.png" }, Out.Names());
    }

    [Theory]
    [InlineData("upload")]
    [InlineData("feature")]
    [InlineData("result")]
    public async Task An_api_redirect_is_not_followed_so_the_key_goes_nowhere_else(string endpoint)
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);
        emulator.State.Config = Emu.With(Emu.Fault(endpoint, "redirect"));

        Task call = CallAsync(client, endpoint, key, record);
        var error = await Assert.ThrowsAsync<OneMinApiException>(() => call);

        Assert.Equal(307, error.StatusCode);
        Assert.Contains("redirect", error.Message, StringComparison.Ordinal);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.True(stats.FaultsInjected >= 1);
        Assert.Equal(0, stats.RedirectedDownloads);
        Assert.Equal(0, stats.RedirectedRequestsWithKey);
    }

    [Theory]
    [InlineData("upload")]
    [InlineData("feature")]
    [InlineData("result")]
    public async Task A_server_that_echoes_the_key_does_not_get_it_into_any_message(string endpoint)
    {
        await using var emulator = await Emu.StartAsync();
        var recorder = new Recorder();
        var client = Emu.Client(emulator, recorder);
        string key = await Emu.UploadAsync(client, Dir);
        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);
        emulator.State.Config = Emu.With(Emu.Fault(endpoint, "echo-key"));

        Task call = CallAsync(client, endpoint, key, record);
        var error = recorder.Capture(await Assert.ThrowsAsync<OneMinApiException>(() => call));

        Assert.Equal(400, error.StatusCode);
        // The server's words are kept (they say what is wrong), only the key is taken out.
        Assert.Contains("is not allowed to use this feature", error.ServerMessage, StringComparison.Ordinal);
        recorder.AssertNoSecret(Emu.Key);
    }

    [Theory]
    [InlineData("images/../../evil.png", "evil_bg.png")]
    [InlineData("..", "rec-1_bg.png")]
    [InlineData("images/..", "rec-1_bg.png")]
    [InlineData("/etc/passwd", "passwd_bg.png")]
    [InlineData("C:\\Windows\\System32\\evil.png", "evil_bg.png")]
    [InlineData("\\\\server\\share\\evil.png", "evil_bg.png")]
    [InlineData("images/evil.png:stream", "evil_bg.png")]
    [InlineData("images/CON", "_CON_bg.png")]
    [InlineData("images/nul.png", "_nul_bg.png")]
    [InlineData("images/COM1.tar.png", "_COM1.tar_bg.png")]
    [InlineData("images/LPT9", "_LPT9_bg.png")]
    [InlineData("images/.hidden.png", "hidden_bg.png")]
    [InlineData("images/2026_08_19_05_27_59_899_cat.png", "cat_bg.png")]
    public void A_server_sent_name_becomes_one_plain_file_name(string imageUrl, string expected)
    {
        string name = DefaultName.For("rec-1", null, imageUrl, new[] { "images/x_background_replaced.png" });

        Assert.Equal(expected, name);
        Assert.Equal(name, Path.GetFileName(name));
        Assert.DoesNotContain('/', name);
        Assert.DoesNotContain('\\', name);
        Assert.DoesNotContain(':', name);
    }

    [Theory]
    [InlineData('a', 1)]
    [InlineData('é', 2)]
    [InlineData('猫', 3)]
    public void A_very_long_name_is_shortened_to_fit_every_file_system(char letter, int bytesPerChar)
    {
        string url = "images/" + new string(letter, 5000) + ".png";

        string name = DefaultName.For("0123456789abcdef", null, url, new[] { "images/r.jpeg" }, withId: true);
        // What the download writes first: the name plus ".<random>.partial".
        string partial = name + "." + Path.GetRandomFileName().Replace(".", "") + ".partial";

        Assert.EndsWith("_01234567_bg.jpeg", name, StringComparison.Ordinal);
        // Cut to 111 bytes and "_" and 8 hex digits of the whole name: two long names stay two names.
        Assert.StartsWith(new string(letter, 111 / bytesPerChar) + "_", name, StringComparison.Ordinal);
        Assert.Matches("^" + new string(letter, 111 / bytesPerChar) + "_[0-9a-f]{8}_01234567_bg.jpeg$", name);
        Assert.True(Encoding.UTF8.GetByteCount(partial) <= 255, $"{Encoding.UTF8.GetByteCount(partial)} bytes");
    }

    [Fact]
    public async Task A_result_named_with_a_very_long_multibyte_name_is_saved()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        string name = DefaultName.For("rec-1", "/photos/" + new string('猫', 200) + ".png", null,
            new[] { "images/r.png" });

        DownloadedFile file = await client.DownloadAsync(link, Out.File(name), false, CancellationToken.None);

        Assert.Equal(new[] { name }, Out.Names());
        Assert.Equal(ImageFormat.Png, file.Image.Format);
    }

    /// <summary>One call to the named API endpoint, with an asset and a record made beforehand.</summary>
    private Task CallAsync(OneMinClient client, string endpoint, string assetKey, AiRecord record) => endpoint switch
    {
        "upload" => client.UploadAsync(Images.Write(Dir, "again.png", ImageFormat.Png), CancellationToken.None),
        "feature" => client.ReplaceBackgroundAsync(Emu.Request(assetKey), CancellationToken.None),
        _ => client.GetResultAsync(record.Id, CancellationToken.None),
    };
}
