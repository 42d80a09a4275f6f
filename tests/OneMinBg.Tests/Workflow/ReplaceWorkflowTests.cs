using System.Collections.Generic;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>The replace flow, where money is spent: what is charged, uploaded and left in the journal.</summary>
public sealed class ReplaceWorkflowTests : WorkflowTest
{
    [Fact]
    public async Task An_image_is_uploaded_replaced_once_and_recorded()
    {
        await using var emulator = await Emu.StartAsync();
        var (image, request) = Image(emulator);

        ReplaceResult result = await ReplaceAsync(Emu.Client(emulator), request, image);

        Assert.False(result.Reused);
        Assert.Equal(JournalState.Succeeded, result.Entry.State);
        JournalEntry recorded = Journal.Find(request.Fingerprint)!;
        Assert.Equal(JournalState.Succeeded, recorded.State);
        Assert.Equal(result.Entry.RecordId, recorded.RecordId);
        Assert.NotNull(recorded.TemporaryUrl);
        Assert.Equal(recorded.AssetKey, Journal.FindUpload(emulator.ApiUri, image.Sha256));
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((1, 1), (stats.Uploads, stats.Charges));
        Assert.Equal(1, stats.ChargesBySha256[image.Sha256]);
    }

    [Fact]
    public async Task The_same_image_with_another_prompt_reuses_its_upload()
    {
        await using var emulator = await Emu.StartAsync();
        var (image, first) = Image(emulator);
        var client = Emu.Client(emulator);
        await ReplaceAsync(client, first, image);

        ReplaceResult second = await ReplaceAsync(client, RequestFor(emulator, image, "a snowy forest"), image);

        Assert.Equal(JournalState.Succeeded, second.Entry.State);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((1, 2), (stats.Uploads, stats.Charges));
        Assert.True(Sink.Said("uploaded before"));
    }

    [Fact]
    public async Task A_cached_upload_the_service_refuses_is_uploaded_again_without_a_charge()
    {
        await using var emulator = await Emu.StartAsync();
        var (image, request) = Image(emulator);
        Journal.RecordUpload(emulator.ApiUri, image.Sha256, "images/long-gone.png");

        ReplaceResult result = await ReplaceAsync(Emu.Client(emulator), request, image);

        Assert.Equal(JournalState.Succeeded, result.Entry.State);
        Assert.NotEqual("images/long-gone.png", result.Entry.AssetKey);
        Assert.Equal(result.Entry.AssetKey, Journal.FindUpload(emulator.ApiUri, image.Sha256));
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((1, 1), (stats.Uploads, stats.Charges));
        Assert.True(Sink.Said("refused the earlier upload"));
    }

