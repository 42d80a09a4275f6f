namespace OneMinBg.Tests;

/// <summary>What the client checks before it sends anything, and failures that need no server.</summary>
public sealed class ClientOptionsTests
{
    private const string Key = "sk-options-test-0123456789";

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Without_a_key_api_calls_fail_with_Authentication_before_anything_is_sent(string key)
    {
        // A client without a key is allowed (downloads need none), but it sends no API call.
        var client = new OneMinClient(new OneMinClientOptions { ApiKey = key, BaseUri = ClosedPort(), MaxRetryCount = 0 });

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.GetResultAsync("some-id", CancellationToken.None));

        Assert.Equal(ApiErrorKind.Authentication, error.Kind);
        Assert.Null(error.StatusCode);
        Assert.Contains("needs an API key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sk-abc\r\nX-Injected: 1")]
    [InlineData("sk-ünïcode-key")]
    [InlineData("sk with space")]
    public void A_key_that_cannot_be_a_header_is_refused_without_echoing_it(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => new OneMinClient(new OneMinClientOptions { ApiKey = key }));

        Assert.DoesNotContain(key.Trim(), error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://api.example.com/")]
    [InlineData("http://192.168.1.20:8080/")]
    public void Insecure_http_to_another_host_is_refused(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => new OneMinClient(new OneMinClientOptions { ApiKey = Key, BaseUri = new Uri(url) }));

        Assert.Contains(url, error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowInsecureHttp", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://api.example.com/", true, "http://api.example.com/")]
    [InlineData("http://127.0.0.1:5000", false, "http://127.0.0.1:5000/")]
    [InlineData("http://localhost:5000/prefix", false, "http://localhost:5000/prefix/")]
    [InlineData("http://[::1]:5000/", false, "http://[::1]:5000/")]
    [InlineData("https://api.1min.ai", false, "https://api.1min.ai/")]
    public void Https_loopback_or_allowed_http_is_accepted(string url, bool allowInsecure, string root)
    {
        var client = new OneMinClient(new OneMinClientOptions { ApiKey = Key, BaseUri = new Uri(url), AllowInsecureHttp = allowInsecure });

        Assert.Equal(root, client.BaseUri.ToString());
    }

    [Fact]
    public void Other_schemes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new OneMinClient(new OneMinClientOptions { ApiKey = Key, BaseUri = new Uri("ftp://api.example.com/") }));
    }

    [Fact]
    public void Limits_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneMinClient(new OneMinClientOptions { ApiKey = Key, Timeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneMinClient(new OneMinClientOptions { ApiKey = Key, MaxRetryCount = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneMinClient(new OneMinClientOptions { ApiKey = Key, RequestsPerMinute = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneMinClient(new OneMinClientOptions { ApiKey = Key, MaxDownloadBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneMinClient(new OneMinClientOptions { ApiKey = Key, RetryBaseDelay = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public void The_default_base_URL_is_the_service()
    {
        Assert.Equal(new Uri("https://api.1min.ai/"), new OneMinClientOptions().BaseUri);
    }

    /// <summary>A loopback port nobody listens on: connecting is refused before anything is sent.</summary>
    private static Uri ClosedPort() => new($"http://127.0.0.1:{Ports.Free()}/");

    [Fact]
    public async Task A_refused_connection_is_retried_once_even_for_the_charged_call_because_nothing_was_sent()
    {
        var recorder = new Recorder();
        Uri closed = ClosedPort();
        var options = new OneMinClientOptions
        {
            ApiKey = Key, BaseUri = closed, MaxRetryCount = 5, RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            RequestsPerMinute = 0,
        };
        recorder.Attach(options);
        var client = new OneMinClient(options);
        FeatureCall request = Emu.Request("images/a.png", "a beach");

        var error = recorder.Capture(await Assert.ThrowsAsync<OneMinApiException>(
            () => client.ReplaceBackgroundAsync(request, CancellationToken.None)));

        // Nothing there ever answered: a short retry, not five with back-off, and the batch stops.
        Assert.Equal(ApiErrorKind.ServiceUnreachable, error.Kind);
        Assert.Equal("POST /api/features", error.Operation);
        Assert.Contains("nothing was charged", error.Message, StringComparison.Ordinal);
        Assert.Contains("tried 2 times", error.Message, StringComparison.Ordinal);
        Assert.Contains($"nothing at {closed} has answered", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, recorder.Verbose.Count(line => line.Contains("retry", StringComparison.Ordinal)));
        recorder.AssertNoSecret(Key);
    }

    [Fact]
    public void Insecure_http_is_allowed_with_the_parameter_the_message_names()
    {
        var error = Assert.Throws<ArgumentException>(() => new OneMinClient(
            new OneMinClientOptions { ApiKey = Key, BaseUri = new Uri("http://api.example.com/") }));

        Assert.Contains("-AllowInsecureHttp", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("set AllowInsecureHttp", error.Message, StringComparison.Ordinal);
    }
}
