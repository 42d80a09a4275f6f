using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>The save and lookup flows: files written, links renewed, the journal told.</summary>
public sealed class SaveWorkflowTests : WorkflowTest
{
    private const string Subject = "Result of 'cat.png'";

    /// <summary>A paid result in the journal, made through the replace flow.</summary>
    private async Task<JournalEntry> ResultAsync(EmulatorServer emulator, OneMinClient client)
    {
        var (image, request) = Image(emulator);
        return (await ReplaceAsync(client, request, image)).Entry;
    }

    private Task<DownloadedFile> SaveAsync(OneMinClient client, JournalEntry entry, string path,
        string? link = "given", bool overwrite = false, string? size = null) =>
        new SaveWorkflow(Journal, client).SaveAsync(entry.RecordId!, link == "given" ? entry.TemporaryUrl : link,
            entry.Request.BaseUri.AbsoluteUri, Subject, path, overwrite, size ?? entry.Request.Size, Sink,
            CancellationToken.None);

    /// <summary>Where the default naming puts the result in the scratch folder.</summary>
    private NamePlan PlanFor(OneMinClient client, JournalEntry entry, bool force = false)
    {
        var workflow = new SaveWorkflow(Journal, client);
        NameParts parts = workflow.PartsFor(entry.RecordId!, entry.Request.SourcePath, null, entry.ResultKeys, null);
        return workflow.NamesIn(Dir.Path).Plan(Dir.Path, parts, NameTemplate.Default, force);
    }

    private string[] Partials() => Directory.GetFiles(Dir.Path, "*.partial");

    [Fact]
    public async Task A_result_is_downloaded_and_its_save_recorded_so_a_rerun_has_nothing_to_do()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        string path = Dir.File("cat_bg.png");
        Assert.Equal((NameDecision.Download, path), (PlanFor(client, entry).Decision, PlanFor(client, entry).Path));

        DownloadedFile file = await SaveAsync(client, entry, path);

