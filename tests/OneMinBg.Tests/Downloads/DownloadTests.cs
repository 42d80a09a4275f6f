namespace OneMinBg.Tests;

/// <summary>Saving results: complete images only, never with the key, and nothing left behind by a failure.</summary>
public sealed class DownloadTests : ResultDownloadTest
{
    public DownloadTests() : base("1024x1536")
    {
    }

    [Fact]
    public async Task A_result_is_saved_as_a_complete_image_without_the_key()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        string destination = Out.File("result.png");

        DownloadedFile file = await client.DownloadAsync(link, destination, overwrite: false, CancellationToken.None);

        Assert.Equal(destination, file.Path);
        Assert.Equal(new FileInfo(destination).Length, file.Length);
        Assert.Equal(ContentHash.OfFile(destination), file.Sha256);
        Assert.Equal((ImageFormat.Png, 1024, 1536), (file.Image.Format, file.Image.Width, file.Image.Height));
        Assert.Equal(new[] { "result.png" }, Out.Names());
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal(1, stats.Downloads);
        Assert.Equal(0, stats.DownloadRequestsWithKey);
    }

    [Fact]
    public async Task A_forbidden_link_has_expired()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        emulator.State.Config = Emu.With(Emu.Fault("download", "403"));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None));

        Assert.Equal(ApiErrorKind.LinkExpired, error.Kind);
        Assert.Equal(403, error.StatusCode);
        Assert.Contains("expired", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz-Signature", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, emulator.State.Snapshot().Downloads);
        Assert.Empty(Out.Names());
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("truncated-short-length")]
    public async Task A_truncated_download_is_invalid_and_leaves_no_file(string kind)
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        emulator.State.Config = Emu.With(Emu.Fault("download", kind));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None));

        Assert.Equal(ApiErrorKind.InvalidDownload, error.Kind);
        Assert.Contains("nothing was saved", error.Message, StringComparison.Ordinal);
        Assert.Empty(Out.Names());
    }

    [Fact]
    public async Task A_download_cut_once_is_retried()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        emulator.State.Config = Emu.With(Emu.Fault("download", "truncated", count: 1), Emu.Fault("download", "500", count: 1));

        DownloadedFile file = await client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None);

        Assert.Equal(1536, file.Image.Height);
        Assert.Equal(3, emulator.State.Snapshot().Downloads);
        Assert.Equal(new[] { "r.png" }, Out.Names());
    }

    [Fact]
    public async Task A_redirect_is_followed_without_the_key()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        emulator.State.Config = Emu.With(Emu.Fault("download", "redirect", count: 1));

        DownloadedFile file = await client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None);

        Assert.Equal(ImageFormat.Png, file.Image.Format);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal(1, stats.RedirectedDownloads);
        Assert.Equal(0, stats.RedirectedRequestsWithKey);
        Assert.Equal(0, stats.DownloadRequestsWithKey);
    }

    [Fact]
    public async Task An_existing_file_is_not_overwritten_unless_asked()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        string destination = Out.File("r.png");
        File.WriteAllText(destination, "precious");

        await Assert.ThrowsAsync<DestinationExistsException>(() => client.DownloadAsync(link, destination, overwrite: false, CancellationToken.None));

        Assert.Equal("precious", File.ReadAllText(destination));
        Assert.Equal(new[] { "r.png" }, Out.Names());

        DownloadedFile file = await client.DownloadAsync(link, destination, overwrite: true, CancellationToken.None);

        Assert.Equal(new FileInfo(destination).Length, file.Length);
        Assert.Equal(ImageFormat.Png, ImageInspector.Inspect(destination).Format);
        Assert.Equal(new[] { "r.png" }, Out.Names());
    }

    [Fact]
    public async Task A_file_that_appears_during_the_download_is_not_overwritten()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        string destination = Out.File("r.png");
        emulator.State.Config = new EmulatorConfig { DownloadLatencyMs = 1500 };

        Task<DownloadedFile> download = client.DownloadAsync(link, destination, overwrite: false, CancellationToken.None);
        File.WriteAllText(destination, "arrived first");

        await Assert.ThrowsAsync<DestinationExistsException>(() => download);
        Assert.Equal("arrived first", File.ReadAllText(destination));
        Assert.Equal(new[] { "r.png" }, Out.Names());
    }

    [Fact]
    public async Task A_download_over_the_limit_is_stopped_and_leaves_no_file()
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator);
        options.MaxDownloadBytes = 1000;
        var (client, link) = await ResultAsync(emulator, options);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.DownloadAsync(link, Out.File("r.png"), false, CancellationToken.None));

        Assert.Equal(ApiErrorKind.InvalidDownload, error.Kind);
        Assert.Contains("MaxDownloadBytes", error.Message, StringComparison.Ordinal);
        Assert.Empty(Out.Names());
    }

    [Fact]
    public async Task A_canceled_download_leaves_no_file()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);
        emulator.State.Config = new EmulatorConfig { DownloadLatencyMs = 20_000 };
        int before = emulator.State.Snapshot().Downloads;
        using var cancel = new CancellationTokenSource();

        Task download = client.DownloadAsync(link, Out.File("r.png"), false, cancel.Token);
        await Until.TrueAsync(() => emulator.State.Snapshot().Downloads > before || download.IsCompleted, "the download to reach the emulator");
        cancel.Cancel();

        // The emulator would send the image after 20 s: a cancellation now is the client stopping the download.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);

        Assert.Empty(Out.Names());
    }

    [Fact]
    public async Task A_missing_folder_is_reported_before_downloading()
    {
        await using var emulator = await Emu.StartAsync();
        var (client, link) = await ResultAsync(emulator);

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => client.DownloadAsync(link, Path.Combine(Out.Path, "missing", "r.png"), false, CancellationToken.None));

        Assert.Equal(0, emulator.State.Snapshot().Downloads);
    }

    [Fact]
    public async Task Only_http_links_are_downloaded()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);

        await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadAsync(new Uri("file:///etc/passwd"), Out.File("r.png"), false, CancellationToken.None));
        Assert.Empty(Out.Names());
    }

    [Theory]
    [InlineData("https://a.example/x", "http://b.example/y", 0, "from https to http")]
    [InlineData("https://a.example/x", "http://127.0.0.1:9000/y", 0, null)]
    [InlineData("http://a.example/x", "https://b.example/y", 0, null)]
    [InlineData("https://a.example/x", "https://b.example/y", 5, "more than 5 redirects")]
    [InlineData("https://a.example/x", "ftp://b.example/y", 0, "ftp")]
    public void Redirects_that_downgrade_or_loop_are_refused(string from, string to, int redirects, string? problem)
    {
        string? actual = Downloader.RedirectProblem(new Uri(from), new Uri(to), redirects);

        if (problem == null)
        {
            Assert.Null(actual);
        }
        else
        {
            Assert.Contains(problem, actual, StringComparison.Ordinal);
        }
    }
}
