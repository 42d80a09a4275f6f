using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OneMinBg.Client.Common;
using OneMinBg.Client.Http;

namespace OneMinBg.Client.Api;

/// <summary>
/// What an error body said: {"errorCode","message","details"}, only a message, or not JSON at all. Every
/// text is kept with the key taken out before it is cut to length.
/// </summary>
internal sealed class ErrorBody
{
    private static readonly Regex CreditsPattern = new Regex(
        @"requires\s+(?<required>[\d.,]+)\s+credits?\b.*?\bonly\s+has\s+(?<available>-?[\d.,]+)\s+credits?",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline,
        TimeSpan.FromSeconds(1));

    public string? ErrorCode { get; private set; }
    public string? Message { get; private set; }
    public string? Details { get; private set; }
    /// <summary>A short excerpt of a body that is not JSON (HTML pages are left out).</summary>
    public string? Excerpt { get; private set; }

    public bool IsInsufficientCredits =>
        string.Equals(ErrorCode, "INSUFFICIENT_CREDITS", StringComparison.OrdinalIgnoreCase)
        || (Message != null && CreditsPattern.IsMatch(Message));

    public decimal? CreditsRequired => CreditNumber("required");

    public decimal? CreditsAvailable => CreditNumber("available");

    private decimal? CreditNumber(string group)
    {
        Match match = Message == null ? Match.Empty : CreditsPattern.Match(Message);
        return match.Success && decimal.TryParse(match.Groups[group].Value.Replace(",", ""), NumberStyles.Number,
                CultureInfo.InvariantCulture, out decimal value)
            ? value
            : (decimal?)null;
    }

    public static ErrorBody Parse(byte[] body, string key)
    {
        var result = new ErrorBody();
        string text = Json.DecodeUtf8(body).Trim();
        if (text.Length == 0)
        {
            return result;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                string? code = Json.String(root, "errorCode") ?? Json.String(root, "code");
                result.ErrorCode = code == null ? null : Text.Redact(code, key);
                result.Message = Flatten(Json.Property(root, "message"), key)
                    ?? Flatten(Json.Property(root, "error"), key);
                result.Details = Flatten(Json.Property(root, "details"), key);
                return result;
            }

            result.Message = Flatten(root, key);
            return result;
        }
        catch (JsonException)
        {
            // Not JSON: a proxy's or Cloudflare's page. Keep a line of plain text, not HTML.
            if (!text.StartsWith("<", StringComparison.Ordinal))
            {
                result.Excerpt = Text.Excerpt(text, key);
            }

            return result;
        }
    }

    /// <summary>A string, an array of strings (validation errors), or an object with a message, as one line.</summary>
    private static string? Flatten(JsonElement? element, string key)
    {
        if (element == null)
        {
            return null;
        }

        JsonElement value = element.Value;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                string? text = value.GetString();
                return string.IsNullOrWhiteSpace(text) ? null : Text.Excerpt(text!, key, 1000);
            case JsonValueKind.Array:
                var parts = new List<string>();
                foreach (JsonElement item in value.EnumerateArray())
                {
                    string? part = Flatten(item, key);
                    if (part != null)
                    {
                        parts.Add(part);
                    }
                }

                return parts.Count == 0 ? null : string.Join("; ", parts);
            case JsonValueKind.Object:
                return Flatten(Json.Property(value, "message"), key) ?? Text.Excerpt(value.GetRawText(), key, 300);
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return value.GetRawText();
            default:
                return null;
        }
    }
}

/// <summary>
/// Builds every <see cref="OneMinApiException"/>: "&lt;Operation&gt; failed with HTTP &lt;code&gt; &lt;errorCode&gt;:
/// &lt;server message&gt;." and what to do, with the key removed from every text, whatever the server echoed.
/// </summary>
internal sealed class ApiErrors
{
    /// <summary>What happens to an image whose charged call has no answer, said plainly (issue 12).</summary>
    public const string CheckBeforeResubmitting = "The image may have been charged. Running the command again "
        + "sends it once more, with a warning, and pays again if this call was charged (without an answer there "
        + "is no result to reuse); after a second unknown outcome it is not sent again without -Force. To check "
        + "first: Get-BgResult shows what the journal knows, the 1min.ai dashboard whether it was charged.";

    private readonly string _key;
    private readonly Uri? _apiRoot;

    /// <param name="apiRoot">The base URL, for the messages that say nothing there is the API.</param>
    public ApiErrors(string key, Uri? apiRoot = null)
    {
        _key = key;
        _apiRoot = apiRoot;
    }

    private string There => _apiRoot == null ? "at the base URL" : $"at {_apiRoot}";

    /// <summary>
    /// Nothing at the base URL could be connected to (refused, no such host, no route, TLS failed) and nothing
    /// there ever answered: every later call would fail the same way.
    /// </summary>
    public OneMinApiException Unreachable(Call call, string reason, int attempts, Exception? inner) =>
        Create(ApiErrorKind.ServiceUnreachable, call,
            $"{call.Operation} failed: could not connect ({reason}; "
            + (attempts == 0 ? "not tried again, as another call just failed so" : RetryPolicy.Attempts(attempts))
            + "), and "
            + $"nothing {There} has answered. The base URL is wrong, the service is down, or a proxy is "
            + "needed (or is wrong)." + (call.Charged ? " Nothing was sent, so nothing was charged." : ""),
            inner);

