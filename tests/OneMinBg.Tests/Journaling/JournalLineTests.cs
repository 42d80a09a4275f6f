using System.Collections.Generic;
using System.Text.Json;

namespace OneMinBg.Tests;

/// <summary>What the writer puts on a line, read back through the journal.</summary>
public sealed class JournalLineTests : TempDirTest
{
    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void Lines_hold_only_the_documented_properties_and_stay_compact()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordUpload(JournalSamples.Service, request.ContentSha256, "images/cat.png");
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");
        journal.RecordRefresh("rec-1", JournalSamples.Record("rec-1", link: "https://s3.example/new.png?sig=2"));
        journal.RecordSaved("rec-1", "/out/a.png", 10, JournalSamples.Sha("a"));
        journal.TryClaim(JournalSamples.Numbered(7), JournalSamples.Stale);
        journal.RecordFailure(JournalSamples.Numbered(7), "BadRequest", "no", mayHaveBeenCharged: false);
        journal.TryClaim(JournalSamples.Numbered(8), JournalSamples.Stale);
        journal.Release(JournalSamples.Numbered(8));

        string[] known =
        {
            "v", "kind", "at", "fp", "content", "src", "img", "prompt", "size", "quality", "bg", "model", "base",
            "host", "pid", "start", "run", "sentmark", "id", "status", "keys", "url", "created", "used", "limit",
            "asset",
            "refresh",
            "fail", "msg", "charged", "path", "len", "sha",
        };
        List<JsonElement> lines = JournalSamples.ParseAll(journal.Path);
        Assert.Equal(new[] { "claim", "upload", "result", "result", "saved", "claim", "failure", "claim", "release" },
            lines.Select(l => l.GetProperty("kind").GetString()));
        foreach (JsonElement line in lines)
        {
            Assert.All(line.EnumerateObject(), p => Assert.Contains(p.Name, known));
        }

        JsonElement release = lines[^1];
        Assert.Equal(new[] { "v", "kind", "at", "fp", "run" }, release.EnumerateObject().Select(p => p.Name));
        JsonElement saved = lines[4];
        Assert.Equal(new[] { "v", "kind", "at", "id", "path", "len", "sha" },
            saved.EnumerateObject().Select(p => p.Name));
        Assert.True(lines[3].GetProperty("refresh").GetBoolean());
    }

    [Fact]
    public void Prompts_paths_and_keys_with_any_characters_round_trip_on_one_line()
    {
        var journal = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request(
            prompt: "un café \"au bord\" de la mer\nà l'aube, 海辺 🌅 \\ \u2028 fin",
            source: Path.Combine(Dir.Path, "Photos ünïcode", "chat \"1\".png"));
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordUpload(JournalSamples.Service, request.ContentSha256, "images/2026_01_15_café \"1\".png");
        journal.RecordResult(request, JournalSamples.Record("B6F7C3D2-1A2B-4C3D-8E9F-0A1B2C3D4E5F"),
            "images/2026_01_15_café \"1\".png");

        Assert.Equal(3, JournalSamples.ParseAll(JournalPath).Count);
        var reader = new Journal(JournalPath);
        JournalEntry entry = reader.Find(request.Fingerprint)!;
        Assert.Equal(request.Prompt, entry.Request.Prompt);
        Assert.Equal(request.SourcePath, entry.Request.SourcePath);
        Assert.Equal(request.Fingerprint, entry.Request.Fingerprint);
        Assert.Equal("images/2026_01_15_café \"1\".png", reader.FindUpload(JournalSamples.Service,
            request.ContentSha256));
        Assert.Equal(JournalState.Succeeded, reader.FindByRecordId("b6f7c3d2-1a2b-4c3d-8e9f-0a1b2c3d4e5f")!.State);
        Assert.Equal(0, reader.SkippedLines);
    }
}
