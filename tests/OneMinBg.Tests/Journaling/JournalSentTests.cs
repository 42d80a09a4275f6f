using System.Collections.Generic;
using System.Text.Json;

namespace OneMinBg.Tests;

/// <summary>
/// The "sent" line: only an image that was sent may have been charged, and one sent twice without an
/// answer is not claimed a third time (docs/journal-format.md, "Unknown outcomes").
/// </summary>
public sealed class JournalSentTests : TempDirTest
{
    private static readonly DateTimeOffset LongAgo = DateTimeOffset.UtcNow.AddHours(-3);

    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void A_dead_claim_without_a_sent_line_was_never_sent()
    {
        ImageRequest request = JournalSamples.Request();
        File.WriteAllText(JournalPath,
            JournalSamples.ClaimLine(request, "elsewhere", 1, LongAgo, LongAgo, sentMark: true));

        ClaimResult claim = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
        Assert.Null(claim.Entry!.SentAt);
        Assert.Empty(claim.Entry.UnknownOutcomeAttempts);
    }

    [Fact]
    public void A_dead_claim_with_a_sent_line_may_have_been_charged_at_that_time()
    {
        ImageRequest request = JournalSamples.Request();
        DateTimeOffset sent = LongAgo.AddSeconds(5);
        File.WriteAllText(JournalPath,
            JournalSamples.ClaimLine(request, "elsewhere", 1, LongAgo, LongAgo, sentMark: true)
            + JournalSamples.SentLine(request, sent));

        ClaimResult claim = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
        Assert.Equal(sent, claim.Entry!.SentAt);
        Assert.Equal(new[] { sent }, claim.Entry.UnknownOutcomeAttempts);
    }

    [Fact]
    public void An_older_versions_dead_claim_counts_as_maybe_sent()
    {
        ImageRequest request = JournalSamples.Request();
        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(request, "elsewhere", 1, LongAgo, LongAgo));

        ClaimResult claim = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
        Assert.Equal(new[] { LongAgo }, claim.Entry!.UnknownOutcomeAttempts);
    }

    [Fact]
    public void Sent_twice_without_an_answer_is_not_claimed_again_and_nothing_is_written()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        SendWithoutAnswer(journal, request);
        SendWithoutAnswer(journal, request);
        long length = new FileInfo(JournalPath).Length;

        ClaimResult claim = journal.TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.OutcomeUnknown, claim.Outcome);
        Assert.Equal(Journal.MaxUnansweredSends, claim.Entry!.UnknownOutcomeAttempts.Count);
        Assert.Equal(length, new FileInfo(JournalPath).Length);
        Assert.Equal(ClaimOutcome.OutcomeUnknown, new Journal(JournalPath).TryClaim(request, JournalSamples.Stale)
            .Outcome);
    }

    [Fact]
    public void An_answer_of_the_service_starts_the_count_again()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        SendWithoutAnswer(journal, request);
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordSent(request);
        journal.RecordResult(request, JournalSamples.Record("rec-1", status: "FAILED"), "images/cat.png");
        SendWithoutAnswer(journal, request);

        ClaimResult claim = journal.TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
        Assert.Single(claim.Entry!.UnknownOutcomeAttempts);
    }

    [Fact]
    public void A_failure_before_sending_is_not_an_unknown_outcome()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordFailure(request, "Network", "could not connect", mayHaveBeenCharged: false);

        ClaimResult claim = journal.TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
        Assert.Empty(claim.Entry!.UnknownOutcomeAttempts);
    }

    [Fact]
    public void A_journal_with_sent_lines_reads_without_skipping_any()
    {
        var journal = new Journal(JournalPath);
        SendWithoutAnswer(journal, JournalSamples.Request());

        List<JsonElement> lines = JournalSamples.ParseAll(JournalPath);

        Assert.Equal(new[] { "claim", "sent", "failure" }, lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.True(lines[0].GetProperty("sentmark").GetBoolean());
        Assert.Equal(new[] { "v", "kind", "at", "fp", "run" }, lines[1].EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, new Journal(JournalPath).SkippedLines);
    }

    private static void SendWithoutAnswer(Journal journal, ImageRequest request)
    {
        Assert.Equal(ClaimOutcome.Claimed, journal.TryClaim(request, JournalSamples.Stale).Outcome);
        journal.RecordSent(request);
        journal.RecordFailure(request, "UnknownOutcome", "no answer", mayHaveBeenCharged: true);
    }
}
