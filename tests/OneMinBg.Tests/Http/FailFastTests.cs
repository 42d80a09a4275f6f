using System.Net;
using System.Net.Sockets;

namespace OneMinBg.Tests;

/// <summary>
/// A base URL nobody answers is given up on after a short retry; one that answered is retried at length;
/// calls that get no answer from a service that never answered are marked so the batch can stop.
/// </summary>
public sealed class FailFastTests : TempDirTest
{
    private static OneMinClientOptions Options(Uri baseUri, Recorder recorder, int retries = 5)
    {
        var options = new OneMinClientOptions
        {
            BaseUri = baseUri,
            ApiKey = Emu.Key,
            MaxRetryCount = retries,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            RequestsPerMinute = 0,
            Timeout = TimeSpan.FromSeconds(30),
        };
        recorder.Attach(options);
        return options;
    }

    [Fact]
    public async Task A_refused_base_URL_is_tried_twice_then_unreachable_and_later_calls_are_not_tried()
    {
        var recorder = new Recorder();
        var closed = new Uri($"http://127.0.0.1:{Ports.Free()}/");
        var client = new OneMinClient(Options(closed, recorder));

        var first = await Assert.ThrowsAsync<OneMinApiException>(
            () => client.GetResultAsync("r-1", CancellationToken.None));
        var second = await Assert.ThrowsAsync<OneMinApiException>(
            () => client.GetResultAsync("r-2", CancellationToken.None));

        Assert.Equal(ApiErrorKind.ServiceUnreachable, first.Kind);
        Assert.Contains("tried 2 times", first.Message, StringComparison.Ordinal);
        Assert.Contains($"nothing at {closed} has answered", first.Message, StringComparison.Ordinal);
        Assert.Equal(ApiErrorKind.ServiceUnreachable, second.Kind);
        Assert.Contains("not tried again", second.Message, StringComparison.Ordinal);
        Assert.Equal(1, recorder.Verbose.Count(line => line.Contains("retry", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_unreachable()
    {
        var recorder = new Recorder();
        var client = new OneMinClient(Options(new Uri("https://onemin-bg-tests.invalid/"), recorder));

        var error = await Assert.ThrowsAsync<OneMinApiException>(
            () => client.GetResultAsync("r-1", CancellationToken.None));

        Assert.Equal(ApiErrorKind.ServiceUnreachable, error.Kind);
        Assert.Contains("onemin-bg-tests.invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_the_service_answered_a_refused_connection_is_retried_at_length()
    {
        var recorder = new Recorder();
        // A listener that answers one lookup, then goes away: its port refuses from then on.
        var listener = new HttpListener();
        var baseUri = new Uri($"http://127.0.0.1:{Ports.Free()}/");
        listener.Prefixes.Add(baseUri.ToString());
        listener.Start();
        Task serve = Task.Run(async () =>
        {
            HttpListenerContext context = await listener.GetContextAsync();
            byte[] body = """{"aiRecord":null}"""u8.ToArray();
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = body.Length;
            context.Response.KeepAlive = false;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        });
        var client = new OneMinClient(Options(baseUri, recorder, retries: 3));
        Assert.Null(await client.GetResultAsync("r-1", CancellationToken.None));
        await serve;
        listener.Close();

        var error = await Assert.ThrowsAsync<OneMinApiException>(
            () => client.GetResultAsync("r-2", CancellationToken.None));

        Assert.Equal(ApiErrorKind.Network, error.Kind);
        Assert.False(error.ServiceNeverAnswered);
        Assert.Contains("tried 4 times", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_cut_before_any_answer_is_retried_at_length_and_marked_as_never_answered()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("upload", "reset-before")));
        var recorder = new Recorder();
        var client = new OneMinClient(Options(emulator.ApiUri, recorder, retries: 2));
        string path = Images.Write(Dir, "cat.png", ImageFormat.Png);

        var error = await Assert.ThrowsAsync<OneMinApiException>(
            () => client.UploadAsync(path, CancellationToken.None));

        Assert.Equal(ApiErrorKind.Network, error.Kind);
        Assert.True(error.ServiceNeverAnswered);
        Assert.Equal(3, emulator.State.Snapshot().Uploads);
    }

    [Fact]
    public async Task A_wrong_base_path_is_unreachable_at_the_first_404_without_a_retry()
    {
        await using var emulator = await Emu.StartAsync();
        var recorder = new Recorder();
        var wrong = new Uri(emulator.ApiUri, "v1/");
        var client = new OneMinClient(Options(wrong, recorder));
        string path = Images.Write(Dir, "cat.png", ImageFormat.Png);

        var error = await Assert.ThrowsAsync<OneMinApiException>(
            () => client.UploadAsync(path, CancellationToken.None));

        Assert.Equal(ApiErrorKind.ServiceUnreachable, error.Kind);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains($"is not at {wrong}", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, emulator.State.Snapshot().Requests);
    }

    [Fact]
    public void A_connect_that_timed_out_was_not_sent()
    {
        var timedOut = new System.Net.Http.HttpRequestException("timed out",
            new SocketException((int)SocketError.TimedOut));

        Assert.True(Transport.IsNotSent(timedOut));
    }
}
