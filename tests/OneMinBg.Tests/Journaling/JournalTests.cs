namespace OneMinBg.Tests;

/// <summary>The public API: what is written, claimed, released and found.</summary>
public sealed class JournalTests : TempDirTest
{
    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void Every_kind_written_by_one_instance_is_found_by_another()
    {
        var writer = new Journal(JournalPath);
        ImageRequest succeeded = JournalSamples.Numbered(1);
        ImageRequest failed = JournalSamples.Numbered(2);
        ImageRequest released = JournalSamples.Numbered(3);
        ImageRequest claimed = JournalSamples.Numbered(4);

        Assert.Equal(ClaimOutcome.Claimed, writer.TryClaim(succeeded, JournalSamples.Stale).Outcome);
        writer.RecordUpload(JournalSamples.Service, succeeded.ContentSha256, "images/2026_01_15_cat.png");
        writer.RecordResult(succeeded, JournalSamples.Record("rec-1"), "images/2026_01_15_cat.png");
        writer.RecordSaved("rec-1", "/out/cat_bg.png", 4321, JournalSamples.Sha("saved"));
        writer.TryClaim(failed, JournalSamples.Stale);
        writer.RecordFailure(failed, nameof(ApiErrorKind.UnknownOutcome),
            "The connection dropped after the request was sent.", mayHaveBeenCharged: true);
        writer.TryClaim(released, JournalSamples.Stale);
        writer.Release(released);
        writer.TryClaim(claimed, JournalSamples.Stale);

        var reader = new Journal(JournalPath);

        JournalEntry ok = Assert.IsType<JournalEntry>(reader.Find(succeeded.Fingerprint));
        Assert.Equal(JournalState.Succeeded, ok.State);
        Assert.Equal("rec-1", ok.RecordId);
        Assert.Equal("SUCCESS", ok.Status);
        Assert.Equal(new[] { "images/2026_01_15_14_00_30_001_background_replaced.png" }, ok.ResultKeys);
        Assert.Equal("https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/out.png?X-Amz-Signature=1",
            ok.TemporaryUrl);
        Assert.Equal(new DateTimeOffset(2026, 1, 15, 14, 0, 30, TimeSpan.Zero), ok.CreatedAt);
        Assert.Equal(1234.5m, ok.UsedCredit);
        Assert.Equal(100000m, ok.CreditLimit);
        Assert.Equal("images/2026_01_15_cat.png", ok.AssetKey);
        Assert.Equal("/out/cat_bg.png", ok.SavedPath);
        Assert.Equal(4321, ok.SavedLength);
        Assert.Equal(JournalSamples.Sha("saved"), ok.SavedSha256);
        Assert.NotNull(ok.SavedAt);
        Assert.NotNull(ok.CompletedAt);
        Assert.Equal(writer.RunId, ok.Owner!.RunId);
        Assert.True(ok.Owner.IsThisProcess);
        Assert.Equal(Environment.ProcessId, ok.Owner.ProcessId);
        Assert.Equal(succeeded.Prompt, ok.Request.Prompt);
        Assert.Equal(succeeded.SourcePath, ok.Request.SourcePath);
        Assert.Equal(succeeded.ContentSha256, ok.Request.ContentSha256);
        Assert.Equal(succeeded.Fingerprint, ok.Request.Fingerprint);
        JournalEntry byRecord = reader.FindByRecordId("REC-1")!;
        Assert.Equal(ok.Fingerprint, byRecord.Fingerprint);
        Assert.Equal("/out/cat_bg.png", byRecord.SavedPath);

        JournalEntry bad = reader.Find(failed.Fingerprint)!;
        Assert.Equal(JournalState.Failed, bad.State);
        Assert.Equal("UnknownOutcome", bad.FailureKind);
        Assert.Equal("The connection dropped after the request was sent.", bad.FailureMessage);
        Assert.True(bad.MayHaveBeenCharged);
        Assert.Null(bad.RecordId);

        Assert.Equal(JournalState.Released, reader.Find(released.Fingerprint)!.State);
        Assert.Equal(JournalState.Claimed, reader.Find(claimed.Fingerprint)!.State);
        Assert.Equal("images/2026_01_15_cat.png", reader.FindUpload(JournalSamples.Service, succeeded.ContentSha256));

        Assert.Equal(new[] { succeeded, failed, released, claimed }.Select(r => r.Fingerprint),
            reader.Entries().Select(e => e.Fingerprint));
        Assert.Equal(0, reader.SkippedLines);
    }

    [Fact]
    public void A_request_that_succeeded_is_not_claimed_again_and_nothing_is_written()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");
        long length = new FileInfo(JournalPath).Length;