    /// <summary>A route of the API itself answered 404: whatever answers there is not the 1min.ai API.</summary>
    public OneMinApiException RoutesNotFound(Call call, string what, int status, ErrorBody? body = null) =>
        Create(ApiErrorKind.ServiceUnreachable, call,
            $"{what}: the 1min.ai API is not {There}, since its own routes are not found there. The base URL "
            + "is most likely wrong (a path that does not belong, or another service).", null, status, body);

    public OneMinApiException Create(ApiErrorKind kind, Call call, string message, Exception? inner = null,
        int? status = null, ErrorBody? body = null) =>
        new OneMinApiException(kind, Text.Redact(message, _key), inner)
        {
            Operation = call.Operation,
            StatusCode = status,
            ErrorCode = body?.ErrorCode == null ? null : Text.Redact(body.ErrorCode, _key),
            ServerMessage = body?.Message == null ? null : Text.Redact(body.Message, _key),
            ServerDetails = body?.Details == null ? null : Text.Redact(body.Details, _key),
            CreditsRequired = body?.CreditsRequired,
            CreditsAvailable = body?.CreditsAvailable,
        };

    /// <summary>The charged call failed after it was sent; it is never repeated.</summary>
    public OneMinApiException UnknownOutcome(Call call, string what, int? status, Exception? inner,
        ErrorBody? body = null) =>
        Create(ApiErrorKind.UnknownOutcome, call,
            $"{call.Operation} failed after the request was sent: {what}. {CheckBeforeResubmitting}", inner, status,
            body);

    /// <summary>A 200 answer that cannot be read.</summary>
    public OneMinApiException Unreadable(Call call, string problem, byte[] body, Exception? inner)
    {
        string text = Json.DecodeUtf8(body);
        string excerpt = text.Trim().Length == 0 ? "the body was empty" : "it starts: " + Text.Excerpt(text, _key, 120);
        string what = $"the answer could not be read ({problem}; {excerpt})";
        return call.Charged
            ? UnknownOutcome(call, what, 200, inner)
            : Create(ApiErrorKind.InvalidResponse, call,
                $"{call.Operation} failed: {what}. The service may have changed; try again later or report it.",
                inner, 200);
    }

