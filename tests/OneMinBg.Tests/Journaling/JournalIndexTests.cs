namespace OneMinBg.Tests;

/// <summary>How a request's lines fold into its state.</summary>
public sealed class JournalIndexTests : TempDirTest
{
    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void A_failure_that_may_have_been_charged_is_claimed_again_with_that_failure_shown()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        JournalEntry recorded = journal.RecordFailure(request, nameof(ApiErrorKind.UnknownOutcome),
            "Timed out after the request was sent.", mayHaveBeenCharged: true);

        ClaimResult result = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(JournalState.Failed, recorded.State);
        Assert.Equal(ClaimOutcome.Claimed, result.Outcome);
        Assert.Equal(JournalState.Failed, result.Entry!.State);
        Assert.True(result.Entry.MayHaveBeenCharged);
        Assert.Equal("UnknownOutcome", result.Entry.FailureKind);
        JournalEntry now = journal.Find(request.Fingerprint)!;
        Assert.Equal(JournalState.Claimed, now.State);
        Assert.Null(now.FailureKind);
        Assert.False(now.MayHaveBeenCharged);
    }

    [Fact]
    public void A_record_that_is_not_success_is_a_failure_that_may_have_been_charged()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);

        JournalEntry entry = journal.RecordResult(request, JournalSamples.Record("rec-9", status: "FAILURE"),
            "images/cat.png");

        Assert.Equal(JournalState.Failed, entry.State);
        Assert.Equal("FeatureFailed", entry.FailureKind);
        Assert.Contains("rec-9", entry.FailureMessage);
        Assert.True(entry.MayHaveBeenCharged);
        Assert.Equal("rec-9", entry.RecordId);
        ClaimResult again = journal.TryClaim(request, JournalSamples.Stale);
        Assert.Equal(ClaimOutcome.Claimed, again.Outcome);
        Assert.Equal("rec-9", again.Entry!.RecordId);
    }

    [Fact]
    public void A_later_failure_does_not_hide_a_paid_success()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");

        JournalEntry failure = journal.RecordFailure(request, "Network", "offline", mayHaveBeenCharged: false);
        JournalEntry failedRecord = journal.RecordResult(request, JournalSamples.Record("rec-2", status: "FAILED"),
            "images/cat.png");

        Assert.Equal(JournalState.Failed, failure.State);
        Assert.Equal(JournalState.Failed, failedRecord.State);
        JournalEntry latest = new Journal(JournalPath).Find(request.Fingerprint)!;
        Assert.Equal(JournalState.Succeeded, latest.State);
        Assert.Equal("rec-1", latest.RecordId);
        Assert.Equal(JournalState.Failed, new Journal(JournalPath).FindByRecordId("rec-2")!.State);
    }

    [Fact]
    public void A_refresh_renews_the_link_and_keeps_what_the_lookup_left_out()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");
        journal.RecordSaved("rec-1", "/out/a.png", 10, JournalSamples.Sha("a"));

        var renewed = "https://s3.example/asset.1min.ai/images/out.png?X-Amz-Signature=2";
        journal.RecordRefresh("rec-1", new AiRecord("rec-1", "SUCCESS") { TemporaryUrl = renewed });

        foreach (var reader in new[] { journal, new Journal(JournalPath) })
        {
            JournalEntry entry = reader.Find(request.Fingerprint)!;
            Assert.Equal("https://s3.example/asset.1min.ai/images/out.png?X-Amz-Signature=2", entry.TemporaryUrl);
            Assert.Equal(new[] { "images/2026_01_15_14_00_30_001_background_replaced.png" }, entry.ResultKeys);
            Assert.Equal(1234.5m, entry.UsedCredit);
            Assert.Equal("images/cat.png", entry.AssetKey);
            Assert.Equal("/out/a.png", entry.SavedPath);
            Assert.Equal(JournalState.Succeeded, entry.State);
            Assert.Equal(entry.TemporaryUrl, reader.FindByRecordId("rec-1")!.TemporaryUrl);
        }
    }

    [Fact]
    public void A_processing_record_that_later_succeeded_becomes_a_success()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1", status: "PROCESSING"), "images/cat.png");

        journal.RecordRefresh("rec-1", JournalSamples.Record("rec-1"));

        JournalEntry entry = new Journal(JournalPath).Find(request.Fingerprint)!;
        Assert.Equal(JournalState.Succeeded, entry.State);
        Assert.Null(entry.FailureKind);
        Assert.Equal(ClaimOutcome.AlreadySucceeded, journal.TryClaim(request, JournalSamples.Stale).Outcome);
    }

    [Fact]
    public void Saves_are_recorded_and_the_latest_one_wins()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");
        JournalEntry beforeSave = journal.Find(request.Fingerprint)!;

        journal.RecordSaved("rec-1", "/out/first.png", 100, JournalSamples.Sha("first"));
        journal.RecordSaved("rec-1", "/out/second.png", 200, JournalSamples.Sha("second"));

        Assert.Null(beforeSave.SavedPath);
        JournalEntry entry = new Journal(JournalPath).FindByRecordId("rec-1")!;
        Assert.Equal("/out/second.png", entry.SavedPath);
        Assert.Equal(200, entry.SavedLength);
        Assert.Equal(JournalSamples.Sha("second"), entry.SavedSha256);
        Assert.Equal("/out/second.png", journal.Find(request.Fingerprint)!.SavedPath);
    }

    [Fact]
    public void Entries_are_ordered_by_their_latest_claim()
    {
        var journal = new Journal(JournalPath);
        ImageRequest a = JournalSamples.Numbered(1), b = JournalSamples.Numbered(2), c = JournalSamples.Numbered(3);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        File.WriteAllText(JournalPath,
            JournalSamples.ClaimLine(a, "elsewhere", 1, now, now.AddMinutes(-1))
            + JournalSamples.ClaimLine(b, "elsewhere", 1, now, now.AddMinutes(-3))
            + JournalSamples.ClaimLine(c, "elsewhere", 1, now, now.AddMinutes(-2)));

        Assert.Equal(new[] { b, c, a }.Select(r => r.Fingerprint), journal.Entries().Select(e => e.Fingerprint));

        journal.TryClaim(b, TimeSpan.Zero);
        Assert.Equal(new[] { c, a, b }.Select(r => r.Fingerprint), journal.Entries().Select(e => e.Fingerprint));
    }
}
