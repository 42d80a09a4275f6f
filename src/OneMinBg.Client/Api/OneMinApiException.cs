using System;

namespace OneMinBg.Client.Api;

/// <summary>What went wrong, in the terms a caller acts on. The cmdlets map each to an ErrorId and category.</summary>
public enum ApiErrorKind
{
    /// <summary>400 validation or provider rejection: this input will not succeed as sent.</summary>
    BadRequest,
    /// <summary>401/403 from the API: the key is missing, deleted or inactive. Nothing else can succeed.</summary>
    Authentication,
    /// <summary>INSUFFICIENT_CREDITS: nothing else can succeed until credits are added.</summary>
    InsufficientCredits,
    /// <summary>429 after the retries were used up.</summary>
    RateLimited,
    /// <summary>A safe-to-repeat call failed on the server (5xx) after the retries were used up.</summary>
    ServerError,
    /// <summary>The connection failed before the request was sent, after the retries were used up.</summary>
    Network,
    /// <summary>
    /// A charged call (POST /api/features) failed after it was sent: it may have been charged, so it is not resent.
    /// </summary>
    UnknownOutcome,
    /// <summary>A call ran longer than the timeout (a free call; charged calls report UnknownOutcome).</summary>
    Timeout,
    /// <summary>The service answered 200 with a body this client cannot read.</summary>
    InvalidResponse,
    /// <summary>The feature ran but the record's status is not SUCCESS (FAILURE, FAILED, PROCESSING, ...).</summary>
    FeatureFailed,
    /// <summary>A download link answered 403/404: expired or unknown; renew it with GET /api/results/{id}.</summary>
    LinkExpired,
    /// <summary>The downloaded file is not a complete image, is too large, or was cut short.</summary>
    InvalidDownload,
    /// <summary>
    /// Nothing at the base URL is the API: the connection is refused, the name does not resolve, or its own
    /// routes answer 404. Every later call would fail the same way.
    /// </summary>
    ServiceUnreachable,
    /// <summary>
    /// UNSUPPORTED_MODEL, or a message that the model is not available: the service does not offer the model
    /// (any more). Every later call with it would be refused the same way.
    /// </summary>
    ModelUnavailable,
}

/// <summary>
/// Every failure of <see cref="OneMinClient"/>. Messages name the call and the server's own words,
/// never the API key.
/// </summary>
public sealed class OneMinApiException : Exception
{
    public OneMinApiException(ApiErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public ApiErrorKind Kind { get; }
    /// <summary>The HTTP status, when a response was received.</summary>
    public int? StatusCode { get; set; }
    /// <summary>The service's errorCode, e.g. UNSUPPORTED_MODEL.</summary>
    public string? ErrorCode { get; set; }
    /// <summary>The service's message, verbatim.</summary>
    public string? ServerMessage { get; set; }
    /// <summary>The endpoint that failed, e.g. "POST /api/features".</summary>
    public string? Operation { get; set; }
    /// <summary>
    /// The service's details, when it sent any (e.g. the provider's reason for EXTERNAL_API_RESPONSE_WITH_ERROR).
    /// </summary>
    public string? ServerDetails { get; set; }
    /// <summary>
    /// For <see cref="ApiErrorKind.InsufficientCredits"/>: the credits the feature needs, when the message says.
    /// </summary>
    public decimal? CreditsRequired { get; set; }
    /// <summary>
    /// For <see cref="ApiErrorKind.InsufficientCredits"/>: the credits the team has left, when the message says.
    /// </summary>
    public decimal? CreditsAvailable { get; set; }
    /// <summary>
    /// A free call got no answer (a network failure or a timeout) and the service had not answered any call of
    /// this client before: nothing yet shows that the base URL or the way to it works. Never set for
    /// <see cref="ApiErrorKind.UnknownOutcome"/>: that request arrived.
    /// </summary>
    public bool ServiceNeverAnswered { get; set; }
}