        ImageRequest moved = JournalSamples.Request(source: "/moved/cat-renamed.png");
        ClaimResult again = new Journal(JournalPath).TryClaim(moved, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.AlreadySucceeded, again.Outcome);
        Assert.Equal("rec-1", again.Entry!.RecordId);
        Assert.Equal(length, new FileInfo(JournalPath).Length);
    }

    [Fact]
    public void A_live_claim_of_another_instance_or_the_same_one_is_held()
    {
        var first = new Journal(JournalPath);
        var second = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();

        ClaimResult claimed = first.TryClaim(request, JournalSamples.Stale);
        long length = new FileInfo(JournalPath).Length;
        ClaimResult other = second.TryClaim(request, JournalSamples.Stale);
        ClaimResult same = first.TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, claimed.Outcome);
        Assert.Null(claimed.Entry);
        Assert.Equal(ClaimOutcome.HeldByOther, other.Outcome);
        Assert.Equal(first.RunId, other.Entry!.Owner!.RunId);
        Assert.True(other.Entry.Owner.IsThisProcess);
        Assert.Equal(JournalState.Claimed, other.Entry.State);
        Assert.Equal(ClaimOutcome.HeldByOther, same.Outcome);
        Assert.Equal(length, new FileInfo(JournalPath).Length);
    }

    [Fact]
    public void A_released_claim_can_be_claimed_again()
    {
        var first = new Journal(JournalPath);
        var second = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        first.TryClaim(request, JournalSamples.Stale);

        first.Release(request);
        ClaimResult result = second.TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, result.Outcome);
        Assert.Equal(JournalState.Released, result.Entry!.State);
        Assert.Equal(second.RunId, first.Find(request.Fingerprint)!.Owner!.RunId);
    }

    [Fact]
    public void Only_the_claiming_run_can_release_its_claim()
    {
        var owner = new Journal(JournalPath);
        var other = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        owner.TryClaim(request, JournalSamples.Stale);
        long length = new FileInfo(JournalPath).Length;

        other.Release(request);
        other.Release(JournalSamples.Numbered(5));

        Assert.Equal(length, new FileInfo(JournalPath).Length);
        ClaimResult again = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);
        Assert.Equal(ClaimOutcome.HeldByOther, again.Outcome);
    }

    [Fact]
    public void A_refresh_or_save_of_a_record_the_journal_does_not_know_writes_nothing()
    {
        var journal = new Journal(JournalPath);
        journal.RecordUpload(JournalSamples.Service, JournalSamples.Sha("cat"), "images/cat.png");
        long length = new FileInfo(JournalPath).Length;

        journal.RecordRefresh("unknown", JournalSamples.Record("unknown"));
        journal.RecordSaved("unknown", "/out/x.png", 1, JournalSamples.Sha("x"));

        Assert.Equal(length, new FileInfo(JournalPath).Length);
        Assert.Null(journal.FindByRecordId("unknown"));
    }

    [Fact]
    public void Uploads_are_cached_per_service()
    {
        var journal = new Journal(JournalPath);
        var local = new Uri("http://127.0.0.1:5123/");
        string content = JournalSamples.Sha("cat");

        journal.RecordUpload(JournalSamples.Service, content, "images/cat-live.png");
        journal.RecordUpload(local, content, "images/cat-local.png");
        long length = new FileInfo(JournalPath).Length;
        journal.RecordUpload(new Uri("https://API.1min.ai"), content, "images/cat-live.png");

        var reader = new Journal(JournalPath);
        Assert.Equal(length, new FileInfo(JournalPath).Length);
        Assert.Equal("images/cat-live.png", reader.FindUpload(new Uri("https://api.1min.ai:443"), content));
        Assert.Equal("images/cat-local.png", reader.FindUpload(local, content));
        Assert.Null(reader.FindUpload(new Uri("http://127.0.0.1:5124/"), content));
        Assert.Null(reader.FindUpload(JournalSamples.Service, JournalSamples.Sha("dog")));

        journal.RecordUpload(local, content, "images/cat-local-2.png");
        Assert.Equal("images/cat-local-2.png", reader.FindUpload(local, content));
    }

    [Fact]
    public void Open_shares_one_instance_per_file_and_creates_its_folder()
    {
        string path = Path.Combine(Dir.Path, "nested", "journal.jsonl");

        Journal a = Journal.Open(path);
        Journal b = Journal.Open(Path.Combine(Dir.Path, "nested", ".", "journal.jsonl"));
        Journal other = Journal.Open(Dir.File("other.jsonl"));

        Assert.Same(a, b);
        Assert.NotSame(a, other);
        Assert.Equal(Path.GetFullPath(path), a.Path);
        Assert.True(Directory.Exists(Path.Combine(Dir.Path, "nested")));
    }
}
