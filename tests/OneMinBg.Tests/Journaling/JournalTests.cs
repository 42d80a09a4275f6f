using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OneMinBg.Tests;

/// <summary>Requests, records and hand-written lines for the journal tests.</summary>
internal static class JournalSamples
{
    public static readonly Uri Service = new("https://api.1min.ai/");
    public static readonly TimeSpan Stale = TimeSpan.FromHours(1);

    public static string Sha(string content) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant();

    public static JournalRequest Request(
        string? content = null,
        string prompt = "a quiet beach at dawn",
        string? source = "/photos/cat.png",
        string size = "1024x1024",
        string quality = "medium",
        string background = "auto",
        string model = BackgroundReplacer.DefaultModel,
        Uri? baseUri = null) =>
        new(content ?? Sha("cat"), source, null, prompt, size, quality, background, model, baseUri ?? Service);

    public static JournalRequest Numbered(int i) => Request(content: Sha("image " + i), source: $"/photos/{i}.png");

    public static AiRecord Record(string id, string status = "SUCCESS", string link = "https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/out.png?X-Amz-Signature=1") =>
        new(id, status)
        {
            Model = BackgroundReplacer.DefaultModel,
            CreatedAt = new DateTimeOffset(2026, 1, 15, 14, 0, 30, TimeSpan.Zero),
            ResultKeys = new[] { "images/2026_01_15_14_00_30_001_background_replaced.png" },
            TemporaryUrl = link,
            CreditLimit = 100000m,
            UsedCredit = 1234.5m,
        };

    /// <summary>A claim line written by hand, as another (maybe dead) process would have left it.</summary>
    public static string ClaimLine(JournalRequest request, string host, int pid, DateTimeOffset processStart, DateTimeOffset at, string run = "0123456789abcdef") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["v"] = 1,
            ["kind"] = "claim",
            ["at"] = at,
            ["fp"] = request.Fingerprint,
            ["content"] = request.ContentSha256,
            ["src"] = request.SourcePath,
            ["prompt"] = request.Prompt,
            ["size"] = request.Size,
            ["quality"] = request.Quality,
            ["bg"] = request.Background,
            ["model"] = request.Model,
            ["base"] = request.BaseUri.AbsoluteUri,
            ["host"] = host,
            ["pid"] = pid,
            ["start"] = processStart,
            ["run"] = run,
        }) + "\n";

    public static DateTimeOffset ThisProcessStart()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime).ToUniversalTime();
    }

    public static string[] Lines(string path) => File.ReadAllText(path).Split('\n');

    /// <summary>Every line of the file ends with '\n' and is one JSON object of version 1.</summary>
    public static List<JsonElement> ParseAll(string path)
    {
        string text = File.ReadAllText(path);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = new List<JsonElement>();
        foreach (string line in text.Substring(0, text.Length - 1).Split('\n'))
        {
            using JsonDocument document = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            Assert.Equal(1, document.RootElement.GetProperty("v").GetInt32());
            lines.Add(document.RootElement.Clone());
        }

        return lines;
    }
}

public sealed class JournalTests : TempDirTest
{
    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void A_journal_that_does_not_exist_yet_is_empty_and_reading_does_not_create_it()
    {
        var journal = new Journal(Path.Combine(Dir.Path, "sub", "folder", "journal.jsonl"));

        Assert.Null(journal.Find(JournalSamples.Request().Fingerprint));
        Assert.Null(journal.FindByRecordId("nope"));
        Assert.Null(journal.FindUpload(JournalSamples.Service, JournalSamples.Sha("cat")));
        Assert.Empty(journal.Entries());
        Assert.True(Directory.Exists(Path.Combine(Dir.Path, "sub", "folder")));
        Assert.False(File.Exists(journal.Path));
    }