    private static readonly Regex ModelNotOffered = new Regex(
        @"\bmodel\b.*\b(not\s+(supported|available|found)|unsupported|unavailable|deprecated|retired)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));

    /// <summary>UNSUPPORTED_MODEL, or a 400/404 whose message says the model is not offered.</summary>
    private static bool IsModelUnavailable(int status, ErrorBody body) =>
        string.Equals(body.ErrorCode, "UNSUPPORTED_MODEL", StringComparison.OrdinalIgnoreCase)
        || (status is 400 or 404 && body.Message != null && ModelNotOffered.IsMatch(body.Message));

    /// <summary>
    /// The error for a status other than 2xx: a <see cref="OneMinApiException"/> to throw at once, or a
    /// <see cref="RetryableException"/> when another attempt may pass (and, for the charged call, certainly
    /// costs nothing).
    /// </summary>
    public Exception ForStatus(Call call, HttpResponseMessage response, byte[] rawBody)
    {
        int status = (int)response.StatusCode;
        ErrorBody body = ErrorBody.Parse(rawBody, _key);
        string failed = Headline(call, status, response.ReasonPhrase, body);

        if (body.IsInsufficientCredits)
        {
            return Create(ApiErrorKind.InsufficientCredits, call,
                failed + " Add credits to the team at 1min.ai, then run the command again.", null, status, body);
        }

        if (IsModelUnavailable(status, body))
        {
            // Never another model by itself: another model costs differently (issue 13).
            return Create(ApiErrorKind.ModelUnavailable, call, failed + " The service does not offer this model (any "
                + "more). Choose one it offers: -Model gpt-image-2 or -Model gpt-image-1, or save it as the default "
                + "with Set-OneMinBgConfig -Model gpt-image-2.", null, status, body);
        }

        switch (status)
        {
            case 404:
                // Every call here goes to a route the API has (a lookup's 404 never gets here).
                return RoutesNotFound(call, failed.TrimEnd('.'), status, body);
            case 401:
            case 403:
                return Create(ApiErrorKind.Authentication, call, failed + " Check the API key: it may be wrong, "
                    + "deleted or inactive (1min.ai dashboard, API keys).", null, status, body);
            case 406:
                return Create(ApiErrorKind.BadRequest, call, failed + " The service refused the request's headers "
                    + "(406 Not Acceptable): a proxy or firewall may be changing requests, or the service now "
                    + "expects other headers. Try again later or report it.", null, status, body);
            case 413:
                return Create(ApiErrorKind.BadRequest, call,
                    failed + " The file is too large for the service; resize or compress it.", null, status, body);
            case 415:
                return Create(ApiErrorKind.BadRequest, call, failed + " The service did not accept the file type; "
                    + "use PNG, JPEG or WebP with a matching extension.", null, status, body);
            case 429:
                return Refusal(Retryable(call, status, response, body, ApiErrorKind.RateLimited, failed,
                    "The service's rate limit was still exceeded; wait a minute and try again, "
                    + "or lower RequestsPerMinute."), call, status, body, ApiErrorKind.RateLimited,
                    (waited, attempts) => $"{failed} The service refused it for {waited} ({attempts}) because of its "
                    + "rate limit: other commands or programs may be using this key at the same time, or the service "
                    + "allows fewer requests than this command sends. Run fewer commands at once on this key, or "
                    + "lower the rate: -RequestsPerMinute, $env:ONEMIN_REQUESTS_PER_MINUTE, or "
                    + "Set-OneMinBgConfig -RequestsPerMinute (180 by default). Nothing was charged for it.");
            case 503:
                return Refusal(Retryable(call, status, response, body, ApiErrorKind.ServerError, failed,
                    "The service is unavailable; try again later."), call, status, body, ApiErrorKind.ServerError,
                    (waited, attempts) => $"{failed} The service stayed unavailable for {waited} ({attempts}); try "
                    + "again later. Nothing was charged for it.");
        }

        if (status == 408 || status >= 500)
        {
            if (call.Charged)
            {
                return UnknownOutcome(call, Describe(status, response.ReasonPhrase, body, _key), status, null,
                    body);
            }

            ApiErrorKind kind = status == 408 ? ApiErrorKind.Timeout : ApiErrorKind.ServerError;
            return Retryable(call, status, response, body, kind, failed,
                "The service failed; try again later.");
        }

        if (status >= 300 && status < 400)
        {
            Uri? target = response.Headers.Location;
            string location = target == null ? ""
                : " to " + (target.IsAbsoluteUri ? Text.WithoutQuery(target) : target.OriginalString);
            return Create(ApiErrorKind.InvalidResponse, call, failed + $" The service redirected{location}; "
                + "redirects are not followed so that the API key goes nowhere else. Check the base URL.",
                null, status, body);
        }

        if (status >= 400)
        {
            return Create(ApiErrorKind.BadRequest, call, failed, null, status, body);
        }

        return Create(ApiErrorKind.InvalidResponse, call, failed + " This client does not know this answer.", null,
            status, body);
    }

    private RetryableException Retryable(Call call, int status, HttpResponseMessage response, ErrorBody body,
        ApiErrorKind kind, string failed, string advice)
    {
        TimeSpan? retryAfter = RetryPolicy.RetryAfter(response, DateTimeOffset.UtcNow);
        string reason = Describe(status, response.ReasonPhrase, body, _key)
            + (retryAfter.HasValue ? $" (Retry-After {Text.FormatSeconds(retryAfter.Value)})" : "");
        return new RetryableException(
            reason,
            attempts => Create(kind, call, $"{failed} {advice} It was {RetryPolicy.Attempts(attempts)}.", null,
                status, body),
            retryAfter);
    }

    /// <summary>A refusal is retried for a time: what to say when that time is spent.</summary>
    private RetryableException Refusal(RetryableException retryable, Call call, int status, ErrorBody body,
        ApiErrorKind kind, Func<string, string, string> message)
    {
        retryable.CreateSpent = (attempts, waited) => Create(kind, call,
            message(Waited(waited), RetryPolicy.Attempts(attempts)), null, status, body);
        return retryable;
    }

    /// <summary>"14 min 5 s", "42.0 s".</summary>
    internal static string Waited(TimeSpan waited) => waited >= TimeSpan.FromMinutes(1)
        ? ((int)waited.TotalMinutes).ToString(CultureInfo.InvariantCulture) + " min "
            + waited.Seconds.ToString(CultureInfo.InvariantCulture) + " s"
        : Text.FormatSeconds(waited);

    /// <summary>"POST /api/features failed with HTTP 400 UNSUPPORTED_MODEL: Model not supported."</summary>
    private string Headline(Call call, int status, string? reasonPhrase, ErrorBody body) =>
        $"{call.Operation} failed with {Describe(status, reasonPhrase, body, _key)}.";

    private static string Describe(int status, string? reasonPhrase, ErrorBody body, string key)
    {
        var text = new StringBuilder("HTTP ").Append(status.ToString(CultureInfo.InvariantCulture));
        if (body.ErrorCode != null)
        {
            text.Append(' ').Append(body.ErrorCode);
        }

        string? message = body.Message ?? body.Excerpt;
        if (message != null)
        {
            text.Append(": ").Append(message.TrimEnd('.'));
            if (body.Details != null)
            {
                text.Append(" (").Append(Text.Excerpt(body.Details, key, 300)).Append(')');
            }
        }
        else if (!string.IsNullOrEmpty(reasonPhrase) && body.ErrorCode == null)
        {
            text.Append(' ').Append(reasonPhrase);
        }

        return text.ToString();
    }
}
