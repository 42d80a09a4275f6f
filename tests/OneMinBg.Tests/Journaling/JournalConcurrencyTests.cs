using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text.Json;

namespace OneMinBg.Tests;

/// <summary>Instances and threads writing one journal at once.</summary>
public sealed class JournalConcurrencyTests : TempDirTest
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public async Task Two_instances_of_four_threads_claim_each_request_exactly_once()
    {
        const int Requests = 200;
        const int ThreadsPerInstance = 4;
        ImageRequest[] requests = Enumerable.Range(0, Requests).Select(JournalSamples.Numbered).ToArray();
        Journal[] instances = { new Journal(JournalPath), new Journal(JournalPath) };
        var outcomes = new ConcurrentBag<(string Fingerprint, ClaimOutcome Outcome, string RunId)>();
        using var start = new Barrier(instances.Length * ThreadsPerInstance);

        Task[] workers = instances
            .SelectMany(journal => Enumerable.Range(0, ThreadsPerInstance).Select(t => (journal, t)))
            .Select(w => Task.Factory.StartNew(() =>
            {
                var order = requests.ToArray();
                new Random(w.t * 31 + (w.journal == instances[0] ? 0 : 7)).Shuffle(order);
                start.SignalAndWait(Guard);
                foreach (ImageRequest request in order)
                {
                    ClaimResult result = w.journal.TryClaim(request, JournalSamples.Stale);
                    outcomes.Add((request.Fingerprint, result.Outcome, w.journal.RunId));
                    if (result.Outcome == ClaimOutcome.Claimed)
                    {
                        w.journal.RecordUpload(JournalSamples.Service, request.ContentSha256, "images/"
                            + request.ContentSha256 + ".png");
                    }
                }
            }, TaskCreationOptions.LongRunning))
            .ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(Requests * instances.Length * ThreadsPerInstance, outcomes.Count);
        foreach (var group in outcomes.GroupBy(o => o.Fingerprint))
        {
            Assert.Single(group, o => o.Outcome == ClaimOutcome.Claimed);
            Assert.All(group, o => Assert.NotEqual(ClaimOutcome.AlreadySucceeded, o.Outcome));
        }

        List<JsonElement> lines = JournalSamples.ParseAll(JournalPath);
        Assert.Equal(Requests, lines.Count(l => l.GetProperty("kind").GetString() == "claim"));
        Assert.Equal(Requests, lines.Count(l => l.GetProperty("kind").GetString() == "upload"));
        Assert.Equal(Requests * 2, lines.Count);

        var fresh = new Journal(JournalPath);
        Assert.Equal(0, fresh.SkippedLines);
        IReadOnlyList<JournalEntry> entries = fresh.Entries();
        Assert.Equal(Requests, entries.Count);
        foreach (JournalEntry entry in entries)
        {
            Assert.Equal(JournalState.Claimed, entry.State);
            string winner = outcomes
                .Single(o => o.Fingerprint == entry.Fingerprint && o.Outcome == ClaimOutcome.Claimed).RunId;
            Assert.Equal(winner, entry.Owner!.RunId);
            Assert.Equal("images/" + entry.Request.ContentSha256 + ".png", fresh.FindUpload(JournalSamples.Service,
                entry.Request.ContentSha256));
        }

        Assert.Equal(0, instances[0].SkippedLines);
        Assert.Equal(0, instances[1].SkippedLines);
    }

    [Fact]
    public async Task Concurrent_results_from_two_instances_are_all_kept()
    {
        const int PerThread = 40;
        Journal[] instances = { new Journal(JournalPath), new Journal(JournalPath) };
        using var start = new Barrier(4);

        Task[] workers = Enumerable.Range(0, 4).Select(t => Task.Factory.StartNew(() =>
        {
            Journal journal = instances[t % 2];
            start.SignalAndWait(Guard);
            for (int i = 0; i < PerThread; i++)
            {
                ImageRequest request = JournalSamples.Numbered(t * 1000 + i);
                Assert.Equal(ClaimOutcome.Claimed, journal.TryClaim(request, JournalSamples.Stale).Outcome);
                JournalEntry entry = journal.RecordResult(request, JournalSamples.Record($"rec-{t}-{i}"),
                    "images/x.png");
                Assert.Equal(JournalState.Succeeded, entry.State);
                Assert.Equal($"rec-{t}-{i}", entry.RecordId);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(5));

        var fresh = new Journal(JournalPath);
        Assert.Equal(4 * PerThread, fresh.Entries().Count(e => e.State == JournalState.Succeeded));
        Assert.Equal(0, fresh.SkippedLines);
        Assert.Equal(4 * PerThread * 2, JournalSamples.ParseAll(JournalPath).Count);
    }
}
