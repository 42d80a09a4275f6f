namespace OneMinBg.Tests;

/// <summary>Upload, replace and look up against the emulator, in every response shape it can give.</summary>
public sealed class ApiTests : TempDirTest
{

    [Theory]
    [InlineData("full")]
    [InlineData("assetOnly")]
    [InlineData("locationOnly")]
    public async Task Every_upload_shape_yields_a_key_the_feature_accepts(string shape)
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { UploadShape = shape });
        var client = Emu.Client(emulator);
        string path = Images.Write(Dir, "cat.png", ImageFormat.Png);

        UploadedAsset asset = await client.UploadAsync(path, CancellationToken.None);
        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(asset.Key), CancellationToken.None);

        Assert.Matches(@"^images/\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d_\d{3}_cat\.png$", asset.Key);
        Assert.True(record.IsSuccess);
        Assert.Equal("cat.png", emulator.State.Snapshot().ChargesBySource.Single().Key);
    }

    [Theory]
    [InlineData("photo.jpg", ImageFormat.Jpeg, "photo.jpg")]
    [InlineData("plage été.webp", ImageFormat.WebP, "plage été.webp")]
    [InlineData("no-extension", ImageFormat.Png, "no-extension.png")]
    public async Task Uploads_keep_the_file_name_and_its_extension(string name, ImageFormat format, string sentName)
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string path = Images.Write(Dir, name, format);

        UploadedAsset asset = await client.UploadAsync(path, CancellationToken.None);

        Assert.EndsWith("_" + sentName, asset.Key, StringComparison.Ordinal);
        Assert.Equal(sentName, asset.Name);
        Assert.Equal(new FileInfo(path).Length, asset.Size);
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_is_refused_before_anything_is_sent()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string path = Dir.File("notes.png");
        File.WriteAllText(path, "not an image");

        var error = await Assert.ThrowsAsync<InvalidImageException>(() => client.UploadAsync(path, CancellationToken.None));

        Assert.Equal(InvalidImageReason.NotAnImage, error.Reason);
        Assert.Equal(0, emulator.State.Snapshot().Uploads);
    }

    [Theory]
    [InlineData("aiRecord", true)]
    [InlineData("topLevel", true)]
    [InlineData("empty", false)]
    [InlineData("missing", false)]
    public async Task The_feature_succeeds_wherever_the_link_is(string placement, bool hasLink)
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { TemporaryUrlPlacement = placement });
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);

        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key, "an office", "1536x1024"), CancellationToken.None);

        Assert.True(record.IsSuccess);
        Assert.Equal("SUCCESS", record.Status);
        Assert.Equal(hasLink, record.TemporaryUrl != null);
        Assert.Single(record.ResultKeys);
        Assert.Equal((key, "an office", "1536x1024", "medium", "auto"), (record.ImageUrl, record.Prompt, record.Size, record.Quality, record.Background));
        Assert.Equal(BackgroundReplacer.DefaultModel, record.Model);
        Assert.Equal("BACKGROUND_REPLACER", record.Type);
        Assert.NotNull(record.CreatedAt);
        Assert.NotNull(record.CreditLimit);
        Assert.NotNull(record.UsedCredit);
        Assert.Equal(1, emulator.State.Snapshot().Charges);
        if (hasLink)
        {
            DownloadedFile file = await client.DownloadAsync(new Uri(record.TemporaryUrl!), Dir.File("result.png"), overwrite: false, CancellationToken.None);
            Assert.Equal((1536, 1024), (file.Image.Width, file.Image.Height));
        }
    }

    [Theory]
    [InlineData("FAILURE")]
    [InlineData("FAILED")]
    public async Task A_record_that_did_not_succeed_is_returned_not_thrown(string status)
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { RecordStatus = status });
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);

        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);

        Assert.Equal(status, record.Status);
        Assert.False(record.IsSuccess);
        Assert.Null(record.TemporaryUrl);
        Assert.Empty(record.ResultKeys);
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls);
    }

    [Fact]
    public async Task A_lookup_renews_an_expired_link()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { LinkTtlSeconds = 0 });
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);

        var expired = await Assert.ThrowsAsync<OneMinApiException>(() => client.DownloadAsync(new Uri(record.TemporaryUrl!), Dir.File("r.png"), false, CancellationToken.None));
        Assert.Equal(ApiErrorKind.LinkExpired, expired.Kind);

        emulator.State.Config = new EmulatorConfig { LinkTtlSeconds = 600 };
        AiRecord? again = await client.GetResultAsync(record.Id, CancellationToken.None);

        Assert.NotNull(again);
        Assert.Equal(record.Id, again!.Id);
        Assert.Equal(record.ResultKeys, again.ResultKeys);
        Assert.NotEqual(record.TemporaryUrl, again.TemporaryUrl);
        DownloadedFile file = await client.DownloadAsync(new Uri(again.TemporaryUrl!), Dir.File("r.png"), false, CancellationToken.None);
        Assert.Equal(ImageFormat.Png, file.Image.Format);
        Assert.Equal(1, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task An_unknown_record_is_null()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);

        Assert.Null(await client.GetResultAsync(Guid.NewGuid().ToString(), CancellationToken.None));
        Assert.Equal(1, emulator.State.Snapshot().ResultLookups);
    }

    [Fact]
    public async Task A_null_aiRecord_from_a_lookup_is_null()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);
        emulator.State.Config = Emu.With(Emu.Fault("result", "ai-record-null"));

        Assert.Null(await client.GetResultAsync(record.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Parallel_features_really_run_in_parallel()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { FeatureLatencyMs = 700 });
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);

        AiRecord[] records = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => client.ReplaceBackgroundAsync(Emu.Request(key, "prompt " + i), CancellationToken.None)));

        Assert.All(records, r => Assert.True(r.IsSuccess));
        Assert.Equal(8, records.Select(r => r.Id).Distinct().Count());
        Assert.Equal(8, emulator.State.Snapshot().MaxConcurrentFeatures);
    }
}