    [Fact]
    public async Task An_answer_lost_after_sending_is_recorded_as_maybe_charged_and_warned_about_next_time()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("feature", "reset-after", count: 1)));
        var (image, request) = Image(emulator);
        var client = Emu.Client(emulator);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => ReplaceAsync(client, request, image));

        Assert.Equal(ApiErrorKind.UnknownOutcome, error.Kind);
        Assert.False(FailurePolicy.StopsBatch(error));
        JournalEntry failed = Journal.Find(request.Fingerprint)!;
        Assert.Equal((JournalState.Failed, true), (failed.State, failed.MayHaveBeenCharged));
        Assert.Equal(1, emulator.State.Snapshot().Charges);

        ReplaceResult again = await ReplaceAsync(client, request, image);

        Assert.Equal(JournalState.Succeeded, again.Entry.State);
        Assert.Contains(Sink.Warnings, w => w.Contains("may have been charged", StringComparison.Ordinal));
        Assert.Equal(2, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task A_request_another_run_holds_is_waited_for_and_its_result_reused()
    {
        await using var emulator = await Emu.StartAsync();
        var (image, request) = Image(emulator);
        var other = new Journal(Journal.Path);
        Assert.Equal(ClaimOutcome.Claimed, other.TryClaim(request, StaleAfter).Outcome);

        Task<ReplaceResult> waiting = ReplaceAsync(Emu.Client(emulator), request, image);
        await Until.TrueAsync(() => Sink.Said("waiting for its result"), "the workflow to wait for the other run");
        other.RecordResult(request, new AiRecord("rec-other", "SUCCESS"), "images/other.png");
        ReplaceResult result = await waiting;

        Assert.True(result.Reused);
        Assert.Equal("rec-other", result.Entry.RecordId);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((0, 0), (stats.Uploads, stats.Charges));
    }

    [Fact]
    public async Task No_credits_stops_the_batch_and_nothing_is_charged()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { Credits = 0 });
        var (image, request) = Image(emulator);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() =>
            ReplaceAsync(Emu.Client(emulator), request, image));

        Assert.Equal(ApiErrorKind.InsufficientCredits, error.Kind);
        Assert.True(FailurePolicy.StopsBatch(error));
        JournalEntry failed = Journal.Find(request.Fingerprint)!;
        Assert.Equal((JournalState.Failed, false), (failed.State, failed.MayHaveBeenCharged));
        Assert.Equal(0, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task A_record_without_an_image_is_recorded_and_reported_as_failed()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { RecordStatus = "FAILED" });
        var (image, request) = Image(emulator);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() =>
            ReplaceAsync(Emu.Client(emulator), request, image));

        Assert.Equal(ApiErrorKind.FeatureFailed, error.Kind);
        Assert.Equal("POST /api/features", error.Operation);
        Assert.False(FailurePolicy.StopsBatch(error));
        JournalEntry entry = Journal.Find(request.Fingerprint)!;
        Assert.NotEqual(JournalState.Succeeded, entry.State);
        Assert.Equal("FAILED", entry.Status);
    }

    [Fact]
    public async Task A_run_stopped_before_the_charged_call_gives_its_claim_back()
    {
        await using var emulator = await Emu.StartAsync();
        var (image, request) = Image(emulator);
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ReplaceAsync(Emu.Client(emulator), request, image, batchToken: stopped.Token));

        Assert.Equal(JournalState.Released, Journal.Find(request.Fingerprint)!.State);
        Assert.Equal(0, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task A_file_changed_after_its_check_is_not_sent_and_the_claim_is_given_back()
    {
        await using var emulator = await Emu.StartAsync();
        var (image, request) = Image(emulator);
        File.WriteAllBytes(image.Path, Images.Bytes(ImageFormat.Png, 300, 200));

        await Assert.ThrowsAsync<SourceChangedException>(() => ReplaceAsync(Emu.Client(emulator), request, image));

        Assert.Equal(JournalState.Released, Journal.Find(request.Fingerprint)!.State);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((0, 0), (stats.Uploads, stats.Charges));
    }

    [Fact]
    public async Task An_image_url_is_sent_as_it_is_without_an_upload()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir, "elsewhere.png");
        var request = new ImageRequest("url:" + key, null, key, "a beach", BackgroundReplacer.SquareSize, "low",
            "auto", BackgroundReplacer.DefaultModel, emulator.ApiUri);

        ReplaceResult result = await ReplaceAsync(client, request, image: null);

        Assert.Equal(key, result.Entry.AssetKey);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((1, 1), (stats.Uploads, stats.Charges));
    }

    [Fact]
    public async Task Sent_twice_without_an_answer_it_needs_a_decision_until_force()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("feature", "reset-after")));
        var (image, request) = Image(emulator);
        var client = Emu.Client(emulator);
        await Assert.ThrowsAsync<OneMinApiException>(() => ReplaceAsync(client, request, image));
        await Assert.ThrowsAsync<OneMinApiException>(() => ReplaceAsync(client, request, image));
        Assert.Single(Sink.Warnings, w => w.Contains("may have been charged", StringComparison.Ordinal));

        var third = await Assert.ThrowsAsync<OneMinApiException>(() => ReplaceAsync(client, request, image));

        Assert.Equal(ApiErrorKind.UnknownOutcome, third.Kind);
        Assert.Contains("sent 2 times without an answer", third.Message);
        Assert.Contains("-Force", third.Message);
        Assert.Equal(2, emulator.State.Snapshot().ChargesBySha256[image.Sha256]);
        emulator.State.Config = new EmulatorConfig();
        ReplaceResult forced = await ReplaceAsync(client, request, image, force: true);
        Assert.Equal(JournalState.Succeeded, forced.Entry.State);
        Assert.Equal(3, emulator.State.Snapshot().ChargesBySha256[image.Sha256]);
    }

    [Fact]
    public async Task An_image_whose_claim_ended_before_it_was_sent_is_sent_without_a_warning()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("upload", "reset-before")));
        var (image, request) = Image(emulator);
        var client = Emu.Client(emulator);
        await Assert.ThrowsAsync<OneMinApiException>(() => ReplaceAsync(client, request, image));
        emulator.State.Config = new EmulatorConfig();

        ReplaceResult result = await ReplaceAsync(client, request, image);

        Assert.Equal(JournalState.Succeeded, result.Entry.State);
        Assert.Empty(Sink.Warnings);
        Assert.Equal(1, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task A_wait_for_another_runs_claim_gives_up_after_the_stale_claim_time()
    {
        await using var emulator = await Emu.StartAsync();
        var (image, request) = Image(emulator);
        var other = new Journal(Journal.Path);
        Assert.Equal(ClaimOutcome.Claimed, other.TryClaim(request, StaleAfter).Outcome);
        var sink = new WaitingSinkRecorder();
        var workflow = new ReplaceWorkflow(Journal, Emu.Client(emulator), TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAsync<HeldByOtherRunException>(() =>
            workflow.RunAsync(request, image, false, sink, CancellationToken.None, CancellationToken.None));

        Assert.Contains("has not finished it", error.Message);
        Assert.Contains("-Force", error.Message);
        Assert.Equal(new[] { true, false }, sink.Waits);
        Assert.Equal(0, emulator.State.Snapshot().Charges);
    }

    [TmpfsFact]
    public async Task A_paid_result_is_kept_when_the_disk_of_the_journal_is_full()
    {
        using Tmpfs disk = Tmpfs.TryMount(Dir.File("small"), "256k")!;
        var data = new TempDir();
        var journal = new Journal(Path.Combine(disk.Path, "journal.jsonl"), data.Path);
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { FeatureLatencyMs = 1500 });
        var (image, request) = Image(emulator);
        string filler = "";

        ReplaceResult result = await WhileThePaidCallRuns(emulator, journal, request, image,
            () => filler = disk.Fill(journal.Path));

        AssertKept(result, emulator);
        Assert.StartsWith(data.Path, result.NotRecorded!.KeptAt);
        File.Delete(filler);
        await AssertTheNextRunReusesIt(emulator, journal.Path, data.Path, request, image, result);
        data.Dispose();
    }

    [Fact]
    public async Task A_paid_result_is_kept_when_another_process_holds_the_lock_too_long()
    {
        var journal = new Journal(Journal.Path, Dir.File("data")) { LockTimeout = TimeSpan.FromMilliseconds(200) };
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { FeatureLatencyMs = 1500 });
        var (image, request) = Image(emulator);
        FileStream? held = null;

        ReplaceResult result = await WhileThePaidCallRuns(emulator, journal, request, image,
            () => held = new FileStream(journal.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite,
                FileShare.None));

        AssertKept(result, emulator);
        Assert.StartsWith(journal.Path + ".rescue", result.NotRecorded!.KeptAt);
        Assert.Contains(journal.LockPath, result.NotRecorded.Message);
        held!.Dispose();
        await AssertTheNextRunReusesIt(emulator, journal.Path, Dir.File("data"), request, image, result);
    }

    [Fact]
    public async Task A_paid_result_is_recorded_when_the_journal_is_deleted_mid_run()
    {
        string folder = Dir.File("journal");
        var journal = new Journal(Path.Combine(folder, "journal.jsonl"), Dir.File("data"));
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { FeatureLatencyMs = 1500 });
        var (image, request) = Image(emulator);

        ReplaceResult result = await WhileThePaidCallRuns(emulator, journal, request, image,
            () => Directory.Delete(folder, recursive: true));

        Assert.Null(result.NotRecorded);
        Assert.Equal(JournalState.Succeeded, result.Entry.State);
        await AssertTheNextRunReusesIt(emulator, journal.Path, Dir.File("data"), request, image, result);
    }

    /// <summary>Runs the workflow and does <paramref name="meanwhile"/> once the paid call is at the service.
    /// </summary>
    private async Task<ReplaceResult> WhileThePaidCallRuns(EmulatorServer emulator, Journal journal,
        ImageRequest request, SourceImage image, Action meanwhile)
    {
        Task<ReplaceResult> run = new ReplaceWorkflow(journal, Emu.Client(emulator), StaleAfter)
            .RunAsync(request, image, false, Sink, CancellationToken.None, CancellationToken.None);
        await Until.TrueAsync(() => emulator.State.Snapshot().CurrentConcurrentFeatures == 1,
            "the paid call to reach the service");
        meanwhile();
        return await run;
    }

    private static void AssertKept(ReplaceResult result, EmulatorServer emulator)
    {
        Assert.NotNull(result.NotRecorded);
        Assert.Equal(JournalState.Succeeded, result.Entry.State);
        Assert.NotNull(result.Entry.TemporaryUrl);
        Assert.Contains(result.Entry.RecordId!, result.NotRecorded!.Message);
        Assert.True(File.Exists(result.NotRecorded.KeptAt), "the rescue file exists");
        Assert.Equal(1, emulator.State.Snapshot().Charges);
    }

    private async Task AssertTheNextRunReusesIt(EmulatorServer emulator, string journalPath, string data,
        ImageRequest request, SourceImage image, ReplaceResult paid)
    {
        var next = new Journal(journalPath, data);
        ReplaceResult again = await new ReplaceWorkflow(next, Emu.Client(emulator), StaleAfter)
            .RunAsync(request, image, false, Sink, CancellationToken.None, CancellationToken.None);

        Assert.True(again.Reused);
        Assert.Equal(paid.Entry.RecordId, again.Entry.RecordId);
        Assert.Equal(1, emulator.State.Snapshot().Charges);
        Assert.All(next.RescueFolders, folder => Assert.False(Directory.Exists(folder), folder));
        Assert.Equal(paid.Entry.RecordId, new Journal(journalPath).Find(request.Fingerprint)!.RecordId);
    }

    private sealed class WaitingSinkRecorder : IWorkflowSink, IWaitingSink
    {
        public List<bool> Waits { get; } = new();

        public void Verbose(string message)
        {
        }

        public void Warning(string message)
        {
        }

        public void Waiting(bool waiting) => Waits.Add(waiting);
    }
}
