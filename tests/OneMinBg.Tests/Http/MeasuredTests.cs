namespace OneMinBg.Tests;

/// <summary>Tests that measure time or allocations run alone, after the parallel ones, so other tests cannot skew them.</summary>
[CollectionDefinition(nameof(MeasuredTests), DisableParallelization = true)]
public sealed class MeasuredTestsCollection
{
}

[Collection(nameof(MeasuredTests))]
public sealed class MeasuredTests : TempDirTest
{
    [Fact]
    public async Task A_large_upload_is_streamed_from_disk()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string path = Images.Write(Dir, "big.png", ImageFormat.Png, padBytes: 40L * 1024 * 1024);
        await client.UploadAsync(Images.Write(Dir, "warm-up.png", ImageFormat.Png), CancellationToken.None);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        UploadedAsset asset = await client.UploadAsync(path, CancellationToken.None);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(new FileInfo(path).Length, asset.Size);
        // Client and emulator together allocate far less than the 40 MB file: neither holds it whole.
        Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public async Task Api_calls_take_rate_limit_slots_and_downloads_do_not()
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator);
        options.RequestsPerMinute = 600;
        var client = new OneMinClient(options);
        RateLimiter limiter = RateLimiter.For(client.BaseUri, options.ApiKey);
        int before = limiter.Reservations;

        string key = await Emu.UploadAsync(client, Dir);
        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None);
        for (int i = 0; i < 3; i++)
        {
            await client.DownloadAsync(new Uri(record.TemporaryUrl!), Dir.File($"r{i}.png"), false, CancellationToken.None);
        }
        await client.GetResultAsync(record.Id, CancellationToken.None);

        // Upload, feature and lookup took a slot each; the three downloads took none.
        Assert.Equal(3, limiter.Reservations - before);
        Assert.Equal(0, emulator.State.Snapshot().RateLimited);
    }
}
