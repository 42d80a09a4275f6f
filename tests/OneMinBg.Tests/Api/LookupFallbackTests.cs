using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace OneMinBg.Tests;

/// <summary>
/// GET /api/results/{id} answering 404 (the emulator always serves it, so a tiny stub stands in):
/// the client then asks GET /api/ai-records/{id}, the other path one client uses.
/// </summary>
public sealed class LookupFallbackTests
{
    private sealed class Stub : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Func<string, (int Status, string Body)> _answer;

        public Stub(Func<string, (int Status, string Body)> answer)
        {
            _answer = answer;
            Uri = new Uri($"http://127.0.0.1:{Ports.Free()}/");
            _listener.Prefixes.Add(Uri.ToString());
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public Uri Uri { get; }

        public ConcurrentQueue<string> Paths { get; } = new();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException || ex is ObjectDisposedException)
                {
                    return;
                }

                string path = context.Request.Url!.AbsolutePath;
                Paths.Enqueue(path);
                var (status, body) = _answer(path);
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }

    private static OneMinClient Client(Stub stub) =>
        new(new OneMinClientOptions { BaseUri = stub.Uri, ApiKey = "sk-stub-key", RequestsPerMinute = 0, RetryBaseDelay = TimeSpan.FromMilliseconds(1) });

    [Fact]
    public async Task A_404_from_results_falls_back_to_ai_records()
    {
        using var stub = new Stub(path => path.StartsWith("/api/ai-records/", StringComparison.Ordinal)
            ? (200, """{"aiRecord":{"uuid":"r-9","status":"SUCCESS","temporaryUrl":"https://h.example/r.png"}}""")
            : (404, """{"message":"Cannot GET /api/results/r-9"}"""));

        AiRecord? record = await Client(stub).GetResultAsync("r-9", CancellationToken.None);

        Assert.Equal("r-9", record?.Id);
        Assert.Equal(new[] { "/api/results/r-9", "/api/ai-records/r-9" }, stub.Paths);
    }

    [Fact]
    public async Task Two_404s_mean_no_such_record_once_the_API_has_answered()
    {
        using var stub = new Stub(path => path.EndsWith("/r-1", StringComparison.Ordinal)
            ? (200, """{"aiRecord":{"uuid":"r-1","status":"SUCCESS"}}""")
            : (404, """{"message":"Not Found"}"""));
        OneMinClient client = Client(stub);
        Assert.NotNull(await client.GetResultAsync("r-1", CancellationToken.None));

        Assert.Null(await client.GetResultAsync("r 10/x", CancellationToken.None));
        Assert.Equal(new[] { "/api/results/r-1", "/api/results/r%2010%2Fx", "/api/ai-records/r%2010%2Fx" }, stub.Paths);
    }

    [Fact]
    public async Task Two_404s_before_any_answer_mean_the_API_is_not_at_the_base_URL()
    {
        // The API answers an unknown id with 200 and {"aiRecord": null}: 404 on both routes is another service.
        using var stub = new Stub(_ => (404, """{"message":"Not Found"}"""));

        var error = await Assert.ThrowsAsync<OneMinApiException>(
            () => Client(stub).GetResultAsync("r-10", CancellationToken.None));

        Assert.Equal(ApiErrorKind.ServiceUnreachable, error.Kind);
        Assert.Contains($"is not at {stub.Uri}", error.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "/api/results/r-10", "/api/ai-records/r-10" }, stub.Paths);
    }

    [Fact]
    public async Task A_redirect_from_the_API_is_not_followed()
    {
        using var stub = new Stub(_ => (302, ""));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => Client(stub).GetResultAsync("r-11", CancellationToken.None));

        Assert.Equal(ApiErrorKind.InvalidResponse, error.Kind);
        Assert.Equal(302, error.StatusCode);
        Assert.Single(stub.Paths);
    }
}
