using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Common;
using OneMinBg.Client.Downloads;
using OneMinBg.Client.Http;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Api;

/// <summary>
/// The 1min.ai Background Replacer over HTTP: upload, replace, look up, download. Thread-safe; every
/// client shares one HttpClient and, per (API origin, key), one rate limit.
/// </summary>
public sealed partial class OneMinClient
{
    private const int MaxJsonBytes = 16 * 1024 * 1024;
    private const int MaxErrorBytes = 64 * 1024;
    private const string UploadOperation = "POST /api/assets";
    private const string FeaturesOperation = "POST /api/features";
    private const string ResultsOperation = "GET /api/results/";

    private static readonly MediaTypeWithQualityHeaderValue AcceptJson =
        new MediaTypeWithQualityHeaderValue("application/json");

    private readonly string _apiKey;
    private readonly HttpClient _http;
    private readonly Uri _apiRoot;
    private readonly ApiErrors _errors;
    private readonly Log _log;
    private readonly RetryPolicy _retry;
    private readonly Downloader _downloader;
    private readonly ServiceContact _contact = new ServiceContact();

    /// <exception cref="ArgumentException">No key, a key that cannot be a header, or a base URL that is not https (or
    /// loopback http) without <see cref="OneMinClientOptions.AllowInsecureHttp"/>.</exception>
    public OneMinClient(OneMinClientOptions options)
    {
        if (options == null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        _apiKey = OptionsValidator.Key(options.ApiKey);
        _apiRoot = OptionsValidator.BaseUri(options.BaseUri, options.AllowInsecureHttp);
        OptionsValidator.Limits(options);
        CallTimeout = options.Timeout;
        _resultWait = options.ResultWait;

        _errors = new ApiErrors(_apiKey, _apiRoot);
        _log = new Log(options.Verbose, options.Debug, _apiKey);
        RateLimiter? limiter = options.RequestsPerMinute > 0 ? RateLimiter.For(_apiRoot, _apiKey) : null;
        _retry = new RetryPolicy(options, limiter, _errors, _log);
        _http = Transport.For(options.Proxy, options.ProxyCredential);
        _downloader = new Downloader(_http, _retry, _errors, _log, options);
    }

    /// <summary>The downloader, for the save workflow (expected size, adopting an existing file).</summary>
    internal Downloader Downloader => _downloader;

    /// <summary>How long one call may take (<see cref="OneMinClientOptions.Timeout"/>).</summary>
    internal TimeSpan CallTimeout { get; }

    /// <summary>The API root every call goes to (the base URL with a trailing slash).</summary>
    public Uri BaseUri => _apiRoot;

    /// <summary>
    /// POST /api/assets: checks the file is a PNG, JPEG or WebP of at most 50 MB, then streams it from
    /// disk as the multipart field "asset" under its own name.
    /// </summary>
    /// <exception cref="InvalidImageException">The file is not an image the service accepts.</exception>
    /// <exception cref="OneMinApiException">The service refused or failed after the retries.</exception>
    public Task<UploadedAsset> UploadAsync(string filePath, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(filePath))
        {
            throw new ArgumentException("A file path is required.", nameof(filePath));
        }

        string fullPath = Path.GetFullPath(filePath);
        return UploadAsync(fullPath, ImageInspector.Inspect(fullPath), cancellationToken);
    }

    /// <summary>
    /// POST /api/assets for an image already checked (<see cref="ImageInspector.Check"/>): the file is
    /// opened once more and hashed as it is sent; the upload is used only if the bytes sent are the ones
    /// hashed by the check.
    /// </summary>
    /// <exception cref="SourceChangedException">The file changed after its check or while it was being sent
    /// (the asset the service now holds is not used).</exception>
    /// <exception cref="IOException">The file is gone or unreadable.</exception>
    /// <exception cref="OneMinApiException">The service refused or failed after the retries.</exception>
    public Task<UploadedAsset> UploadAsync(SourceImage image, CancellationToken cancellationToken)
    {
        if (image == null)
        {
            throw new ArgumentNullException(nameof(image));
        }

        return UploadAsync(Path.GetFullPath(image.Path), image.Info, cancellationToken, image.Sha256);
    }

