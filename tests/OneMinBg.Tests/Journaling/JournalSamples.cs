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

    public static string Sha(string content) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant();

    public static ImageRequest Request(
        string? content = null,
        string prompt = "a quiet beach at dawn",
        string? source = "/photos/cat.png",
        string size = "1024x1024",
        string quality = "medium",
        string background = "auto",
        string model = BackgroundReplacer.DefaultModel,
        Uri? baseUri = null) =>
        new(content ?? Sha("cat"), source, null, prompt, size, quality, background, model, baseUri ?? Service);

    public static ImageRequest Numbered(int i) => Request(content: Sha("image " + i), source: $"/photos/{i}.png");

    public static AiRecord Record(string id, string status = "SUCCESS",
        string link = "https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/out.png?X-Amz-Signature=1") =>
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
    public static string ClaimLine(ImageRequest request, string host, int pid, DateTimeOffset processStart,
        DateTimeOffset at, string run = "0123456789abcdef", bool sentMark = false) =>
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
            ["sentmark"] = sentMark ? true : null,
        }) + "\n";

    /// <summary>A "sent" line written by hand: that run sent the paid call at <paramref name="at"/>.</summary>
    public static string SentLine(ImageRequest request, DateTimeOffset at, string run = "0123456789abcdef") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["v"] = 1,
            ["kind"] = "sent",
            ["at"] = at,
            ["fp"] = request.Fingerprint,
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
