using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;
using OneMinBg.Client.Http;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// Saves a result link to disk: never with the API key, redirects followed here (at most
/// <see cref="MaxRedirects"/>, no https-to-http downgrade), streamed into a temporary file beside the
/// destination (<see cref="PartialFiles"/>) at no less than <see cref="RateWatch.MinBytesPerSecond"/>, checked
/// (size, Content-Length, complete image, the dimensions asked for), then moved into place, or adopted when
/// the destination already holds the same bytes. Whatever fails, the temporary file is deleted.
/// </summary>
internal sealed class Downloader
{
    public const int MaxRedirects = 5;
    private const int BufferSize = 81920;

    private readonly RetryPolicy _retry;
    private readonly ApiErrors _errors;
    private readonly Log _log;
    private readonly long _maxBytes;
    private readonly TimeSpan _rateWindow;
    private readonly HttpClient _http;

    public Downloader(HttpClient http, RetryPolicy retry, ApiErrors errors, Log log, OneMinClientOptions options)
    {
        _http = http;
        _retry = retry;
        _errors = errors;
        _log = log;
        _maxBytes = options.MaxDownloadBytes;
        _rateWindow = RateWatch.WindowFor(options.DownloadRateWindow, options.Timeout);
    }

    /// <summary>Downloads <paramref name="url"/> to <paramref name="destinationPath"/>.</summary>
    /// <exception cref="DestinationExistsException">The destination exists and overwriting is not allowed.
    /// </exception>
    public async Task<DownloadedFile> DownloadAsync(Uri url, string destinationPath, bool overwrite,
        CancellationToken cancellationToken)
    {
        CheckUrl(url);
        string destination = CheckDestination(destinationPath);
        if (!overwrite && File.Exists(destination))
        {
            throw new DestinationExistsException(destination);
        }

        FetchedImage fetched = await FetchAsync(url, destination, null, cancellationToken).ConfigureAwait(false);
        if (!overwrite && File.Exists(destination))
        {
            fetched.Discard();
            throw new DestinationExistsException(destination);
        }

        return Place(fetched, new[] { new SaveTarget(destination, overwrite) }).File;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> into a temporary file beside <paramref name="destinationPath"/>, checked
    /// (complete image, the size asked for); <see cref="Place"/> moves it into place, or
    /// <see cref="FetchedImage.Discard"/> deletes it. Whatever fails here, the temporary file is deleted.
    /// </summary>
    /// <exception cref="DestinationUnwritableException">The folder cannot be written.</exception>
    public async Task<FetchedImage> FetchAsync(Uri url, string destinationPath, string? expectedSize,
        CancellationToken cancellationToken)
    {
        CheckUrl(url);
        string destination = CheckDestination(destinationPath);
        string temporary = PartialFiles.PathFor(destination);
        var call = new Call("GET " + Text.WithoutQuery(url), charged: false, rateLimited: false);
        _log.Verbose($"Downloading {Text.WithoutQuery(url)} to '{destination}'.");
        var elapsed = Stopwatch.StartNew();
        bool kept = false;
        try
        {
            var (length, sha256, image) = await _retry.RunAsync(call,
                token => AttemptAsync(call, url, temporary, token), cancellationToken).ConfigureAwait(false);
            CheckSize(call, image, expectedSize);
            kept = true;
            return new FetchedImage(temporary, length, sha256, image, elapsed.Elapsed);
        }
        finally
        {
            if (!kept)
            {
                PartialFiles.TryDelete(temporary);
            }
        }
    }

    /// <summary>Moves a fetched image into place (<see cref="Placement.Place"/>).</summary>
    public (DownloadedFile File, bool Adopted) Place(FetchedImage fetched, IReadOnlyList<SaveTarget> targets) =>
        Placement.Place(fetched, targets, _log);

    private static void CheckUrl(Uri url)
    {
        if (url == null)
        {
            throw new ArgumentNullException(nameof(url));
        }

        if (!url.IsAbsoluteUri || !IsHttp(url))
        {
            string shown = url.IsAbsoluteUri ? Text.WithoutQuery(url) : url.OriginalString;
            throw new ArgumentException($"Only http:// and https:// links can be downloaded, not '{shown}'.",
                nameof(url));
        }
    }

    private static string CheckDestination(string destinationPath)
    {
        if (string.IsNullOrWhiteSpace(destinationPath))
        {
            throw new ArgumentException("A destination path is required.", nameof(destinationPath));
        }

        string destination = Path.GetFullPath(destinationPath);
        string folder = Path.GetDirectoryName(destination)
            ?? throw new ArgumentException($"'{destination}' is not a file path.", nameof(destinationPath));
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The folder '{folder}' does not exist; nothing was downloaded.");
        }

        if (Directory.Exists(destination))
        {
            throw new IOException($"'{destination}' is a folder; give a file path to save to.");
        }

        return destination;
    }

