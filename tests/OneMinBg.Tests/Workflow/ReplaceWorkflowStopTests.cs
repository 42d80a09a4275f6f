using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>A stop never pays twice: a charged call already sent is left to finish, and its result is kept.</summary>
public sealed class ReplaceWorkflowStopTests : WorkflowTest
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Stopped_while_the_service_works_it_returns_and_the_result_is_journaled_later()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { FeatureLatencyMs = 2000 });
        var (image, request) = Image(emulator);
        using var stop = new CancellationTokenSource();
        var sink = new ChargedSinkRecorder();
        Task<ReplaceResult> run = new ReplaceWorkflow(Journal, Emu.Client(emulator), StaleAfter)
            .RunAsync(request, image, false, sink, CancellationToken.None, stop.Token);
        await Until.TrueAsync(() => emulator.State.Snapshot().CurrentConcurrentFeatures == 1, "the call to be sent");

        stop.Cancel();

        await Assert.ThrowsAsync<LeftWithServiceException>(() => run);
        Assert.True(ChargedCalls.WaitAll(Long), "the stopped run's call is journaled");
        Assert.Equal(JournalState.Succeeded, Journal.Find(request.Fingerprint)!.State);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((1, 1), (stats.FeatureCalls, stats.Charges));
        Assert.Equal(new[] { true, false }, sink.WithServiceCalls);
    }

    [Fact]
    public async Task A_run_started_while_a_stopped_runs_call_is_out_waits_for_it_and_reuses_it()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { FeatureLatencyMs = 2000 });
        var (image, request) = Image(emulator);
        var client = Emu.Client(emulator);
        using var stop = new CancellationTokenSource();
        Task<ReplaceResult> stopped = new ReplaceWorkflow(Journal, client, StaleAfter)
            .RunAsync(request, image, false, Sink, CancellationToken.None, stop.Token);
        await Until.TrueAsync(() => emulator.State.Snapshot().CurrentConcurrentFeatures == 1, "the call to be sent");
        stop.Cancel();
        await Assert.ThrowsAsync<LeftWithServiceException>(() => stopped);

        ReplaceResult again = await ReplaceAsync(client, request, image);

        Assert.True(again.Reused);
        Assert.Equal(JournalState.Succeeded, again.Entry.State);
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((1, 1), (stats.FeatureCalls, stats.Charges));
        Assert.Empty(Sink.Warnings);
    }

    [Fact]
    public async Task Stopped_before_the_charged_call_it_sends_nothing_and_gives_its_claim_back()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { UploadLatencyMs = 2000 });
        var (image, request) = Image(emulator);
        using var stop = new CancellationTokenSource();
        Task<ReplaceResult> run = new ReplaceWorkflow(Journal, Emu.Client(emulator), StaleAfter)
            .RunAsync(request, image, false, Sink, CancellationToken.None, stop.Token);
        await Until.TrueAsync(() => emulator.State.Snapshot().Uploads == 1, "the upload to start");

        stop.Cancel();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.IsNotType<LeftWithServiceException>(error);
        Assert.Equal(JournalState.Released, Journal.Find(request.Fingerprint)!.State);
        Assert.Equal(0, emulator.State.Snapshot().FeatureCalls);
    }

    [Fact]
    public async Task Stopped_while_the_charged_call_waits_for_the_rate_limit_it_sends_nothing()
    {
        await using var emulator = await Emu.StartAsync();
        var (image, request) = Image(emulator);
        OneMinClientOptions options = Emu.Options(emulator);
        options.RequestsPerMinute = 1; // the upload takes the minute's only slot: the charged call waits
        using var stop = new CancellationTokenSource();
        var sink = new ChargedSinkRecorder();
        Task<ReplaceResult> run = new ReplaceWorkflow(Journal, new OneMinClient(options), StaleAfter)
            .RunAsync(request, image, false, sink, CancellationToken.None, stop.Token);
        await Until.TrueAsync(() => Journal.Find(request.Fingerprint)?.SentAt != null, "the call to wait to be sent");

        stop.Cancel();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.IsNotType<LeftWithServiceException>(error);
        Assert.Equal(JournalState.Released, Journal.Find(request.Fingerprint)!.State);
        Assert.Equal(0, emulator.State.Snapshot().FeatureCalls);
        Assert.Empty(sink.WithServiceCalls);
    }

    [Fact]
    public async Task An_image_sent_again_after_a_lost_answer_is_warned_about_plainly()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("feature", "reset-after", count: 1)));
        var (image, request) = Image(emulator);
        var client = Emu.Client(emulator);
        var lost = await Assert.ThrowsAsync<OneMinApiException>(() => ReplaceAsync(client, request, image));
        Assert.Contains("sends it once more", lost.Message, StringComparison.Ordinal);

        await ReplaceAsync(client, request, image);

        string warning = Assert.Single(Sink.Warnings);
        Assert.Contains("may have been charged", warning, StringComparison.Ordinal);
        Assert.Contains("Sending it again now", warning, StringComparison.Ordinal);
        Assert.Contains("pays a second time", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("resubmit", warning, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("sends it once more", warning, StringComparison.Ordinal);
    }

    private sealed class ChargedSinkRecorder : IWorkflowSink, IChargedCallSink
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<bool> _calls = new();

        public bool[] WithServiceCalls => _calls.ToArray();

        public void Verbose(string message)
        {
        }

        public void Warning(string message)
        {
        }

        public void WithService(bool withService) => _calls.Enqueue(withService);
    }
}
