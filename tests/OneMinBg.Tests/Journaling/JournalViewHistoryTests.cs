using System.Collections.Generic;

namespace OneMinBg.Tests;

/// <summary>
/// The history fold (docs/journal-format.md, "History"): every attempt at a request, so that earlier failed or
/// unanswered attempts, and so possible double charges, can be audited after a later success.
/// </summary>
public sealed class JournalViewHistoryTests : TempDirTest
{
    private const string DeadRun = "dead0000dead0000";
    private static readonly DateTimeOffset LongAgo = DateTimeOffset.UtcNow.AddHours(-3);

    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void A_failed_then_succeeded_request_shows_both_attempts_in_order()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        Assert.Equal(ClaimOutcome.Claimed, journal.TryClaim(request, JournalSamples.Stale).Outcome);
        journal.RecordSent(request);
        journal.RecordFailure(request, "ServerError", "HTTP 500", mayHaveBeenCharged: false);
        Assert.Equal(ClaimOutcome.Claimed, journal.TryClaim(request, JournalSamples.Stale).Outcome);
        journal.RecordSent(request);
        journal.RecordResult(request, JournalSamples.Record("rec-2"), "asset");

        RequestHistory history = Assert.Single(journal.Histories());

        Assert.Equal(JournalState.Succeeded, history.Entry.State);
        Assert.Collection(history.Attempts,
            first =>
            {
                Assert.Equal(1, first.Number);
                Assert.Equal(AttemptOutcome.Failed, first.Outcome);
                Assert.False(first.MayHaveBeenCharged);
                Assert.Equal("ServerError", first.FailureKind);
                Assert.Equal("HTTP 500", first.FailureMessage);
                Assert.NotNull(first.ClaimedAt);
                Assert.NotNull(first.SentAt);
                Assert.NotNull(first.CompletedAt);
                Assert.Null(first.RecordId);
                Assert.True(first.Owner!.IsThisProcess);
                Assert.Equal(journal.RunId, first.RunId);
            },
            second =>
            {
                Assert.Equal(2, second.Number);
                Assert.Equal(AttemptOutcome.Succeeded, second.Outcome);
                Assert.True(second.MayHaveBeenCharged);
                Assert.Equal("rec-2", second.RecordId);
                Assert.Equal("SUCCESS", second.Status);
                Assert.Equal(1234.5m, second.UsedCredit);
                Assert.Null(second.FailureKind);
                Assert.Equal("/photos/cat.png", second.SourcePath);
            });
    }

    [Fact]
    public void A_send_that_a_dead_run_never_heard_back_from_is_unknown_and_may_have_been_charged()
    {
        ImageRequest request = JournalSamples.Request();
        DateTimeOffset sent = LongAgo.AddSeconds(2);
        File.WriteAllText(JournalPath,
            JournalSamples.ClaimLine(request, "elsewhere", 41, LongAgo, LongAgo, run: DeadRun, sentMark: true)
            + JournalSamples.SentLine(request, sent, run: DeadRun));
        var journal = new Journal(JournalPath);
        Assert.Equal(ClaimOutcome.Claimed, journal.TryClaim(request, JournalSamples.Stale).Outcome);
        journal.RecordSent(request);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "asset");

        IReadOnlyList<JournalAttempt> attempts = Assert.Single(journal.Histories()).Attempts;

        Assert.Equal(2, attempts.Count);
        Assert.Equal(AttemptOutcome.Unknown, attempts[0].Outcome);
        Assert.True(attempts[0].MayHaveBeenCharged);
        Assert.Equal(LongAgo, attempts[0].ClaimedAt);
        Assert.Equal(sent, attempts[0].SentAt);
        Assert.Null(attempts[0].CompletedAt);
        Assert.Equal("elsewhere", attempts[0].Owner!.Host);
        Assert.Equal(41, attempts[0].Owner!.ProcessId);
        Assert.Equal(DeadRun, attempts[0].RunId);
        Assert.Equal(AttemptOutcome.Succeeded, attempts[1].Outcome);
        Assert.Equal(2, attempts.Count(a => a.MayHaveBeenCharged)); // the audit: possibly paid twice
    }

    [Fact]
    public void A_run_stopped_while_the_service_worked_leaves_an_unknown_outcome()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordSent(request);
        journal.RecordFailure(request, nameof(ApiErrorKind.UnknownOutcome), "stopped", mayHaveBeenCharged: true);

        JournalAttempt attempt = Assert.Single(Assert.Single(journal.Histories()).Attempts);

        Assert.Equal(AttemptOutcome.Unknown, attempt.Outcome);
        Assert.True(attempt.MayHaveBeenCharged);
        Assert.Equal("stopped", attempt.FailureMessage);
        Assert.NotNull(attempt.CompletedAt);
    }

    [Fact]
    public void A_result_that_comes_after_the_stop_answers_the_stopped_attempt_and_is_no_second_charge()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordSent(request);
        journal.RecordFailure(request, nameof(ApiErrorKind.UnknownOutcome), "stopped", mayHaveBeenCharged: true);
        journal.RecordResult(request, JournalSamples.Record("rec-late"), "asset");

        JournalAttempt attempt = Assert.Single(Assert.Single(journal.Histories()).Attempts);

        Assert.Equal(AttemptOutcome.Succeeded, attempt.Outcome);
        Assert.Equal("rec-late", attempt.RecordId);
        Assert.Null(attempt.FailureKind);
        Assert.Null(attempt.FailureMessage);
    }

    [Fact]
    public void The_latest_send_without_an_answer_is_sent_and_a_claim_never_sent_is_never_charged()
    {
        var journal = new Journal(JournalPath);
        ImageRequest sentOne = JournalSamples.Numbered(1);
        ImageRequest claimedOne = JournalSamples.Numbered(2);
        journal.TryClaim(sentOne, JournalSamples.Stale);
        journal.RecordSent(sentOne);
        journal.TryClaim(claimedOne, JournalSamples.Stale);

        IReadOnlyList<RequestHistory> all = journal.Histories();

        JournalAttempt sent = Assert.Single(all.Single(h => h.Entry.Fingerprint == sentOne.Fingerprint).Attempts);
        Assert.Equal(AttemptOutcome.Sent, sent.Outcome);
        Assert.True(sent.MayHaveBeenCharged);
        JournalAttempt claimed = Assert.Single(all.Single(h => h.Entry.Fingerprint == claimedOne.Fingerprint)
            .Attempts);
        Assert.Equal(AttemptOutcome.Claimed, claimed.Outcome);
        Assert.False(claimed.MayHaveBeenCharged);
        Assert.Null(claimed.SentAt);
    }

    [Fact]
    public void A_released_claim_and_a_dead_claim_never_sent_stay_uncharged_when_a_later_attempt_follows()
    {
        ImageRequest request = JournalSamples.Request();
        File.WriteAllText(JournalPath,
            JournalSamples.ClaimLine(request, "elsewhere", 7, LongAgo, LongAgo, sentMark: true));
        var journal = new Journal(JournalPath);
        journal.TryClaim(request, JournalSamples.Stale);
        journal.Release(request);
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordSent(request);
        journal.RecordResult(request, JournalSamples.Record("rec-3"), "asset");

        IReadOnlyList<JournalAttempt> attempts = Assert.Single(journal.Histories()).Attempts;

        Assert.Equal(new[] { AttemptOutcome.Claimed, AttemptOutcome.Released, AttemptOutcome.Succeeded },
            attempts.Select(a => a.Outcome));
        Assert.Equal(new[] { false, false, true }, attempts.Select(a => a.MayHaveBeenCharged));
        Assert.NotNull(attempts[1].CompletedAt);
    }

    [Fact]
    public void An_older_versions_claim_without_an_answer_may_have_been_sent()
    {
        ImageRequest request = JournalSamples.Request();
        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(request, "elsewhere", 7, LongAgo, LongAgo));
        var journal = new Journal(JournalPath);

        Assert.Equal(AttemptOutcome.Sent, Assert.Single(Assert.Single(journal.Histories()).Attempts).Outcome);

        journal.TryClaim(request, JournalSamples.Stale);
        IReadOnlyList<JournalAttempt> attempts = Assert.Single(journal.Histories()).Attempts;
        Assert.Equal(AttemptOutcome.Unknown, attempts[0].Outcome);
        Assert.True(attempts[0].MayHaveBeenCharged);
        Assert.Null(attempts[0].SentAt);
        Assert.Equal(AttemptOutcome.Claimed, attempts[1].Outcome);
    }

    [Fact]
    public void A_forced_run_without_a_claim_is_an_attempt_of_its_own_and_the_success_stays_the_state()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordSent(request);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "asset");
        journal.RecordSent(request); // -Force: no claim
        journal.RecordResult(request, JournalSamples.Record("rec-2", status: "FAILED"), "asset");

        RequestHistory history = Assert.Single(journal.Histories());

        Assert.Equal("rec-1", history.Entry.RecordId);
        Assert.Equal(2, history.Attempts.Count);
        JournalAttempt forced = history.Attempts[1];
        Assert.Null(forced.ClaimedAt);
        Assert.Null(forced.Owner);
        Assert.Equal(journal.RunId, forced.RunId);
        Assert.NotNull(forced.SentAt);
        Assert.Equal(AttemptOutcome.Failed, forced.Outcome);
        Assert.Equal(nameof(ApiErrorKind.FeatureFailed), forced.FailureKind);
        Assert.True(forced.MayHaveBeenCharged);
        Assert.Equal("rec-2", forced.RecordId);
    }

    [Fact]
    public void A_lookup_that_finds_the_record_done_makes_its_attempt_a_success_and_a_save_is_kept()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordSent(request);
        journal.RecordResult(request, JournalSamples.Record("rec-1", status: "PROCESSING"), "asset");
        journal.RecordRefresh("rec-1", JournalSamples.Record("rec-1"));
        journal.RecordSaved("rec-1", "/out/cat_bg.png", 10, "ab");

        JournalAttempt attempt = Assert.Single(Assert.Single(journal.Histories()).Attempts);

        Assert.Equal(AttemptOutcome.Succeeded, attempt.Outcome);
        Assert.Equal("SUCCESS", attempt.Status);
        Assert.Null(attempt.FailureKind);
        Assert.Equal("/out/cat_bg.png", attempt.SavedPath);
        Assert.NotNull(attempt.SavedAt);
    }

    [Fact]
    public void Histories_follow_the_listing_order_and_skip_the_lines_it_skips()
    {
        var journal = new Journal(JournalPath);
        for (int i = 1; i <= 3; i++)
        {
            ImageRequest request = JournalSamples.Numbered(i);
            journal.TryClaim(request, JournalSamples.Stale);
            journal.RecordResult(request, JournalSamples.Record("rec-" + i), "asset");
        }

        File.AppendAllText(JournalPath, "not json\n{\"v\":2,\"kind\":\"claim\"}\n");

        IReadOnlyList<RequestHistory> histories = journal.Histories();

        Assert.Equal(journal.Entries().Select(e => e.Fingerprint), histories.Select(h => h.Entry.Fingerprint));
        Assert.All(histories, h => Assert.Equal(AttemptOutcome.Succeeded, Assert.Single(h.Attempts).Outcome));
    }
}
