namespace OneMinBg.Tests;

/// <summary>
/// The bytes the service holds are the bytes the journal knows the image by: an upload is hashed as it is
/// sent, and a paid answer the client cannot use is an unknown outcome, never "not charged".
/// </summary>
public sealed class UploadIntegrityTests : TempDirTest
{
    /// <summary>Larger than every buffer between client and emulator (see ChangingBody), within 50 MB.</summary>
    private const long LargePadBytes = 45L * 1024 * 1024;

    [Fact]
    public async Task A_file_changed_while_it_is_sent_stops_before_the_paid_call()
    {
        string path = Images.Write(Dir, "big.png", ImageFormat.Png, padBytes: LargePadBytes);
        var fault = Emu.Fault("upload", "change-during-upload", count: 1);
        fault.Path = path;
        await using var emulator = await Emu.StartAsync(Emu.With(fault));
        var client = Emu.Client(emulator);
        SourceImage image = ImageInspector.Check(path);

        var error = await Assert.ThrowsAsync<SourceChangedException>(
            () => client.UploadAsync(image, CancellationToken.None));

        Assert.Contains("changed while it was being sent", error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(path), error.Path);
        Assert.NotEqual(image.Sha256, ContentHash.OfFile(path)); // the file really changed under the upload
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal(1, stats.Uploads);
        Assert.Equal(0, stats.FeatureCalls);
        Assert.Equal(0, stats.Charges);
    }

    [Fact]
    public async Task A_file_edited_to_the_same_length_after_its_check_is_not_used()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string path = Images.Write(Dir, "cat.png", ImageFormat.Png, padBytes: 4096);
        SourceImage image = ImageInspector.Check(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length - 20] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        await Assert.ThrowsAsync<SourceChangedException>(() => client.UploadAsync(image, CancellationToken.None));
        Assert.Equal(0, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task An_unchanged_file_is_paid_for_under_the_hash_of_its_check()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string path = Images.Write(Dir, "cat.png", ImageFormat.Png, padBytes: 300_000);
        SourceImage image = ImageInspector.Check(path);

        UploadedAsset asset = await client.UploadAsync(image, CancellationToken.None);
        await client.ReplaceBackgroundAsync(Emu.Request(asset.Key), CancellationToken.None);

        Assert.Equal(image.Info.Length, asset.Size);
        Assert.Equal(image.Sha256, emulator.State.Snapshot().ChargesBySha256.Single().Key);
    }

    [Fact]
    public async Task A_paid_answer_without_a_uuid_is_an_unknown_outcome()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", "success-without-uuid"));

        var error = await Assert.ThrowsAsync<OneMinApiException>(
            () => client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None));

        Assert.Equal(ApiErrorKind.UnknownOutcome, error.Kind);
        Assert.Contains("no uuid", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, emulator.State.Snapshot().Charges);
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls); // not resent
    }

    [Fact]
    public async Task A_redirect_from_the_paid_call_is_an_unknown_outcome_not_a_refusal()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", "redirect"));

        var error = await Assert.ThrowsAsync<OneMinApiException>(
            () => client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None));

        Assert.Equal(ApiErrorKind.UnknownOutcome, error.Kind);
        Assert.Equal(307, error.StatusCode);
        Assert.Contains("redirect", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not charged", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls);
        Assert.Equal(0, emulator.State.Snapshot().RedirectedRequestsWithKey);
    }
}