    [Fact]
    public void Every_kind_written_by_one_instance_is_found_by_another()
    {
        var writer = new Journal(JournalPath);
        JournalRequest succeeded = JournalSamples.Numbered(1);
        JournalRequest failed = JournalSamples.Numbered(2);
        JournalRequest released = JournalSamples.Numbered(3);
        JournalRequest claimed = JournalSamples.Numbered(4);

        Assert.Equal(ClaimOutcome.Claimed, writer.TryClaim(succeeded, JournalSamples.Stale).Outcome);
        writer.RecordUpload(JournalSamples.Service, succeeded.ContentSha256, "images/2026_01_15_cat.png");
        writer.RecordResult(succeeded, JournalSamples.Record("rec-1"), "images/2026_01_15_cat.png");
        writer.RecordSaved("rec-1", "/out/cat_bg.png", 4321, JournalSamples.Sha("saved"));
        writer.TryClaim(failed, JournalSamples.Stale);
        writer.RecordFailure(failed, nameof(ApiErrorKind.UnknownOutcome), "The connection dropped after the request was sent.", mayHaveBeenCharged: true);
        writer.TryClaim(released, JournalSamples.Stale);
        writer.Release(released);
        writer.TryClaim(claimed, JournalSamples.Stale);

        var reader = new Journal(JournalPath);

        JournalEntry ok = Assert.IsType<JournalEntry>(reader.Find(succeeded.Fingerprint));
        Assert.Equal(JournalState.Succeeded, ok.State);
        Assert.Equal("rec-1", ok.RecordId);
        Assert.Equal("SUCCESS", ok.Status);
        Assert.Equal(new[] { "images/2026_01_15_14_00_30_001_background_replaced.png" }, ok.ResultKeys);
        Assert.Equal("https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/out.png?X-Amz-Signature=1", ok.TemporaryUrl);
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

        Assert.Equal(new[] { succeeded, failed, released, claimed }.Select(r => r.Fingerprint), reader.Entries().Select(e => e.Fingerprint));
        Assert.Equal(0, reader.SkippedLines);
    }

    [Fact]
    public void Lines_hold_only_the_documented_properties_and_stay_compact()
    {
        var journal = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request();
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
            "host", "pid", "start", "run", "id", "status", "keys", "url", "created", "used", "limit", "asset", "refresh",
            "fail", "msg", "charged", "path", "len", "sha",
        };
        List<JsonElement> lines = JournalSamples.ParseAll(journal.Path);
        Assert.Equal(new[] { "claim", "upload", "result", "result", "saved", "claim", "failure", "claim", "release" }, lines.Select(l => l.GetProperty("kind").GetString()));
        foreach (JsonElement line in lines)
        {
            Assert.All(line.EnumerateObject(), p => Assert.Contains(p.Name, known));
        }