    private async Task<(long Length, string Sha256, ImageInfo Image)> AttemptAsync(Call call, Uri url,
        string temporary, CancellationToken token)
    {
        Uri current = url;
        for (int redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            _log.Debug($"{call.Operation}: requesting {Text.WithoutQuery(current)}.");
            call.Sending();
            using var response = await Transport.SendAsync(_http, request, token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            call.Answered(status);
            _log.Debug($"{call.Operation}: HTTP {status} {response.ReasonPhrase} from {current.Host}.");
            if (IsRedirect(status) && response.Headers.Location != null)
            {
                current = NextLocation(call, current, response.Headers.Location, redirects);
                continue;
            }

            if (status >= 200 && status < 300)
            {
                var (length, sha256) = await SaveBodyAsync(call, response, temporary, token).ConfigureAwait(false);
                return (length, sha256, Inspect(call, temporary, length));
            }

            if (status == 400 || status == 401 || status == 403 || status == 404 || status == 410)
            {
                throw _errors.Create(
                    ApiErrorKind.LinkExpired,
                    call,
                    $"{call.Operation} failed with HTTP {status} {response.ReasonPhrase}: the download link has "
                    + "expired or is not valid. Get a fresh link from the record and download again.",
                    status: status);
            }

            if (status == 408 || status == 429 || status >= 500)
            {
                ApiErrorKind kind = status == 429 ? ApiErrorKind.RateLimited
                    : status == 408 ? ApiErrorKind.Timeout
                    : ApiErrorKind.ServerError;
                throw new RetryableException(
                    $"HTTP {status} {response.ReasonPhrase}",
                    attempts => _errors.Create(kind, call,
                        $"{call.Operation} failed with HTTP {status} {response.ReasonPhrase}. The download host "
                        + $"failed; try again later. It was {RetryPolicy.Attempts(attempts)}.", status: status),
                    RetryPolicy.RetryAfter(response, DateTimeOffset.UtcNow));
            }

            throw _errors.Create(ApiErrorKind.InvalidDownload, call,
                $"{call.Operation} failed with HTTP {status} {response.ReasonPhrase}; nothing was saved.",
                status: status);
        }
    }

    private Uri NextLocation(Call call, Uri current, Uri location, int redirects)
    {
        Uri next = location.IsAbsoluteUri ? location : new Uri(current, location);
        string? problem = RedirectProblem(current, next, redirects);
        if (problem != null)
        {
            throw _errors.Create(ApiErrorKind.InvalidDownload, call,
                $"{call.Operation} failed: {problem}; nothing was saved.");
        }

        _log.Verbose($"{call.Operation}: redirected to {Text.WithoutQuery(next)}.");
        return next;
    }

    /// <summary>
    /// Why a redirect is not followed: too many, not http(s), or https downgraded to http (loopback excepted).
    /// </summary>
    internal static string? RedirectProblem(Uri current, Uri next, int redirectsSoFar)
    {
        if (redirectsSoFar >= MaxRedirects)
        {
            return $"more than {MaxRedirects} redirects";
        }

        if (!IsHttp(next))
        {
            return $"a redirect to a {next.Scheme}: link";
        }

        if (current.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp && !next.IsLoopback)
        {
            return $"a redirect from https to http ({next.Host}), which is refused";
        }

        return null;
    }

    /// <summary>
    /// Streams the body to the temporary file (from scratch on each attempt), enforcing the size limit
    /// and hashing it as it goes, so the saved file need not be read again for its SHA-256.
    /// </summary>
    private async Task<(long Length, string Sha256)> SaveBodyAsync(Call call, HttpResponseMessage response,
        string temporary, CancellationToken token)
    {
        long? declared = response.Content.Headers.ContentLength;
        if (declared > _maxBytes)
        {
            throw TooLarge(call, declared.Value);
        }

        using var watch = new RateWatch(_rateWindow, declared, token);
        try
        {
            return await StreamBodyAsync(call, response, temporary, declared, watch).ConfigureAwait(false);
        }
        catch (Exception ex) when (watch.TooSlow && !token.IsCancellationRequested && !(ex is OneMinApiException))
        {
            string what = watch.Problem;
            throw new RetryableException(
                what,
                attempts => _errors.Create(ApiErrorKind.Timeout, call,
                    $"{call.Operation} failed: {what}; nothing was saved. It was {RetryPolicy.Attempts(attempts)}; "
                    + "the download host or the network is too slow, try again later.", ex));
        }
    }

    private async Task<(long Length, string Sha256)> StreamBodyAsync(Call call, HttpResponseMessage response,
        string temporary, long? declared, RateWatch watch)
    {
        CancellationToken token = watch.Token;
        using (token.Register(response.Dispose))
        using (FileStream file = CreateTemporary(temporary))
        {
            Stream body;
            try
            {
                body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (!token.IsCancellationRequested && IsBrokenBody(ex))
            {
                throw CutShort(call, 0, declared, ex);
            }

            using (body)
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[BufferSize];
                long total = 0;
                while (true)
                {
                    int read;
                    try
                    {
                        read = await body.ReadAsync(buffer, 0, buffer.Length, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!token.IsCancellationRequested && IsBrokenBody(ex))
                    {
                        throw CutShort(call, total, declared, ex);
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                    watch.Received(read);
                    if (total > _maxBytes)
                    {
                        throw TooLarge(call, total);
                    }

                    sha.AppendData(buffer, 0, read);
                    await Unwritable(temporary, file.WriteAsync(buffer, 0, read, token)).ConfigureAwait(false);
                }

                if (declared.HasValue && total != declared.Value)
                {
                    throw CutShort(call, total, declared, null);
                }

                await Unwritable(temporary, file.FlushAsync(token)).ConfigureAwait(false);
                return (total, ContentHash.ToHex(sha.GetHashAndReset()));
            }
        }
    }

    /// <summary>The temporary file; a folder that cannot be written is not a failure of one download.</summary>
    private static FileStream CreateTemporary(string temporary)
    {
        try
        {
            return new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize,
                useAsync: true);
        }
        catch (Exception ex) when (DestinationUnwritableException.IsFolderWide(ex))
        {
            throw new DestinationUnwritableException(Path.GetDirectoryName(temporary)!, ex);
        }
    }

    private static async Task Unwritable(string temporary, Task write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception ex) when (DestinationUnwritableException.IsFolderWide(ex))
        {
            throw new DestinationUnwritableException(Path.GetDirectoryName(temporary)!, ex);
        }
    }

    private RetryableException CutShort(Call call, long received, long? declared, Exception? inner)
    {
        string of = declared.HasValue ? " of " + declared.Value.ToString(CultureInfo.InvariantCulture) : "";
        string what = $"the download was cut short after {received.ToString(CultureInfo.InvariantCulture)}{of} bytes";
        return new RetryableException(
            what,
            attempts => _errors.Create(ApiErrorKind.InvalidDownload, call,
                $"{call.Operation} failed: {what}; nothing was saved. It was {RetryPolicy.Attempts(attempts)}; "
                + "try again later.", inner));
    }

    private OneMinApiException TooLarge(Call call, long bytes) => _errors.Create(
        ApiErrorKind.InvalidDownload,
        call,
        $"{call.Operation} failed: the file is larger than the {Text.FormatBytes(_maxBytes)} allowed "
        + $"({bytes.ToString(CultureInfo.InvariantCulture)} bytes or more); nothing was saved. "
        + "Raise MaxDownloadBytes if it is expected.");

    /// <summary>
    /// Checks the received file is a complete image. An incomplete one is retried like a broken-off body:
    /// a server or proxy that cuts the body and sends a matching (short) Content-Length looks complete
    /// on the wire, and only the image's own end marker shows it.
    /// </summary>
    private ImageInfo Inspect(Call call, string temporary, long length)
    {
        try
        {
            return ImageInspector.Inspect(temporary, _maxBytes);
        }
        catch (InvalidImageException ex) when (ex.Reason == InvalidImageReason.Truncated)
        {
            string what = "the image is incomplete (truncated; "
                + $"{length.ToString(CultureInfo.InvariantCulture)} bytes received)";
            throw new RetryableException(
                what,
                attempts => _errors.Create(ApiErrorKind.InvalidDownload, call,
                    $"{call.Operation} failed: {what}; nothing was saved. It was {RetryPolicy.Attempts(attempts)}; "
                    + "try again later. If it persists, the result itself is damaged.", ex));
        }
        catch (InvalidImageException ex)
        {
            string problem = ex.Reason switch
            {
                InvalidImageReason.Empty => "the file is empty",
                _ => "it is not a PNG, JPEG or WebP image",
            };
            throw _errors.Create(ApiErrorKind.InvalidDownload, call,
                $"{call.Operation} failed: {problem} ({length.ToString(CultureInfo.InvariantCulture)} bytes "
                + "received); nothing was saved. Try again; if it persists, the result itself is damaged.", ex);
        }
    }

    /// <summary>
    /// A result asked for at a concrete "WxH" must be that size: another one is not what was paid for, and
    /// repeating the download would bring the same file.
    /// </summary>
    private void CheckSize(Call call, ImageInfo image, string? expectedSize)
    {
        if (!TryParseSize(expectedSize, out int width, out int height)
            || (image.Width == width && image.Height == height))
        {
            return;
        }

        throw _errors.Create(ApiErrorKind.InvalidDownload, call,
            $"{call.Operation} failed: the image is {image.Width}x{image.Height}, not the {width}x{height} asked for; "
            + "nothing was saved. The service sent another result than the one requested.");
    }

    /// <summary>"1024x1536" as numbers; false for "auto" or anything else that is not a concrete size.</summary>
    internal static bool TryParseSize(string? size, out int width, out int height)
    {
        width = height = 0;
        string[] parts = (size ?? "").Trim().Split('x', 'X');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out height)
            && width > 0 && height > 0;
    }

    private static bool IsHttp(Uri url) => url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp;

    private static bool IsRedirect(int status) =>
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308;

    /// <summary>How a body that breaks off while it is read shows itself.</summary>
    private static bool IsBrokenBody(Exception ex) => ex is IOException || ex is HttpRequestException;
}