    private async Task<UploadedAsset> UploadAsync(string fullPath, ImageInfo image,
        CancellationToken cancellationToken, string? checkedSha256 = null)
    {
        string fileName = Path.GetFileName(fullPath);
        if (Path.GetExtension(fileName).Length == 0)
        {
            fileName += image.Extension; // the service refuses names without an extension
        }

        var call = new Call(UploadOperation, charged: false, rateLimited: true);
        _log.Verbose($"Uploading '{fileName}' ({image.Format} {image.Width}x{image.Height}, "
            + $"{Text.FormatBytes(image.Length)}).");
        HashedFileContent? sent = null; // the last attempt's body: the one the service answered for
        var (_, asset) = await CallApiAsync(call, HttpMethod.Post, "api/assets",
            () => RequestBodies.Upload(fullPath, fileName, image, out sent), ResponseParser.ParseUpload,
            notFoundIsAbsent: false, cancellationToken).ConfigureAwait(false);
        if (checkedSha256 != null
            && !string.Equals(sent?.SentSha256, checkedSha256, StringComparison.OrdinalIgnoreCase))
        {
            // The service now holds other bytes than the ones the journal knows this image by: paying
            // for them would file another picture's result under this one.
            _log.Verbose($"Not using {asset.Key}: the bytes sent are not the ones checked.");
            throw new SourceChangedException(fullPath, $"'{fullPath}' changed while it was being sent (its "
                + "content is not the one checked); nothing was paid for it. Run the command again for it "
                + "once nothing is writing to it.");
        }

        _log.Verbose($"Uploaded '{fileName}' as {asset.Key}.");
        return asset;
    }

    /// <summary>
    /// POST /api/features with type BACKGROUND_REPLACER for <paramref name="request"/>, run on
    /// <paramref name="imageUrl"/> (an uploaded asset key or a URL). This call is charged, so it is
    /// repeated only when it certainly was not (429, 503, no connection); any other failure after
    /// sending is <see cref="ApiErrorKind.UnknownOutcome"/>. The record is returned whatever its status.
    /// </summary>
    /// <param name="untilSent">Ends the call while it waits to be sent (for the rate limit, or to retry a refusal
    /// that cost nothing), with <see cref="CallNotSentException"/>; an attempt on the wire is not abandoned. Once
    /// the service has accepted the call (async), it also ends the wait for the result.</param>
    /// <param name="beforeSend">Runs just before each attempt is sent; throwing keeps it unsent.</param>
    /// <param name="accepted">Runs when the service accepted the call and works on it (PROCESSING with a uuid),
    /// before the wait for its result: to journal the uuid, so that nothing is lost if the wait is.</param>
    public async Task<AiRecord> ReplaceBackgroundAsync(ImageRequest request, string imageUrl,
        CancellationToken cancellationToken, CancellationToken untilSent = default, Action? beforeSend = null,
        Action<AiRecord>? accepted = null)
    {
        bool async = !SyncOnly.ContainsKey(_apiRoot.AbsoluteUri);
        _log.Verbose($"Replacing the background of {imageUrl} (size {request.Size}, quality {request.Quality}, "
            + $"background {request.Background}, model {request.Model}); this can take a minute.");
        var elapsed = Stopwatch.StartNew();
        AiRecord record;
        try
        {
            record = await SendFeatureAsync(request, imageUrl, async, cancellationToken, untilSent, beforeSend)
                .ConfigureAwait(false);
        }
        catch (OneMinApiException ex) when (async && RefusesAsync(ex))
        {
            record = await SendFeatureAsync(request, imageUrl, async: false, cancellationToken, untilSent,
                beforeSend).ConfigureAwait(false);
        }

        if (record.IsPending && record.Id.Length > 0)
        {
            accepted?.Invoke(record);
            record = await WaitForResultAsync(record.Id, untilSent).ConfigureAwait(false);
        }

        _log.Verbose($"Record {record.Id}: {record.Status} after {Text.FormatSeconds(elapsed.Elapsed)}.");
        return record;
    }

    private async Task<AiRecord> SendFeatureAsync(ImageRequest request, string imageUrl, bool async,
        CancellationToken cancellationToken, CancellationToken untilSent, Action? beforeSend)
    {
        byte[] body = RequestBodies.Feature(request, imageUrl, async);
        var call = new Call(FeaturesOperation, charged: true, rateLimited: true)
        {
            UntilSent = untilSent,
            BeforeSend = beforeSend,
        };
        var (_, record) = await CallApiAsync(
            call,
            HttpMethod.Post,
            "api/features",
            () => RequestBodies.Json(body),
            root => WithId(ResponseParser.ParseRecordEnvelope(root) ?? throw new ResponseFormatException(
                "aiRecord is null")),
            notFoundIsAbsent: false,
            cancellationToken,
            salvage: (partial, problem) => ResponseParser.UuidIn(partial) is string id
                ? new AiRecord(id, "UNKNOWN") { Unreadable = problem }
                : null).ConfigureAwait(false);
        if (record.Unreadable != null)
        {
            record = await RecoverAsync(call, record.Id, record.Unreadable, cancellationToken).ConfigureAwait(false);
        }

        return record;
    }

