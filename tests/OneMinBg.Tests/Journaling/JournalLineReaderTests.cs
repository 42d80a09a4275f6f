namespace OneMinBg.Tests;

/// <summary>Lines the writer did not write: garbage, other versions and kinds, other layouts.</summary>
public sealed class JournalLineReaderTests : TempDirTest
{
    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void Garbage_unknown_versions_and_unknown_kinds_are_skipped()
    {
        ImageRequest before = JournalSamples.Numbered(1);
        ImageRequest after = JournalSamples.Numbered(2);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string valid = JournalSamples.ClaimLine(before, "far-away-host", 4242, now, now);
        string other = JournalSamples.ClaimLine(after, "host", 1, now, now);
        File.WriteAllText(JournalPath, string.Concat(
            "\uFEFF" + valid,
            "not json at all\n",
            "\n",
            "{}\n",
            "[1,2,3]\n",
            "{\"v\":2,\"kind\":\"claim\",\"at\":\"2026-01-15T14:00:30Z\",\"fp\":\"" + after.Fingerprint + "\"}\n",
            other.Replace("\"v\":1", "\"v\":2"),
            other.Replace("\"claim\"", "\"teleport\""),
            other.Replace("\"v\":1", "\"v\":\"1\""),
            other.Replace("\"pid\":1", "\"pid\":\"one\""),
            "{\"v\":1,\"kind\":\"result\",\"at\":\"2026-01-15T14:00:30Z\",\"fp\":\"" + after.Fingerprint
                + "\",\"status\":\"SUCCESS\"}\n",
            valid.TrimEnd('\n') + valid,
            "{\"v\":1,\"kind\":\"upload\",\"at\":\"2026-01-15T14:00:30Z\",\"base\":\"https://api.1min.ai:443/\","
                + "\"content\":\"x\",\"asset\":7}\n",
            "{\"v\":1,\"kind\":\"upload\",\"at\":\"2026-01-15T14:00:30Z\",\"base\":\"https://api.1min.ai:443/\","
                + "\"content\":\"c\",\"asset\":\"k\",\"future\":{\"a\":[1]}}\r\n"));

        var journal = new Journal(JournalPath);

        Assert.Equal(JournalState.Claimed, journal.Find(before.Fingerprint)!.State);
        Assert.Null(journal.Find(after.Fingerprint));
        Assert.Equal("k", journal.FindUpload(JournalSamples.Service, "c"));
        Assert.Null(journal.FindUpload(JournalSamples.Service, "x"));
        Assert.Single(journal.Entries());
        Assert.Equal(11, journal.SkippedLines);

        Assert.Equal(ClaimOutcome.Claimed, journal.TryClaim(after, JournalSamples.Stale).Outcome);
        Assert.Equal(JournalState.Claimed, new Journal(JournalPath).Find(after.Fingerprint)!.State);
    }

    [Fact]
    public void Lines_written_by_hand_in_another_order_with_spaces_and_escapes_are_read()
    {
        ImageRequest claimed = JournalSamples.Numbered(1);
        ImageRequest succeeded = JournalSamples.Numbered(2);
        string escapedFingerprint = "\\u00" + ((int)succeeded.Fingerprint[0]).ToString("x2")
            + succeeded.Fingerprint.Substring(1);
        File.WriteAllText(JournalPath, string.Concat(
            "{ \"fp\": \"" + claimed.Fingerprint
                + "\", \"kind\": \"claim\", \"v\": 1, \"at\": \"2026-01-15T14:00:30Z\", \"content\": \""
                + claimed.ContentSha256
                + "\", \"prompt\": \"p\", \"size\": \"1024x1024\", \"quality\": \"medium\", \"bg\": \"auto\","
                + " \"model\": \"m\", \"base\": \"https://api.1min.ai/\","
                + " \"host\": \"elsewhere\", \"pid\": 1, \"start\": \"2026-01-15T14:00:00Z\", \"run\": \"r\" }\n",
            "{\"v\":1,\"kind\":\"result\",\"at\":\"2026-01-15T14:00:30Z\",\"fp\":\"" + escapedFingerprint
                + "\",\"content\":\"" + succeeded.ContentSha256
                + "\",\"prompt\":\"p\",\"size\":\"1024x1024\",\"quality\":\"medium\",\"bg\":\"auto\",\"model\":\"m\","
                + "\"base\":\"https://api.1min.ai/\",\"status\":\"SUCCESS\",\"id\":\"rec-\\u0031\"}\n",
            "{\"v\":1,\"kind\":\"saved\",\"at\":\"2026-01-15T14:00:31Z\",\"path\":\"/out/x.png\",\"len\":5,"
                + "\"id\":\"REC-1\"}\n",
            "{\"kind\":\"upload\",\"base\":\"https://api.1min.ai:443/\",\"asset\":\"images/\\u00e9.png\",\"v\":1,"
                + "\"at\":\"2026-01-15T14:00:30Z\",\"content\":\"c\"}\n"));

        var journal = new Journal(JournalPath);

        Assert.Equal(JournalState.Claimed, journal.Find(claimed.Fingerprint)!.State);
        JournalEntry entry = journal.Find(succeeded.Fingerprint)!;
        Assert.Equal(JournalState.Succeeded, entry.State);
        Assert.Equal("rec-1", entry.RecordId);
        Assert.Equal("/out/x.png", entry.SavedPath);
        Assert.Equal("images/é.png", journal.FindUpload(JournalSamples.Service, "c"));
        Assert.Equal(0, journal.SkippedLines);
    }
}
