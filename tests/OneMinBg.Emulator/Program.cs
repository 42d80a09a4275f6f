using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace OneMinBg.Emulator;

internal static class Program
{
    const string Usage = """
        usage:
          OneMinBg.Emulator [serve] [--api-key K] [--api-port N] [--download-port N] [--latency-ms N]
                            [--rate-limit N] [--urls-file PATH] [--parent-pid PID] [--config-json JSON]
          OneMinBg.Emulator make-images --out DIR --count N [--width W] [--height H] [--prefix NAME]
                            [--format png|jpg|webp] [--bytes N]
        """;

    static async Task<int> Main(string[] args)
    {
        var command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "serve";
        var rest = command == "serve" && (args.Length == 0 || args[0] != "serve") ? args : args[1..];
        try
        {
            switch (command)
            {
                case "serve":
                    await Serve(new Flags(rest, "api-key", "api-port", "download-port", "latency-ms", "rate-limit", "urls-file", "parent-pid", "config-json"));
                    return 0;
                case "make-images":
                    MakeImages(new Flags(rest, "out", "count", "width", "height", "prefix", "format", "bytes"));
                    return 0;
                default:
                    throw new ArgumentException($"unknown command '{command}'");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
            return 2;
        }
    }

    /// <summary>Prints {"api":…,"download":…} once, then runs until a signal or until the parent process is gone.</summary>
    static async Task Serve(Flags flags)
    {
        var config = new EmulatorConfig();
        if (flags.Text("config-json") is { } json)
            config = EmulatorConfig.Merge(config, JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("--config-json must be a JSON object"));
        config.FeatureLatencyMs = flags.Number("latency-ms", config.FeatureLatencyMs);
        config.RateLimitPerMinute = flags.Number("rate-limit", config.RateLimitPerMinute);
        config.Validate();

        // Signals are taken before the URLs are printed: a launcher may stop us the moment it has read them.
        var stop = new TaskCompletionSource();
        var signals = new List<PosixSignalRegistration>();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            try
            {
                signals.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true; // we shut down ourselves, in order
                    stop.TrySetResult();
                }));
            }
            catch (PlatformNotSupportedException)
            {
                // not every signal exists everywhere (SIGHUP on Windows)
            }
        }

        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            ApiKey = flags.Text("api-key") ?? "test-key",
            ApiPort = flags.Number("api-port", 0),
            DownloadPort = flags.Number("download-port", 0),
            Config = config,
        });
        var urls = new JsonObject { ["api"] = server.ApiUri.AbsoluteUri, ["download"] = server.DownloadUri.AbsoluteUri }.ToJsonString();
        Console.Out.WriteLine(urls);
        Console.Out.Flush();

        var urlsFile = flags.Text("urls-file");
        if (urlsFile is not null)
        {
            // Write then rename, so a reader polling for the file never sees half of it.
            var temp = $"{urlsFile}.{Environment.ProcessId}.tmp";
            await File.WriteAllTextAsync(temp, urls + "\n");
            File.Move(temp, urlsFile, overwrite: true);
        }

        if (flags.Text("parent-pid") is not null) _ = WatchParent(flags.Number("parent-pid", 0), stop);

        await stop.Task;
        signals.ForEach(s => s.Dispose());
        if (urlsFile is not null) File.Delete(urlsFile);
    }

    /// <summary>Ends the emulator when the process that started it is gone, so a crashed test run leaves nothing behind.</summary>
    static async Task WatchParent(int pid, TaskCompletionSource stop)
    {
        while (!stop.Task.IsCompleted)
        {
            try
            {
                using var parent = Process.GetProcessById(pid);
                if (parent.HasExited) break;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                break; // no such process any more
            }
            await Task.Delay(500);
        }
        stop.TrySetResult();
    }

    /// <summary>Writes <c>prefix001.png</c> … in distinct colours, in parallel; --bytes pads each to about that size.</summary>
    static void MakeImages(Flags flags)
    {
        var dir = flags.Text("out") ?? throw new ArgumentException("--out is required");
        var count = flags.Number("count", -1);
        if (count < 0) throw new ArgumentException("--count is required");
        var width = flags.Number("width", 64);
        var height = flags.Number("height", 64);
        var prefix = flags.Text("prefix") ?? "image";
        var format = flags.Text("format") ?? "png";
        var targetBytes = flags.Number("bytes", 0L);
        var write = TestImages.WriterFor(format);

        long baseSize;
        using (var probe = new MemoryStream())
        {
            var (r, g, b) = TestImages.ColorFor(1);
            write(probe, width, height, r, g, b, 0);
            baseSize = probe.Length;
        }
        var padBytes = Math.Max(0, targetBytes - baseSize);
        var digits = count.ToString(CultureInfo.InvariantCulture).Length;

        Directory.CreateDirectory(dir);
        Parallel.For(1, count + 1, i =>
        {
            var (r, g, b) = TestImages.ColorFor(i);
            var name = $"{prefix}{i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')}.{format}";
            using var file = new FileStream(Path.Combine(dir, name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            write(file, width, height, r, g, b, padBytes);
        });
        Console.Out.WriteLine($"wrote {count} {format} images to {Path.GetFullPath(dir)}");
    }

    /// <summary>--name value pairs; names not in the command's list are an error.</summary>
    sealed class Flags
    {
        readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public Flags(string[] args, params string[] known)
        {
            for (var i = 0; i < args.Length; i += 2)
            {
                var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : "";
                if (!known.Contains(name)) throw new ArgumentException($"unexpected argument '{args[i]}'");
                if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
                _values[name] = args[i + 1];
            }
        }

        public string? Text(string name) => _values.GetValueOrDefault(name);

        public T Number<T>(string name, T fallback) where T : IParsable<T> =>
            _values.TryGetValue(name, out var text) ? T.Parse(text, CultureInfo.InvariantCulture) : fallback;
    }
}
