namespace OneMinBg.Tests;

/// <summary>Whether the process behind a claim still counts, seen through <see cref="Journal.TryClaim"/>.</summary>
public sealed class JournalProcessTests : TempDirTest
{
    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void A_claim_whose_process_is_gone_is_taken_over_and_reported()
    {
        ImageRequest request = JournalSamples.Request();
        DateTimeOffset at = DateTimeOffset.UtcNow;
        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(request, Environment.MachineName, 999999,
            at.AddMinutes(-5), at, run: "deadbeefdeadbeef"));

        ClaimResult result = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, result.Outcome);
        Assert.Equal(JournalState.Claimed, result.Entry!.State);
        Assert.Equal(999999, result.Entry.Owner!.ProcessId);
        Assert.Equal("deadbeefdeadbeef", result.Entry.Owner.RunId);
        Assert.False(result.Entry.Owner.IsThisProcess);
        Assert.Equal(Environment.ProcessId, new Journal(JournalPath).Find(request.Fingerprint)!.Owner!.ProcessId);
    }

    [Fact]
    public void A_claim_by_an_earlier_process_with_the_same_id_is_taken_over()
    {
        ImageRequest request = JournalSamples.Request();
        DateTimeOffset at = DateTimeOffset.UtcNow;
        DateTimeOffset earlierStart = JournalSamples.ThisProcessStart().AddDays(-3);
        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(request, Environment.MachineName, Environment.ProcessId,
            earlierStart, at));

        ClaimResult result = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, result.Outcome);
        Assert.False(result.Entry!.Owner!.IsThisProcess);
    }

    [Fact]
    public void A_claim_written_by_this_process_by_hand_counts_as_live()
    {
        ImageRequest request = JournalSamples.Request();
        DateTimeOffset at = DateTimeOffset.UtcNow.AddDays(-2);
        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(request, Environment.MachineName.ToLowerInvariant(),
            Environment.ProcessId, JournalSamples.ThisProcessStart().AddSeconds(1), at));

        ClaimResult result = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.HeldByOther, result.Outcome);
        Assert.True(result.Entry!.Owner!.IsThisProcess);
    }

    [Fact]
    public void A_claim_from_another_host_holds_until_it_is_stale()
    {
        ImageRequest fresh = JournalSamples.Numbered(1);
        ImageRequest old = JournalSamples.Numbered(2);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        File.WriteAllText(JournalPath,
            JournalSamples.ClaimLine(fresh, "build-agent-7", 1234, now.AddHours(-1), now.AddMinutes(-10))
            + JournalSamples.ClaimLine(old, "build-agent-7", 1234, now.AddHours(-3), now.AddHours(-2)));
        var journal = new Journal(JournalPath);

        Assert.Equal(ClaimOutcome.HeldByOther, journal.TryClaim(fresh, JournalSamples.Stale).Outcome);
        ClaimResult taken = journal.TryClaim(old, JournalSamples.Stale);
        Assert.Equal(ClaimOutcome.Claimed, taken.Outcome);
        Assert.Equal("build-agent-7", taken.Entry!.Owner!.Host);
        Assert.Equal(ClaimOutcome.Claimed, journal.TryClaim(fresh, TimeSpan.FromMinutes(5)).Outcome);
    }
}