        JsonElement release = lines[^1];
        Assert.Equal(new[] { "v", "kind", "at", "fp", "run" }, release.EnumerateObject().Select(p => p.Name));
        JsonElement saved = lines[4];
        Assert.Equal(new[] { "v", "kind", "at", "id", "path", "len", "sha" }, saved.EnumerateObject().Select(p => p.Name));
        Assert.True(lines[3].GetProperty("refresh").GetBoolean());
    }

    [Fact]
    public void A_torn_last_line_is_skipped_and_the_next_append_lands_on_its_own_line()
    {
        var first = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request();
        first.TryClaim(request, JournalSamples.Stale);
        first.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");
        string torn = "{\"v\":1,\"kind\":\"result\",\"at\":\"2026-01-15T14:00:30Z\",\"fp\":\"" + request.Fingerprint + "\",\"content\":\"ab";
        File.AppendAllText(JournalPath, torn);

        var second = new Journal(JournalPath);
        Assert.Equal(JournalState.Succeeded, second.Find(request.Fingerprint)!.State);
        Assert.Equal(JournalState.Succeeded, first.Find(request.Fingerprint)!.State);

        second.RecordUpload(JournalSamples.Service, JournalSamples.Sha("dog"), "images/dog.png");

        string[] lines = JournalSamples.Lines(JournalPath);
        Assert.Equal(torn, lines[^3]);
        Assert.Contains("\"kind\":\"upload\"", lines[^2]);
        Assert.Equal("", lines[^1]);

        var third = new Journal(JournalPath);
        Assert.Equal("images/dog.png", third.FindUpload(JournalSamples.Service, JournalSamples.Sha("dog")));
        Assert.Equal(JournalState.Succeeded, third.Find(request.Fingerprint)!.State);
        Assert.Equal(1, third.SkippedLines);
        Assert.Equal("images/dog.png", first.FindUpload(JournalSamples.Service, JournalSamples.Sha("dog")));
        Assert.Equal(1, first.SkippedLines);
    }

    [Fact]
    public void Garbage_unknown_versions_and_unknown_kinds_are_skipped()
    {
        JournalRequest before = JournalSamples.Numbered(1);
        JournalRequest after = JournalSamples.Numbered(2);
        string valid = JournalSamples.ClaimLine(before, "far-away-host", 4242, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        File.WriteAllText(JournalPath, string.Concat(
            "\uFEFF" + valid,
            "not json at all\n",
            "\n",
            "{}\n",
            "[1,2,3]\n",
            "{\"v\":2,\"kind\":\"claim\",\"at\":\"2026-01-15T14:00:30Z\",\"fp\":\"" + after.Fingerprint + "\"}\n",
            JournalSamples.ClaimLine(after, "host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow).Replace("\"v\":1", "\"v\":2"),
            JournalSamples.ClaimLine(after, "host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow).Replace("\"claim\"", "\"teleport\""),
            JournalSamples.ClaimLine(after, "host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow).Replace("\"v\":1", "\"v\":\"1\""),
            JournalSamples.ClaimLine(after, "host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow).Replace("\"pid\":1", "\"pid\":\"one\""),
            "{\"v\":1,\"kind\":\"result\",\"at\":\"2026-01-15T14:00:30Z\",\"fp\":\"" + after.Fingerprint + "\",\"status\":\"SUCCESS\"}\n",
            valid.TrimEnd('\n') + valid,
            "{\"v\":1,\"kind\":\"upload\",\"at\":\"2026-01-15T14:00:30Z\",\"base\":\"https://api.1min.ai:443/\",\"content\":\"x\",\"asset\":7}\n",
            "{\"v\":1,\"kind\":\"upload\",\"at\":\"2026-01-15T14:00:30Z\",\"base\":\"https://api.1min.ai:443/\",\"content\":\"c\",\"asset\":\"k\",\"future\":{\"a\":[1]}}\r\n"));

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
    public void Prompts_paths_and_keys_with_any_characters_round_trip_on_one_line()
    {
        var journal = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request(
            prompt: "un café \"au bord\" de la mer\nà l'aube, 海辺 🌅 \\ \u2028 fin",
            source: Path.Combine(Dir.Path, "Photos ünïcode", "chat \"1\".png"));
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordUpload(JournalSamples.Service, request.ContentSha256, "images/2026_01_15_café \"1\".png");
        journal.RecordResult(request, JournalSamples.Record("B6F7C3D2-1A2B-4C3D-8E9F-0A1B2C3D4E5F"), "images/2026_01_15_café \"1\".png");

        Assert.Equal(3, JournalSamples.ParseAll(JournalPath).Count);
        var reader = new Journal(JournalPath);
        JournalEntry entry = reader.Find(request.Fingerprint)!;
        Assert.Equal(request.Prompt, entry.Request.Prompt);
        Assert.Equal(request.SourcePath, entry.Request.SourcePath);
        Assert.Equal(request.Fingerprint, entry.Request.Fingerprint);
        Assert.Equal("images/2026_01_15_café \"1\".png", reader.FindUpload(JournalSamples.Service, request.ContentSha256));
        Assert.Equal(JournalState.Succeeded, reader.FindByRecordId("b6f7c3d2-1a2b-4c3d-8e9f-0a1b2c3d4e5f")!.State);
        Assert.Equal(0, reader.SkippedLines);
    }

    [Fact]
    public void Lines_written_by_hand_in_another_order_with_spaces_and_escapes_are_read()
    {
        JournalRequest claimed = JournalSamples.Numbered(1);
        JournalRequest succeeded = JournalSamples.Numbered(2);
        string escapedFingerprint = "\\u00" + ((int)succeeded.Fingerprint[0]).ToString("x2") + succeeded.Fingerprint.Substring(1);
        File.WriteAllText(JournalPath, string.Concat(
            "{ \"fp\": \"" + claimed.Fingerprint + "\", \"kind\": \"claim\", \"v\": 1, \"at\": \"2026-01-15T14:00:30Z\", \"content\": \"" + claimed.ContentSha256
                + "\", \"prompt\": \"p\", \"size\": \"1024x1024\", \"quality\": \"medium\", \"bg\": \"auto\", \"model\": \"m\", \"base\": \"https://api.1min.ai/\","
                + " \"host\": \"elsewhere\", \"pid\": 1, \"start\": \"2026-01-15T14:00:00Z\", \"run\": \"r\" }\n",
            "{\"v\":1,\"kind\":\"result\",\"at\":\"2026-01-15T14:00:30Z\",\"fp\":\"" + escapedFingerprint + "\",\"content\":\"" + succeeded.ContentSha256
                + "\",\"prompt\":\"p\",\"size\":\"1024x1024\",\"quality\":\"medium\",\"bg\":\"auto\",\"model\":\"m\",\"base\":\"https://api.1min.ai/\",\"status\":\"SUCCESS\",\"id\":\"rec-\\u0031\"}\n",
            "{\"v\":1,\"kind\":\"saved\",\"at\":\"2026-01-15T14:00:31Z\",\"path\":\"/out/x.png\",\"len\":5,\"id\":\"REC-1\"}\n",
            "{\"kind\":\"upload\",\"base\":\"https://api.1min.ai:443/\",\"asset\":\"images/\\u00e9.png\",\"v\":1,\"at\":\"2026-01-15T14:00:30Z\",\"content\":\"c\"}\n"));

        var journal = new Journal(JournalPath);

        Assert.Equal(JournalState.Claimed, journal.Find(claimed.Fingerprint)!.State);
        JournalEntry entry = journal.Find(succeeded.Fingerprint)!;
        Assert.Equal(JournalState.Succeeded, entry.State);
        Assert.Equal("rec-1", entry.RecordId);
        Assert.Equal("/out/x.png", entry.SavedPath);
        Assert.Equal("images/é.png", journal.FindUpload(JournalSamples.Service, "c"));
        Assert.Equal(0, journal.SkippedLines);
    }

    [Fact]
    public void A_line_longer_than_the_read_buffer_is_read_whole()
    {
        var writer = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request();
        writer.RecordUpload(JournalSamples.Service, JournalSamples.Sha("dog"), "images/dog.png");
        var reader = new Journal(JournalPath);
        Assert.Equal("images/dog.png", reader.FindUpload(JournalSamples.Service, JournalSamples.Sha("dog")));
        string message = new string('x', 3 * 1024 * 1024);

        writer.RecordFailure(request, "BadRequest", message, mayHaveBeenCharged: false);

        Assert.Equal(message, reader.Find(request.Fingerprint)!.FailureMessage);
        Assert.Equal(message, new Journal(JournalPath).Find(request.Fingerprint)!.FailureMessage);
    }

    [Fact]
    public void A_request_that_succeeded_is_not_claimed_again_and_nothing_is_written()
    {
        var journal = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");
        long length = new FileInfo(JournalPath).Length;

        ClaimResult again = new Journal(JournalPath).TryClaim(JournalSamples.Request(source: "/moved/cat-renamed.png"), JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.AlreadySucceeded, again.Outcome);
        Assert.Equal("rec-1", again.Entry!.RecordId);
        Assert.Equal(length, new FileInfo(JournalPath).Length);
    }

    [Fact]
    public void A_live_claim_of_another_instance_or_the_same_one_is_held()
    {
        var first = new Journal(JournalPath);
        var second = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request();

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
    public void A_claim_whose_process_is_gone_is_taken_over_and_reported()
    {
        JournalRequest request = JournalSamples.Request();
        DateTimeOffset at = DateTimeOffset.UtcNow;
        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(request, Environment.MachineName, 999999, at.AddMinutes(-5), at, run: "deadbeefdeadbeef"));

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
        JournalRequest request = JournalSamples.Request();
        DateTimeOffset at = DateTimeOffset.UtcNow;
        DateTimeOffset earlierStart = JournalSamples.ThisProcessStart().AddDays(-3);
        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(request, Environment.MachineName, Environment.ProcessId, earlierStart, at));

        ClaimResult result = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.Claimed, result.Outcome);
        Assert.False(result.Entry!.Owner!.IsThisProcess);
    }

    [Fact]
    public void A_claim_written_by_this_process_by_hand_counts_as_live()
    {
        JournalRequest request = JournalSamples.Request();
        DateTimeOffset at = DateTimeOffset.UtcNow.AddDays(-2);
        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(request, Environment.MachineName.ToLowerInvariant(), Environment.ProcessId, JournalSamples.ThisProcessStart().AddSeconds(1), at));

        ClaimResult result = new Journal(JournalPath).TryClaim(request, JournalSamples.Stale);

        Assert.Equal(ClaimOutcome.HeldByOther, result.Outcome);
        Assert.True(result.Entry!.Owner!.IsThisProcess);
    }

    [Fact]
    public void A_claim_from_another_host_holds_until_it_is_stale()
    {
        JournalRequest fresh = JournalSamples.Numbered(1);
        JournalRequest old = JournalSamples.Numbered(2);
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

    [Fact]
    public void A_released_claim_can_be_claimed_again()
    {
        var first = new Journal(JournalPath);
        var second = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request();
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
        JournalRequest request = JournalSamples.Request();
        owner.TryClaim(request, JournalSamples.Stale);
        long length = new FileInfo(JournalPath).Length;

        other.Release(request);
        other.Release(JournalSamples.Numbered(5));

        Assert.Equal(length, new FileInfo(JournalPath).Length);
        Assert.Equal(ClaimOutcome.HeldByOther, new Journal(JournalPath).TryClaim(request, JournalSamples.Stale).Outcome);
    }

    [Fact]
    public void A_failure_that_may_have_been_charged_is_claimed_again_with_that_failure_shown()
    {
        var journal = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        JournalEntry recorded = journal.RecordFailure(request, nameof(ApiErrorKind.UnknownOutcome), "Timed out after the request was sent.", mayHaveBeenCharged: true);

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
        JournalRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);

        JournalEntry entry = journal.RecordResult(request, JournalSamples.Record("rec-9", status: "FAILURE"), "images/cat.png");

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
        JournalRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");

        JournalEntry failure = journal.RecordFailure(request, "Network", "offline", mayHaveBeenCharged: false);
        JournalEntry failedRecord = journal.RecordResult(request, JournalSamples.Record("rec-2", status: "FAILED"), "images/cat.png");

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
        JournalRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");
        journal.RecordSaved("rec-1", "/out/a.png", 10, JournalSamples.Sha("a"));

        journal.RecordRefresh("rec-1", new AiRecord("rec-1", "SUCCESS") { TemporaryUrl = "https://s3.example/asset.1min.ai/images/out.png?X-Amz-Signature=2" });

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
        JournalRequest request = JournalSamples.Request();
        journal.TryClaim(request, JournalSamples.Stale);
        journal.RecordResult(request, JournalSamples.Record("rec-1", status: "PROCESSING"), "images/cat.png");

        journal.RecordRefresh("rec-1", JournalSamples.Record("rec-1"));

        JournalEntry entry = new Journal(JournalPath).Find(request.Fingerprint)!;
        Assert.Equal(JournalState.Succeeded, entry.State);
        Assert.Null(entry.FailureKind);
        Assert.Equal(ClaimOutcome.AlreadySucceeded, journal.TryClaim(request, JournalSamples.Stale).Outcome);
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
    public void Saves_are_recorded_and_the_latest_one_wins()
    {
        var journal = new Journal(JournalPath);
        JournalRequest request = JournalSamples.Request();
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
    public void Entries_are_ordered_by_their_latest_claim()
    {
        var journal = new Journal(JournalPath);
        JournalRequest a = JournalSamples.Numbered(1), b = JournalSamples.Numbered(2), c = JournalSamples.Numbered(3);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        File.WriteAllText(JournalPath,
            JournalSamples.ClaimLine(a, "elsewhere", 1, now, now.AddMinutes(-1))
            + JournalSamples.ClaimLine(b, "elsewhere", 1, now, now.AddMinutes(-3))
            + JournalSamples.ClaimLine(c, "elsewhere", 1, now, now.AddMinutes(-2)));

        Assert.Equal(new[] { b, c, a }.Select(r => r.Fingerprint), journal.Entries().Select(e => e.Fingerprint));

        journal.TryClaim(b, TimeSpan.Zero);
        Assert.Equal(new[] { c, a, b }.Select(r => r.Fingerprint), journal.Entries().Select(e => e.Fingerprint));
    }

    [Fact]
    public void Fifty_thousand_entries_load_and_are_found()
    {
        const int Count = 50_000;
        using (var stream = new FileStream(JournalPath, FileMode.CreateNew))
        {
            DateTimeOffset at = DateTimeOffset.UtcNow.AddDays(-1);
            for (int i = 0; i < Count; i++)
            {
                JournalRequest request = JournalSamples.Numbered(i);
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
                result.TemporaryUrl = $"https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/{i}.png?X-Amz-Signature=abc";
                result.AssetKey = $"images/source-{i}.png";
                stream.Write(result.ToBytes());
            }
        }

        var journal = new Journal(JournalPath);

        JournalEntry entry = journal.Find(JournalSamples.Numbered(31_337).Fingerprint)!;
        Assert.Equal("rec-31337", entry.RecordId);
        Assert.Equal(JournalState.Succeeded, entry.State);
        Assert.Equal("rec-49999", journal.FindByRecordId("rec-49999")!.RecordId);
        Assert.Equal(Count, journal.Entries().Count);
        Assert.Equal(0, journal.SkippedLines);
        Assert.Equal(ClaimOutcome.AlreadySucceeded, journal.TryClaim(JournalSamples.Numbered(12), JournalSamples.Stale).Outcome);
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

    [Fact]
    public void A_journal_replaced_by_a_shorter_file_is_read_again()
    {
        var journal = new Journal(JournalPath);
        journal.TryClaim(JournalSamples.Numbered(1), JournalSamples.Stale);
        journal.TryClaim(JournalSamples.Numbered(2), JournalSamples.Stale);

        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(JournalSamples.Numbered(3), "elsewhere", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));

        Assert.Null(journal.Find(JournalSamples.Numbered(1).Fingerprint));
        Assert.NotNull(journal.Find(JournalSamples.Numbered(3).Fingerprint));
    }
}