    /// <summary>A paid record without an id cannot be looked up or downloaded: its outcome is unknown.</summary>
    private static AiRecord WithId(AiRecord record) => record.Id.Length > 0
        ? record
        : throw new ResponseFormatException($"the record (status {record.Status}) has no uuid, so its result "
            + "cannot be looked up or downloaded");

    /// <summary>The failure to report for a record the feature finished without an image.</summary>
    public static OneMinApiException FeatureFailed(AiRecord record) =>
        new OneMinApiException(ApiErrorKind.FeatureFailed,
            $"the service finished record {record.Id} with status {record.Status} and no image")
        {
            Operation = FeaturesOperation,
        };

    /// <summary>
    /// GET /api/results/{id} (with a fresh temporaryUrl), falling back to GET /api/ai-records/{id} when
    /// the first answers 404. Null when the service knows no such record.
    /// </summary>
    /// <exception cref="OneMinApiException">ServiceUnreachable when both answer 404 and nothing at the base URL
    /// has answered as the API yet (an unknown record answers 200 there): the base URL is wrong.</exception>
    public async Task<AiRecord?> GetResultAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException("A record id is required.", nameof(id));
        }

        id = id.Trim();
        string escaped = Uri.EscapeDataString(id);
        _log.Verbose($"Looking up record {id}.");
        var results = new Call(ResultsOperation + id, charged: false, rateLimited: true);
        var (found, record) = await CallApiAsync(results, HttpMethod.Get, "api/results/" + escaped, null,
            ResponseParser.ParseRecordEnvelope, notFoundIsAbsent: true, cancellationToken).ConfigureAwait(false);
        if (!found)
        {
            var records = new Call("GET /api/ai-records/" + id, charged: false, rateLimited: true);
            _log.Verbose($"{results.Operation} answered 404; trying {records.Operation}.");
            (found, record) = await CallApiAsync(records, HttpMethod.Get, "api/ai-records/" + escaped, null,
                ResponseParser.ParseRecordEnvelope, notFoundIsAbsent: true, cancellationToken).ConfigureAwait(false);
            if (!found && !_contact.HasSucceeded)
            {
                throw _errors.RoutesNotFound(records,
                    $"{results.Operation} and {records.Operation} both answered HTTP 404", 404);
            }
        }

        _log.Verbose(record == null ? $"Record {id} was not found." : $"Record {id}: {record.Status}.");
        return record;
    }

    /// <summary>
    /// A record with a fresh download link (<see cref="GetResultAsync"/>). The key goes only to this
    /// client's API, never to one a result names: a record of <paramref name="recordBaseUri"/> that is
    /// not this client's is refused without a call.
    /// </summary>
    /// <exception cref="OneMinApiException">LinkExpired when the record is elsewhere, unknown or has no
    /// link.</exception>
    public async Task<AiRecord> RenewLinkAsync(string id, string? recordBaseUri, CancellationToken cancellationToken)
    {
        if (recordBaseUri != null
            && !string.Equals(recordBaseUri, BaseUri.AbsoluteUri, StringComparison.OrdinalIgnoreCase))
        {
            throw new OneMinApiException(ApiErrorKind.LinkExpired,
                $"its link must be renewed at {recordBaseUri}, but this command talks to {BaseUri}; "
                + $"run it with -BaseUri {recordBaseUri}");
        }

        AiRecord? record = await GetResultAsync(id, cancellationToken).ConfigureAwait(false);
        if (record?.TemporaryUrl == null)
        {
            throw new OneMinApiException(ApiErrorKind.LinkExpired,
                record == null
                    ? $"the service no longer knows record '{id}', so its link cannot be renewed"
                    : $"the service gave no download link for record '{id}' (status {record.Status})")
            {
                Operation = ResultsOperation + id,
            };
        }

        return record;
    }

    /// <summary>
    /// Downloads a result link (never with the key) into a temporary file beside the destination,
    /// checks it is a complete image within MaxDownloadBytes, then moves it into place. A failed or
    /// canceled download leaves no file.
    /// </summary>
    /// <exception cref="IOException">The destination exists and <paramref name="overwrite"/> is false.</exception>
    /// <exception cref="OneMinApiException">LinkExpired (403/404), InvalidDownload, or a network/server failure after
    /// the retries.</exception>
    public Task<DownloadedFile> DownloadAsync(Uri url, string destinationPath, bool overwrite,
        CancellationToken cancellationToken) =>
        _downloader.DownloadAsync(url, destinationPath, overwrite, cancellationToken);

    private Task<(bool Found, T Value)> CallApiAsync<T>(
        Call call,
        HttpMethod method,
        string relativeUri,
        Func<HttpContent>? content,
        Func<JsonElement, T> parse,
        bool notFoundIsAbsent,
        CancellationToken cancellationToken,
        Func<byte[], string, object?>? salvage = null)
    {
        if (_apiKey.Length == 0)
        {
            throw new OneMinApiException(ApiErrorKind.Authentication,
                $"{call.Operation} needs an API key and none was given: pass -ApiKey, set $env:ONEMIN_API_KEY, or "
                + "save one with Set-OneMinBgConfig -ApiKey (a key from the 1min.ai dashboard)")
            {
                Operation = call.Operation,
            };
        }

        var uri = new Uri(_apiRoot, relativeUri);
        int attempt = 0;
        return _retry.RunAsync(call, async token =>
        {
            attempt++;
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.TryAddWithoutValidation("API-KEY", _apiKey);
            request.Headers.Accept.Add(AcceptJson);
            request.Content = content?.Invoke();
            call.Sending();
            _log.Debug($"{call.Operation}: sending to {uri} (attempt {attempt}).");
            var elapsed = Stopwatch.StartNew();
            using var response = await Transport.SendAsync(_http, request, token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            call.Answered(status);
            if (status != 404)
            {
                _contact.Answered(status); // a 404 from the API's own routes says it is not there
            }
            _log.Debug($"{call.Operation}: HTTP {status} {response.ReasonPhrase} after "
                + $"{Text.FormatSeconds(elapsed.Elapsed)}.");
            if (status == 404 && notFoundIsAbsent)
            {
                return (false, default(T)!);
            }

            if (status >= 200 && status < 300)
            {
                byte[] body;
                bool complete;
                try
                {
                    (body, complete) = await Transport.ReadBodyAsync(response, MaxJsonBytes, token)
                        .ConfigureAwait(false);
                }
                catch (TransportException ex) when (salvage?.Invoke(ex.Partial,
                    $"the connection broke after {ex.Partial.Length} bytes: {ex.Message}") is T partial)
                {
                    return (true, partial);
                }

                if (_log.DebugEnabled)
                {
                    string excerpt = Text.Excerpt(Json.DecodeUtf8(body), _apiKey, 500);
                    _log.Debug($"{call.Operation}: {body.Length} bytes: {excerpt}");
                }

                if (!complete)
                {
                    string tooLarge = $"it is larger than {Text.FormatBytes(MaxJsonBytes)}";
                    return salvage?.Invoke(body, tooLarge) is T large
                        ? (true, large)
                        : throw _errors.Unreadable(call, tooLarge, body, null);
                }

                return (true, Parse(call, body, parse, salvage));
            }

            byte[] errorBody;
            try
            {
                errorBody = (await Transport.ReadBodyAsync(response, MaxErrorBytes, token).ConfigureAwait(false)).Body;
            }
            catch (TransportException)
            {
                errorBody = Array.Empty<byte>(); // the status says enough
            }

            string errorExcerpt = Text.Excerpt(Json.DecodeUtf8(errorBody), _apiKey, 500);
            _log.Debug($"{call.Operation}: error body: {errorExcerpt}");
            if (call.Charged && status >= 300 && status < 400)
            {
                // The request arrived and may have been processed before the answer turned into a redirect.
                throw _errors.UnknownOutcome(call, $"the service answered HTTP {status} (a redirect), which is not "
                    + "followed so that the API key goes nowhere else", status, null);
            }

            throw _errors.ForStatus(call, response, errorBody);
        }, cancellationToken, _contact);
    }

    private T Parse<T>(Call call, byte[] body, Func<JsonElement, T> parse, Func<byte[], string, object?>? salvage)
    {
        try
        {
            using var document = JsonDocument.Parse(Json.DecodeUtf8(body));
            return parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            return salvage?.Invoke(body, "it is not JSON") is T partial
                ? partial
                : throw _errors.Unreadable(call, "it is not JSON", body, ex);
        }
        catch (ResponseFormatException ex)
        {
            return salvage?.Invoke(body, ex.Message) is T partial
                ? partial
                : throw _errors.Unreadable(call, ex.Message, body, ex);
        }
    }
}
