namespace OneMinBg.Tests;

/// <summary>Every error of ONEMIN-API.md §4 as the emulator sends it: kind, status, code, message.</summary>
public sealed class ErrorTests : TempDirTest
{

    [Fact]
    public async Task An_unsupported_model_is_a_bad_request()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(Emu.Request(key, "x", model: "dall-e-9"), CancellationToken.None));

        AssertError(error, ApiErrorKind.ModelUnavailable, 400, "UNSUPPORTED_MODEL", "POST /api/features");
        Assert.Contains("-Model gpt-image-2", error.Message, StringComparison.Ordinal);
        Assert.True(OneMinBg.Client.Workflow.FailurePolicy.StopsBatch(error));
        Assert.Contains("dall-e-9", error.ServerMessage, StringComparison.Ordinal);
        Assert.Equal(0, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task An_invalid_value_is_a_bad_request_with_UNKNOWN_ERROR()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(Emu.Request(key, size: "999x999"), CancellationToken.None));

        AssertError(error, ApiErrorKind.BadRequest, 400, "UNKNOWN_ERROR", "POST /api/features");
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls); // refused, not retried
    }

    [Fact]
    public async Task A_provider_rejection_carries_its_details()
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(Emu.Request("images/never-uploaded.png"), CancellationToken.None));

        AssertError(error, ApiErrorKind.BadRequest, 400, "EXTERNAL_API_RESPONSE_WITH_ERROR", "POST /api/features");
        Assert.Contains("never-uploaded.png", error.ServerDetails, StringComparison.Ordinal);
        Assert.Contains(error.ServerDetails!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_key_is_an_authentication_error()
    {
        await using var emulator = await Emu.StartAsync();
        var options = Emu.Options(emulator);
        options.ApiKey = "sk-some-other-key-000000";
        var client = new OneMinClient(options);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.UploadAsync(Images.Write(Dir, "a.png", ImageFormat.Png), CancellationToken.None));

        AssertError(error, ApiErrorKind.Authentication, 401, "HTTP_EXCEPTION", "POST /api/assets");
        Assert.Contains("Check the API key", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, emulator.State.Snapshot().Uploads);
    }

    [Theory]
    [InlineData("401", 401)]
    [InlineData("403", 403)]
    public async Task A_deleted_key_or_forbidden_answer_is_an_authentication_error_on_any_call(string kind, int status)
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("result", kind)));
        var client = Emu.Client(emulator);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.GetResultAsync("abc", CancellationToken.None));

        Assert.Equal(ApiErrorKind.Authentication, error.Kind);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal("GET /api/results/abc", error.Operation);
        Assert.Equal(1, emulator.State.Snapshot().ResultLookups);
    }

    [Fact]
    public async Task Running_out_of_credits_is_InsufficientCredits()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { Credits = 5, CreditCost = 10 });
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None));

        AssertError(error, ApiErrorKind.InsufficientCredits, 400, "INSUFFICIENT_CREDITS", "POST /api/features");
        Assert.Equal(10m, error.CreditsRequired);
        Assert.Equal(5m, error.CreditsAvailable);
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls);
        Assert.Equal(0, emulator.State.Snapshot().Charges);
    }

    [Fact]
    public async Task The_insufficient_credits_fault_is_InsufficientCredits()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("feature", "insufficient-credits")));
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None));

        Assert.Equal(ApiErrorKind.InsufficientCredits, error.Kind);
        Assert.Equal(1, emulator.State.Snapshot().FeatureCalls);
    }

    [Fact]
    public async Task A_406_is_a_bad_request_about_headers()
    {
        await using var emulator = await Emu.StartAsync(Emu.With(Emu.Fault("upload", "406")));
        var client = Emu.Client(emulator);

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.UploadAsync(Images.Write(Dir, "a.png", ImageFormat.Png), CancellationToken.None));

        Assert.Equal(ApiErrorKind.BadRequest, error.Kind);
        Assert.Equal(406, error.StatusCode);
        Assert.Null(error.ErrorCode);
        Assert.Contains("headers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_sends_a_user_agent_the_service_accepts()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { RequireUserAgent = true });
        var client = Emu.Client(emulator);

        Assert.Null(await client.GetResultAsync("anything", CancellationToken.None));
    }

    [Theory]
    [InlineData("429", 429, ApiErrorKind.RateLimited, "RATE_LIMIT_EXCEEDED")]
    [InlineData("503", 503, ApiErrorKind.ServerError, "SERVICE_UNAVAILABLE")]
    public async Task The_charged_call_gives_up_after_its_retries_on_what_was_not_charged(string kind, int status, ApiErrorKind expected, string code)
    {
        await using var emulator = await Emu.StartAsync();
        var client = Emu.Client(emulator);
        string key = await Emu.UploadAsync(client, Dir);
        emulator.State.Config = Emu.With(Emu.Fault("feature", kind));

        var error = await Assert.ThrowsAsync<OneMinApiException>(() => client.ReplaceBackgroundAsync(Emu.Request(key), CancellationToken.None));

        AssertError(error, expected, status, code, "POST /api/features");
        // Refusals are tried again for a time (RefusalWait, 0.5 s here), not a count.
        int calls = emulator.State.Snapshot().FeatureCalls;
        Assert.True(calls > 1, $"the refused call was tried again ({calls} calls)");
        Assert.Contains($"tried {calls} times", error.Message, StringComparison.Ordinal);
        Assert.Contains(status == 429 ? "refused it for" : "stayed unavailable for", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was charged", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, emulator.State.Snapshot().Charges);
    }

    private static void AssertError(OneMinApiException error, ApiErrorKind kind, int status, string code, string operation)
    {
        Assert.Equal(kind, error.Kind);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(operation, error.Operation);
        Assert.False(string.IsNullOrEmpty(error.ServerMessage));
        Assert.StartsWith($"{operation} failed with HTTP {status} {code}: ", error.Message, StringComparison.Ordinal);
    }
}
