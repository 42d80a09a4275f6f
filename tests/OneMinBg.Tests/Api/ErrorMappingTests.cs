using System.Net;
using System.Net.Http;
using System.Text;

namespace OneMinBg.Tests;

/// <summary>How each status maps for a free call and for the charged one, without a server.</summary>
public sealed class ErrorMappingTests
{
    private static readonly Call Free = new("GET /api/results/x", charged: false, rateLimited: true);
    private static readonly Call Charged = new("POST /api/features", charged: true, rateLimited: true);

    private static Exception Map(Call call, int status, string body, string? retryAfter = null)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body) };
        if (retryAfter != null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return new ApiErrors("the-secret-key").ForStatus(call, response, Encoding.UTF8.GetBytes(body));
    }

    [Theory]
    [InlineData(400, ApiErrorKind.BadRequest)]
    [InlineData(401, ApiErrorKind.Authentication)]
    [InlineData(403, ApiErrorKind.Authentication)]
    [InlineData(406, ApiErrorKind.BadRequest)]
    [InlineData(409, ApiErrorKind.BadRequest)]
    [InlineData(413, ApiErrorKind.BadRequest)]
    [InlineData(415, ApiErrorKind.BadRequest)]
    [InlineData(422, ApiErrorKind.BadRequest)]
    [InlineData(302, ApiErrorKind.InvalidResponse)]
    public void Final_statuses_are_the_same_for_every_call(int status, ApiErrorKind kind)
    {
        foreach (Call call in new[] { Free, Charged })
        {
            var error = Assert.IsType<OneMinApiException>(Map(call, status, """{"errorCode":"SOME_CODE","message":"Something is wrong."}"""));

            Assert.Equal(kind, error.Kind);
            Assert.Equal(status, error.StatusCode);
            Assert.Equal("SOME_CODE", error.ErrorCode);
            Assert.Equal("Something is wrong.", error.ServerMessage);
            Assert.Equal(call.Operation, error.Operation);
            Assert.StartsWith($"{call.Operation} failed with HTTP {status} SOME_CODE: Something is wrong.", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_404_from_an_API_route_says_the_API_is_not_at_the_base_URL()
    {
        foreach (Call call in new[] { Free, Charged })
        {
            var error = Assert.IsType<OneMinApiException>(
                Map(call, 404, """{"message":"Cannot POST /v1/api/assets"}"""));

            Assert.Equal(ApiErrorKind.ServiceUnreachable, error.Kind);
            Assert.Equal(404, error.StatusCode);
            Assert.StartsWith(
                $"{call.Operation} failed with HTTP 404: Cannot POST /v1/api/assets: "
                + "the 1min.ai API is not at the base URL",
                error.Message, StringComparison.Ordinal);
            Assert.True(OneMinBg.Client.Workflow.FailurePolicy.StopsBatch(error));
        }
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(522)]
    public void Free_calls_retry_timeouts_rate_limits_and_server_errors(int status)
    {
        Assert.IsType<RetryableException>(Map(Free, status, "{}"));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public void The_charged_call_retries_only_what_was_certainly_not_charged(int status)
    {
        Assert.IsType<RetryableException>(Map(Charged, status, "{}"));
    }

    [Theory]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(504)]
    [InlineData(522)]
    public void Other_failures_of_the_charged_call_are_unknown_outcomes(int status)
    {
        var error = Assert.IsType<OneMinApiException>(Map(Charged, status, "<html><title>522: Connection timed out</title></html>"));

        Assert.Equal(ApiErrorKind.UnknownOutcome, error.Kind);
        Assert.Equal(status, error.StatusCode);
        Assert.Contains("may have been charged", error.Message, StringComparison.Ordinal);
        Assert.Contains("sends it once more", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<html>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Retry_After_is_carried_to_the_retry()
    {
        var retry = Assert.IsType<RetryableException>(Map(Free, 429, "{}", "3"));

        Assert.Equal(TimeSpan.FromSeconds(3), retry.RetryAfter);
        Assert.Contains("Retry-After 3.0 s", retry.Message, StringComparison.Ordinal);
        OneMinApiException final = retry.CreateFinal(6);
        Assert.Equal(ApiErrorKind.RateLimited, final.Kind);
        Assert.Contains("tried 6 times", final.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(402)]
    [InlineData(403)]
    [InlineData(429)]
    [InlineData(500)]
    public void Insufficient_credits_wins_over_the_status(int status)
    {
        foreach (Call call in new[] { Free, Charged })
        {
            var error = Assert.IsType<OneMinApiException>(Map(call, status, """{"message":"The feature requires 50 credits, but the Team only has 10 credits"}"""));

            Assert.Equal(ApiErrorKind.InsufficientCredits, error.Kind);
            Assert.Equal(50m, error.CreditsRequired);
            Assert.Equal(10m, error.CreditsAvailable);
            Assert.Contains("Add credits", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_406_explains_headers()
    {
        var error = Assert.IsType<OneMinApiException>(Map(Free, 406, ""));

        Assert.Contains("headers", error.Message, StringComparison.Ordinal);
        Assert.Null(error.ErrorCode);
        Assert.Null(error.ServerMessage);
    }

    [Fact]
    public void A_message_only_body_has_no_error_code()
    {
        var error = Assert.IsType<OneMinApiException>(Map(Free, 401, """{"message":"API Key has been deleted"}"""));

        Assert.Null(error.ErrorCode);
        Assert.StartsWith("GET /api/results/x failed with HTTP 401: API Key has been deleted.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_echoed_by_the_server_is_redacted()
    {
        var error = Assert.IsType<OneMinApiException>(Map(Free, 401, """{"errorCode":"HTTP_EXCEPTION","message":"API Key the-secret-key is not active","details":"key=the-secret-key"}"""));

        Assert.DoesNotContain("the-secret-key", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("the-secret-key", error.ServerMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("the-secret-key", error.ServerDetails, StringComparison.Ordinal);
        Assert.Contains("API Key *** is not active", error.Message, StringComparison.Ordinal);
    }
}