        Assert.Equal(ImageFormat.Png, ImageInspector.Inspect(path).Format);
        Assert.Equal(ContentHash.OfFile(path), file.Sha256);
        JournalEntry saved = Journal.FindByRecordId(entry.RecordId!)!;
        Assert.Equal((path, new FileInfo(path).Length, file.Sha256),
            (saved.SavedPath, saved.SavedLength, saved.SavedSha256));
        Assert.Equal((NameDecision.AlreadySaved, path), (PlanFor(client, entry).Decision, PlanFor(client, entry).Path));
        Assert.Equal(0, emulator.State.Snapshot().ResultLookups);
    }

    [Fact]
    public async Task A_saved_file_stays_saved_with_a_warning_when_the_journal_cannot_record_it()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        string path = Dir.File("cat_bg.png");
        var journal = new Journal(Journal.Path) { LockTimeout = TimeSpan.FromMilliseconds(100) };

        DownloadedFile file;
        using (new FileStream(journal.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            file = await new SaveWorkflow(journal, client).SaveAsync(entry.RecordId!, entry.TemporaryUrl,
                entry.Request.BaseUri.AbsoluteUri, Subject, path, false, entry.Request.Size, Sink,
                CancellationToken.None);
        }

        Assert.Equal(ContentHash.OfFile(path), file.Sha256);
        Assert.Contains(Sink.Warnings, w => w.Contains(path, StringComparison.Ordinal)
            && w.Contains("could not record", StringComparison.Ordinal));
        // The next save finds the file by its content: nothing is refused, nothing is lost.
        Assert.Equal(file.Sha256, (await SaveAsync(client, entry, path)).Sha256);
    }

    [Fact]
    public async Task Another_file_at_the_destination_is_kept_even_with_force_and_the_result_named_apart()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        string path = Dir.File("cat_bg.png");
        File.WriteAllText(path, "precious");
        string apart = Dir.File($"cat_{entry.Request.ContentSha256.Substring(0, 8)}_bg.png");

        foreach (bool force in new[] { false, true })
        {
            NamePlan plan = PlanFor(client, entry, force);
            Assert.Equal(NameDecision.Download, plan.Decision);
            Assert.Equal(new[] { (apart, false) }, plan.Targets.Select(t => (t.Path, t.Overwrite)));
        }
        await Assert.ThrowsAsync<DestinationExistsException>(() => SaveAsync(client, entry, path));
        Assert.Equal("precious", File.ReadAllText(path));
    }

    [Fact]
    public async Task A_file_saved_but_not_recorded_before_a_crash_is_adopted_by_its_hash()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        string path = Dir.File("cat_bg.png");
        // What a process that died between moving the file into place and journaling it leaves.
        await client.DownloadAsync(new Uri(entry.TemporaryUrl!), path, overwrite: false, CancellationToken.None);
        byte[] before = File.ReadAllBytes(path);
        Assert.Equal(path, PlanFor(client, entry).Targets[0].Path);

        DownloadedFile file = await SaveAsync(client, entry, path);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(ContentHash.OfFile(path), Journal.FindByRecordId(entry.RecordId!)!.SavedSha256);
        Assert.Equal(path, file.Path);
        Assert.True(Sink.Said("kept it and recorded it as saved"));
        Assert.Empty(Partials());
        Assert.Equal(NameDecision.AlreadySaved, PlanFor(client, entry).Decision);
    }

    [Fact]
    public async Task Another_image_at_the_destination_is_compared_and_kept()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        string path = Dir.File("cat_bg.png");
        File.Copy(entry.Request.SourcePath!, path);
        byte[] before = File.ReadAllBytes(path);
        Assert.Equal(new[] { path, Dir.File($"cat_{entry.Request.ContentSha256.Substring(0, 8)}_bg.png") },
            PlanFor(client, entry).Targets.Select(t => t.Path));

        var error = await Assert.ThrowsAsync<DestinationExistsException>(() => SaveAsync(client, entry, path));

        Assert.True(error.ContentDiffers);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Null(Journal.FindByRecordId(entry.RecordId!)!.SavedSha256);
        Assert.Empty(Partials());
    }

    [Fact]
    public async Task A_result_that_is_not_the_size_asked_for_is_refused_and_nothing_is_left()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        string path = Dir.File("cat_bg.png");

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => SaveAsync(client, entry, path,
            size: "1024x1536"));

        Assert.Equal(ApiErrorKind.InvalidDownload, error.Kind);
        Assert.Contains("the image is 1536x1024, not the 1024x1536 asked for", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.Empty(Partials());
        Assert.Null(Journal.FindByRecordId(entry.RecordId!)!.SavedSha256);
        // "auto" asks for no particular size.
        await SaveAsync(client, entry, path, size: "auto");
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task A_wrong_size_with_overwrite_keeps_the_file_that_was_there()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        string path = Dir.File("cat_bg.png");
        File.WriteAllText(path, "precious");

        await Assert.ThrowsAsync<OneMinApiException>(() => SaveAsync(client, entry, path, overwrite: true,
            size: "1024x1024"));

        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Empty(Partials());
    }

    [Fact]
    public async Task A_result_without_a_link_gets_a_fresh_one_from_the_service()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);

        await SaveAsync(client, entry, Dir.File("cat_bg.png"), link: null);

        Assert.True(File.Exists(Dir.File("cat_bg.png")));
        Assert.Equal(1, emulator.State.Snapshot().ResultLookups);
        Assert.True(Sink.Said("has no download link"));
    }

    [Fact]
    public async Task An_expired_link_is_renewed_once_and_the_download_repeated()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        emulator.State.Config = Emu.With(Emu.Fault("download", "403", count: 1));

        await SaveAsync(client, entry, Dir.File("cat_bg.png"));

        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((1, 2), (stats.ResultLookups, stats.Downloads));
        Assert.NotNull(Journal.FindByRecordId(entry.RecordId!)!.SavedSha256);
    }

    [Fact]
    public async Task A_link_is_renewed_only_at_the_service_the_client_talks_to()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => new SaveWorkflow(Journal, client).SaveAsync(
            entry.RecordId!, null, "https://other.example/", Subject, Dir.File("x.png"), false, null, Sink,
            CancellationToken.None));

        Assert.Equal(ApiErrorKind.LinkExpired, error.Kind);
        Assert.Equal(0, emulator.State.Snapshot().ResultLookups);
    }

    [Fact]
    public async Task A_rejected_key_while_renewing_stops_the_batch()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        emulator.State.Config = Emu.With(Emu.Fault("result", "401"));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() =>
            SaveAsync(client, entry, Dir.File("cat_bg.png"), link: null));

        Assert.Equal(ApiErrorKind.Authentication, error.Kind);
        Assert.True(FailurePolicy.StopsBatch(error));
        Assert.False(File.Exists(Dir.File("cat_bg.png")));
    }

    [Fact]
    public async Task A_lookup_refreshes_the_journal_and_names_the_source_it_knows()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        JournalEntry entry = await ResultAsync(emulator, client);
        var lookups = new LookupWorkflow(Journal, client);

        LookedUpRecord? found = await lookups.LookUpAsync(entry.RecordId!, CancellationToken.None);
        LookedUpRecord? unknown = await lookups.LookUpAsync("no-such-record", CancellationToken.None);

        Assert.Equal(entry.Request.SourcePath, found!.SourcePath);
        Assert.Equal(found.Record.TemporaryUrl, Journal.FindByRecordId(entry.RecordId!)!.TemporaryUrl);
        Assert.Null(unknown);
    }
}
