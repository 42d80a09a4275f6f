using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>Issue 13 item 4: a record the service accepted (async) is journaled before the wait, and a later
/// attempt waits for it instead of paying again.</summary>
public sealed class AcceptedRecordTests : WorkflowTest
{
    [Fact]
    public async Task A_wait_that_is_lost_is_taken_up_again_by_the_next_attempt_without_paying_again()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { AsyncMode = "honour", FeatureLatencyMs = 2000 });
        var (image, request) = Image(emulator);
        var impatient = Emu.Options(emulator);
        impatient.ResultWait = TimeSpan.FromMilliseconds(300);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => ReplaceAsync(new OneMinClient(impatient), request, image));

        Assert.Equal(ApiErrorKind.UnknownOutcome, error.Kind);
        JournalEntry left = Journal.Find(request.Fingerprint)!;
        Assert.NotNull(left.AcceptedRecordId);
        Assert.Contains(left.AcceptedRecordId!, error.Message, StringComparison.Ordinal);

        ReplaceResult again = await ReplaceAsync(Emu.Client(emulator), request, image);

        Assert.Equal(JournalState.Succeeded, again.Entry.State);
        Assert.Equal(left.AcceptedRecordId, again.Entry.RecordId);
        Assert.Null(Journal.Find(request.Fingerprint)!.AcceptedRecordId);
        Assert.True(Sink.Said("accepted it earlier"));
        EmulatorStats stats = emulator.State.Snapshot();
        Assert.Equal((1, 1), (stats.FeatureCalls, stats.Charges));
        Assert.DoesNotContain(Sink.Warnings, w => w.Contains("may have been charged", StringComparison.Ordinal));
    }

    [Fact]
    public void An_accepted_line_survives_a_reload_and_later_failures_and_a_result_ends_it()
    {
        var request = JournalSamples.Request();
        Assert.Equal(ClaimOutcome.Claimed, Journal.TryClaim(request, StaleAfter).Outcome);
        Journal.RecordSent(request);
        Journal.RecordAccepted(request, "rec-9", "images/cat.png");
        Journal.RecordFailure(request, nameof(ApiErrorKind.UnknownOutcome), "lost", mayHaveBeenCharged: true);

        var reloaded = new Journal(Journal.Path);
        JournalEntry entry = reloaded.Find(request.Fingerprint)!;
        Assert.Equal(("rec-9", "images/cat.png"), (entry.AcceptedRecordId, entry.AssetKey));
        ClaimResult claim = reloaded.TryClaim(request, StaleAfter);
        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
        Assert.Equal("rec-9", reloaded.Find(request.Fingerprint)!.AcceptedRecordId);

        reloaded.RecordResult(request, JournalSamples.Record("rec-9"), "images/cat.png");
        Assert.Null(new Journal(Journal.Path).Find(request.Fingerprint)!.AcceptedRecordId);
    }
}
