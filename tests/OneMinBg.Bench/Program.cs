using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using OneMinBg.Client.Api;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Bench;

/// <summary>
/// Writes journals of a batch's claim and result lines (docs/journal-format.md) and times, in this one
/// process, how long a new Journal takes to answer its first lookup (the load), one lookup after that,
/// and a listing. Prints one JSON object per journal size. Usage: OneMinBg.Bench folder count...
/// </summary>
public static class Program
{
    private const int Lookups = 2000;
    private const int Loads = 3;
    private static readonly Uri Service = new("https://api.1min.ai/");

    public static int Main(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("Usage: OneMinBg.Bench <folder> <entries> [<entries>...]");
            return 2;
        }

        Directory.CreateDirectory(args[0]);
        Measure(Path.Combine(args[0], "warm-up.jsonl"), 20_000); // JIT tiering, not reported
        for (int i = 1; i < args.Length; i++)
        {
            int count = int.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture);
            string path = Path.Combine(args[0], $"journal-{count}.jsonl");
            Console.WriteLine(JsonSerializer.Serialize(Measure(path, count)));
        }

        return 0;
    }

    private static Dictionary<string, object> Measure(string path, int count)
    {
        ImageRequest[] requests = Write(path, count);
        long fileBytes = new FileInfo(path).Length;
        var random = new Random(42);

        // The load: a new instance answering its first lookup, from a file in the disk cache (median of 3).
        var loads = new List<(double Wall, double Cpu)>();
        for (int i = 1; i < Loads; i++)
        {
            loads.Add(Load(path, requests, out _, out _));
        }

        loads.Add(Load(path, requests, out Journal journal, out long heldBytes));
        loads.Sort();

        Stopwatch find = Stopwatch.StartNew();
        for (int i = 0; i < Lookups; i++)
        {
            int n = random.Next(count);
            Check(journal.Find(requests[n].Fingerprint), n);
        }

        find.Stop();
        Stopwatch byRecord = Stopwatch.StartNew();
        for (int i = 0; i < Lookups; i++)
        {
            int n = random.Next(count);
            Check(journal.FindByRecordId(RecordId(n)), n);
        }

        byRecord.Stop();
        Stopwatch list = Stopwatch.StartNew();
        int listed = journal.Entries().Count;
        list.Stop();
        if (listed != count)
        {
            throw new InvalidOperationException($"Listed {listed} entries, not {count}.");
        }

        GC.KeepAlive(journal);
        return new Dictionary<string, object>
        {
            ["Entries"] = count,
            ["FileMB"] = Math.Round(fileBytes / 1048576.0, 1),
            ["LoadMs"] = Math.Round(loads[Loads / 2].Wall, 0),
            ["LoadCpuMs"] = Math.Round(loads[Loads / 2].Cpu, 0),
            ["FindUs"] = Math.Round(find.Elapsed.TotalMilliseconds * 1000 / Lookups, 1),
            ["FindByRecordIdUs"] = Math.Round(byRecord.Elapsed.TotalMilliseconds * 1000 / Lookups, 1),
            ["ListMs"] = Math.Round(list.Elapsed.TotalMilliseconds, 0),
            ["HeldMB"] = Math.Round(heldBytes / 1048576.0, 0),
        };
    }

    /// <summary>
    /// Milliseconds (wall clock, and CPU time of this process: less disturbed by other work on a shared
    /// machine) until a new instance answers its first lookup, and what it holds then.
    /// </summary>
    private static (double Wall, double Cpu) Load(
        string path, ImageRequest[] requests, out Journal journal, out long heldBytes)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        using Process self = Process.GetCurrentProcess();
        TimeSpan cpu = self.TotalProcessorTime;
        Stopwatch load = Stopwatch.StartNew();
        journal = new Journal(path);
        Check(journal.Find(requests[requests.Length / 2].Fingerprint), requests.Length / 2);
        double wall = load.Elapsed.TotalMilliseconds;
        self.Refresh();
        double cpuMs = (self.TotalProcessorTime - cpu).TotalMilliseconds;
        heldBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        return (wall, cpuMs);
    }

    private static void Check(JournalEntry? entry, int n)
    {
        if (entry == null || entry.State != JournalState.Succeeded || entry.RecordId != RecordId(n))
        {
            throw new InvalidOperationException($"Entry {n} was not found as recorded: {entry}.");
        }
    }

    private static string RecordId(int n) =>
        new Guid(n, 0x1a2b, 0x4c3d, 0x8e, 0x9f, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f).ToString();

    /// <summary>A batch as the writer leaves it: per image a claim line and a result line.</summary>
    private static ImageRequest[] Write(string path, int count)
    {
        var requests = new ImageRequest[count];
        DateTimeOffset at = new DateTimeOffset(2026, 1, 15, 14, 0, 0, TimeSpan.Zero);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var writer = new Utf8JsonWriter(stream, options);
        for (int i = 0; i < count; i++)
        {
            string content = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));
            var request = new ImageRequest(content, $"/photos/batch/IMG_{i:000000}.png", null,
                "a quiet beach at dawn, soft light", "1024x1024", "medium", "auto", "gpt-image-1-mini", Service);
            requests[i] = request;
            Line(writer, stream, "claim", at.AddSeconds(i), request, w =>
            {
                w.WriteString("host", "batch-host");
                w.WriteNumber("pid", 4242);
                w.WriteString("start", at.AddHours(-1));
                w.WriteString("run", "0123456789abcdef");
            });
            Line(writer, stream, "result", at.AddSeconds(i + 1), request, w =>
            {
                w.WriteString("status", "SUCCESS");
                w.WriteStartArray("keys");
                w.WriteStringValue($"images/2026_01_15_14_00_30_{i:000000}_background_replaced.png");
                w.WriteEndArray();
                w.WriteString("url", $"https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/{i}.png"
                    + "?X-Amz-Signature=abc");
                w.WriteString("created", at.AddSeconds(i + 1));
                w.WriteNumber("used", 1234.5m);
                w.WriteNumber("limit", 100000m);
                w.WriteString("asset", $"images/2026_01_15_source_{i:000000}.png");
            }, RecordId(i));
        }

        return requests;
    }

    private static void Line(Utf8JsonWriter w, Stream stream, string kind, DateTimeOffset at, ImageRequest r,
        Action<Utf8JsonWriter> rest, string? recordId = null)
    {
        w.WriteStartObject();
        w.WriteNumber("v", 1);
        w.WriteString("kind", kind);
        w.WriteString("at", at);
        w.WriteString("fp", r.Fingerprint);
        if (recordId != null)
        {
            w.WriteString("id", recordId);
        }

        w.WriteString("content", r.ContentSha256);
        w.WriteString("src", r.SourcePath);
        w.WriteString("prompt", r.Prompt);
        w.WriteString("size", r.Size);
        w.WriteString("quality", r.Quality);
        w.WriteString("bg", r.Background);
        w.WriteString("model", r.Model);
        w.WriteString("base", r.BaseUri.AbsoluteUri);
        rest(w);
        w.WriteEndObject();
        w.Flush();
        stream.WriteByte((byte)'\n');
        w.Reset();
    }
}
