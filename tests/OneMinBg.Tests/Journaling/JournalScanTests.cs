using System.Collections.Generic;

namespace OneMinBg.Tests;

/// <summary>Loading: where every request's lines are, for a large journal.</summary>
public sealed class JournalScanTests : TempDirTest
{
    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void Fifty_thousand_entries_load_and_are_found()
    {
        const int Count = 50_000;
        using (var stream = new FileStream(JournalPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            DateTimeOffset at = DateTimeOffset.UtcNow.AddDays(-1);
            for (int i = 0; i < Count; i++)
            {
                ImageRequest request = JournalSamples.Numbered(i);
                JournalLine claim = JournalLine.About(JournalLine.Claim, request, at.AddSeconds(i));
                claim.Host = "batch-host";
                claim.ProcessId = 77;
                claim.ProcessStartedAt = at;
                claim.RunId = "0123456789abcdef";
                stream.Write(claim.ToBytes());
                JournalLine result = JournalLine.About(JournalLine.Result, request, at.AddSeconds(i + 1));
                result.RecordId = "rec-" + i;
                result.Status = "SUCCESS";
                result.ResultKeys = new[] { $"images/{i}.png" };
                result.TemporaryUrl = $"https://s3.amazonaws.com/asset.1min.ai/images/{i}.png?X-Amz-Signature=abc";
                result.AssetKey = $"images/source-{i}.png";
                stream.Write(result.ToBytes());
            }
        }

        var journal = new Journal(JournalPath);

        JournalEntry entry = journal.Find(JournalSamples.Numbered(31_337).Fingerprint)!;
        Assert.Equal("rec-31337", entry.RecordId);
        Assert.Equal(JournalState.Succeeded, entry.State);
        Assert.Equal("rec-49999", journal.FindByRecordId("rec-49999")!.RecordId);
        IReadOnlyList<JournalEntry> entries = journal.Entries();
        Assert.Equal(Count, entries.Count);
        Assert.All(entries, e => Assert.True(e.State == JournalState.Succeeded && e.Owner != null, e.ToString()));
        ClaimResult again = journal.TryClaim(JournalSamples.Numbered(12), JournalSamples.Stale);
        Assert.Equal(ClaimOutcome.AlreadySucceeded, again.Outcome);
    }
}
