using System.Collections.Concurrent;
using System.Collections.Generic;

namespace OneMinBg.Tests;

/// <summary>A folder of its own per test, deleted afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "oneminbg-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every file in the folder, by name: to show that a failure left nothing behind.</summary>
    public string[] Names() => Directory.GetFiles(Path).Select(p => System.IO.Path.GetFileName(p))
        .OrderBy(n => n, StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Images
{
    public static byte[] Bytes(ImageFormat format, int width = 40, int height = 30, long padBytes = 0)
    {
        using var buffer = new MemoryStream();
        switch (format)
        {
            case ImageFormat.Png:
                TestImages.WritePng(buffer, width, height, 200, 30, 60, padBytes);
                break;
            case ImageFormat.Jpeg:
                TestImages.WriteJpeg(buffer, width, height, 200, 30, 60, padBytes);
                break;
            default:
                TestImages.WriteWebp(buffer, width, height, 200, 30, 60, padBytes);
                break;
        }

        return buffer.ToArray();
    }

    public static string Write(TempDir dir, string name, ImageFormat format, int width = 40, int height = 30,
        long padBytes = 0)
    {
        string path = dir.File(name);
        System.IO.File.WriteAllBytes(path, Bytes(format, width, height, padBytes));
        return path;
    }
}

/// <summary>Collects every Verbose and Debug line and every exception, to check none holds the key.</summary>
internal sealed class Recorder
{
    private readonly ConcurrentQueue<string> _verbose = new();
    private readonly ConcurrentQueue<string> _debug = new();
    private readonly ConcurrentQueue<Exception> _errors = new();

    public IReadOnlyList<string> Verbose => _verbose.ToArray();
    public IReadOnlyList<string> Debug => _debug.ToArray();

    public void Attach(OneMinClientOptions options)
    {
        options.Verbose = _verbose.Enqueue;
        options.Debug = _debug.Enqueue;
    }

    public T Capture<T>(T exception)
        where T : Exception
    {
        _errors.Enqueue(exception);
        return exception;
    }

    public void AssertNoSecret(string secret)
    {
        Assert.NotEmpty(_verbose);
        Assert.NotEmpty(_debug);
        foreach (string line in _verbose.Concat(_debug))
        {
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
        }

        foreach (Exception exception in _errors)
        {
            Assert.DoesNotContain(secret, exception.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, exception.Message, StringComparison.Ordinal);
            if (exception is OneMinApiException api)
            {
                Assert.DoesNotContain(secret, api.ServerMessage ?? "", StringComparison.Ordinal);
                Assert.DoesNotContain(secret, api.ServerDetails ?? "", StringComparison.Ordinal);
            }
        }
    }
}

/// <summary>Starting the emulator and a client pointed at it, with retries fast enough for tests.</summary>
internal static class Emu
{
    public const string Key = "sk-emulated-6b1f0c2e9d7a4e3f8a5c";

    public static Task<EmulatorServer> StartAsync(EmulatorConfig? config = null) =>
        EmulatorServer.StartAsync(new EmulatorOptions { ApiKey = Key, Config = config ?? new EmulatorConfig() });

    public static OneMinClientOptions Options(EmulatorServer emulator, Recorder? recorder = null)
    {
        var options = new OneMinClientOptions
        {
            BaseUri = emulator.ApiUri,
            ApiKey = Key,
            MaxRetryCount = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryAfter = TimeSpan.FromMilliseconds(200),
            RefusalWait = TimeSpan.FromMilliseconds(500), // 429 and 503 are retried for a time, not a count
            RequestsPerMinute = 0,
            Timeout = TimeSpan.FromSeconds(30),
        };
        recorder?.Attach(options);
        return options;
    }

    public static OneMinClient Client(EmulatorServer emulator, Recorder? recorder = null) =>
        new(Options(emulator, recorder));

    public static EmulatorConfig With(params FaultRule[] faults) => new() { Faults = faults.ToList() };

    public static FaultRule Fault(string endpoint, string kind, int? count = null, string? retryAfter = null,
        int delayMs = 0) =>
        new() { Endpoint = endpoint, Kind = kind, Count = count, RetryAfter = retryAfter, DelayMs = delayMs };

    /// <summary>A request for a file of unknown content, run on <paramref name="imageUrl"/>.</summary>
    public static FeatureCall Request(string imageUrl, string prompt = "a quiet beach at dawn",
        string size = "1024x1024", string quality = "medium", string background = "auto",
        string model = BackgroundReplacer.DefaultModel) =>
        new(new ImageRequest("url:" + imageUrl, null, imageUrl, prompt, size, quality, background, model,
            new Uri("http://127.0.0.1/")), imageUrl);

    /// <summary>Uploads a small PNG and returns its key.</summary>
    public static async Task<string> UploadAsync(OneMinClient client, TempDir dir, string name = "cat.png")
    {
        string path = Images.Write(dir, name, ImageFormat.Png);
        return (await client.UploadAsync(path, CancellationToken.None)).Key;
    }
}

/// <summary>One charged call: the request and the image (asset key or URL) it runs on.</summary>
internal sealed record FeatureCall(ImageRequest Request, string ImageUrl);

internal static class FeatureCalls
{
    public static Task<AiRecord> ReplaceBackgroundAsync(this OneMinClient client, FeatureCall call,
        CancellationToken cancellationToken) =>
        client.ReplaceBackgroundAsync(call.Request, call.ImageUrl, cancellationToken);
}

/// <summary>A test class with a scratch folder of its own.</summary>
public abstract class TempDirTest : IDisposable
{
    private protected TempDir Dir { get; } = new();

    public virtual void Dispose() => Dir.Dispose();
}

/// <summary>Tests that download a fresh result: a second folder to save into, and a result of a known size.</summary>
public abstract class ResultDownloadTest : TempDirTest
{
    private readonly string _resultSize;

    private protected ResultDownloadTest(string resultSize) => _resultSize = resultSize;

    /// <summary>Where downloads go, apart from the uploads in Dir.</summary>
    private protected TempDir Out { get; } = new();

    public override void Dispose()
    {
        base.Dispose();
        Out.Dispose();
    }

    /// <summary>A fresh result and its link, before any download fault is switched on.</summary>
    private protected async Task<(OneMinClient Client, Uri Link)> ResultAsync(EmulatorServer emulator,
        OneMinClientOptions? options = null)
    {
        var client = new OneMinClient(options ?? Emu.Options(emulator));
        string key = await Emu.UploadAsync(client, Dir);
        AiRecord record = await client.ReplaceBackgroundAsync(Emu.Request(key, size: _resultSize),
            CancellationToken.None);
        return (client, new Uri(record.TemporaryUrl!));
    }
}

internal static class Ports
{
    /// <summary>A loopback port that was free a moment ago (nobody listens on it until someone binds it).</summary>
    public static int Free()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Synchronisation on a condition, never on elapsed time.</summary>
internal static class Until
{
    /// <summary>
    /// Checks <paramref name="condition"/> every 10 ms until it holds. The deadline is only a guard
    /// against a hung test: passing it fails the test, saying what never happened.
    /// </summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        DateTime giveUp = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow >= giveUp)
            {
                Assert.Fail($"Gave up waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }
}
