using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Http;

/// <summary>
/// The HttpClients of the process and the primitives every call uses: one shared client that uses
/// HTTPS_PROXY/HTTP_PROXY/NO_PROXY when set (read here, so .NET Framework honours them too), else the
/// system proxy, plus one per explicit proxy. Redirects are never followed by the handler (it would
/// forward the API-KEY header, which .NET only strips for Authorization), cookies are off, no request
/// waits for "100 Continue", and timeouts are per attempt, set by the caller.
/// </summary>
internal static class Transport
{
    public static readonly string UserAgent = "OneMinBg/" + AssemblyVersion();

    private static readonly Lazy<HttpClient> LazyClient = new Lazy<HttpClient>(
        () => Create(EnvironmentProxy.FromProcess()), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly ConcurrentDictionary<string, HttpClient> Proxied =
        new ConcurrentDictionary<string, HttpClient>(StringComparer.Ordinal);
    // Each client's proxy (null: the system's), for the service point of a request on .NET Framework.
    private static readonly ConcurrentDictionary<HttpClient, IWebProxy?> ProxyOf =
        new ConcurrentDictionary<HttpClient, IWebProxy?>();

    public static HttpClient Client => LazyClient.Value;

    /// <summary>The client for an explicit proxy (made once per proxy and credential), else the shared one.</summary>
    public static HttpClient For(Uri? proxy, NetworkCredential? credential)
    {
        if (proxy == null)
        {
            return Client;
        }
        // The password is part of what makes a client distinct, but only as a hash in memory.
        string secret = credential == null ? "" : Text.Sha256Hex(credential.UserName + "\n" + credential.Password);
        return Proxied.GetOrAdd(proxy.AbsoluteUri + "|" + secret,
            _ => Create(new WebProxy(proxy) { Credentials = credential }));
    }

    internal static HttpClient Create(IWebProxy? proxy)
    {
        if (LegacyHttp.Applies)
        {
            LegacyHttp.Prepare();
        }

        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        if (proxy != null)
        {
            handler.Proxy = proxy;
            handler.UseProxy = true;
        }
        var client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        // .NET Framework sends "Expect: 100-continue" on every POST and waits for an answer before the body.
        client.DefaultRequestHeaders.ExpectContinue = false;
        ProxyOf[client] = proxy ?? (LegacyHttp.Applies ? WebRequest.DefaultWebProxy : null);
        return client;
    }

    private static string AssemblyVersion()
    {
        Assembly assembly = typeof(Transport).Assembly;
        string? informational =
            assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        string version = informational ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        int plus = version.IndexOf('+');
        return plus > 0 ? version.Substring(0, plus) : version;
    }

    /// <summary>
    /// Sends a request; network failures come out as <see cref="TransportException"/>, cancellation as is.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request,
        CancellationToken cancellationToken)
    {
        if (LegacyHttp.Applies && request.RequestUri != null)
        {
            IWebProxy? proxy = ProxyOf.TryGetValue(client, out IWebProxy? known) ? known : null;
            LegacyHttp.RaiseConnectionLimit(request.RequestUri, proxy);
        }

        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransportException(IsNotSent(ex), ex);
        }
    }

    /// <summary>
    /// Reads a response body of at most <paramref name="maxBytes"/>; <paramref name="complete"/> is false when
    /// there was more. A failure while reading is a <see cref="TransportException"/> (after sending).
    /// </summary>
    public static async Task<(byte[] Body, bool Complete)> ReadBodyAsync(HttpResponseMessage response, int maxBytes,
        CancellationToken cancellationToken)
    {
        // .NET Framework's response streams ignore the token: closing the response is what stops a read.
        using (cancellationToken.Register(response.Dispose))
        {
            using var buffer = new MemoryStream();
            try
            {
                using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var chunk = new byte[16 * 1024];
                while (true)
                {
                    int read = await body.ReadAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return (buffer.ToArray(), true);
                    }

                    int keep = (int)Math.Min(read, maxBytes - buffer.Length);
                    buffer.Write(chunk, 0, keep);
                    if (keep < read)
                    {
                        return (buffer.ToArray(), false);
                    }
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                && (ex is IOException || ex is HttpRequestException || ex is ObjectDisposedException))
            {
                throw new TransportException(notSent: false, ex) { Partial = buffer.ToArray() };
            }
        }
    }

    /// <summary>
    /// True only when the connection failed before any byte of the request left: name resolution, a
    /// refused or unreachable connect, or a failed TLS handshake. A reset or timeout after the
    /// connection was made is not this: the server may have received (and charged) the request.
    /// </summary>
    internal static bool IsNotSent(HttpRequestException exception)
    {
        switch (exception.InnerException)
        {
            case SocketException socket:
                // SocketsHttpHandler reports a SocketException directly only while connecting;
                // failures on an open connection come wrapped in an IOException.
                return IsConnectError(socket.SocketErrorCode);
            case WebException web:
                // .NET Framework: these all fail before the request is written.
                return web.Status == WebExceptionStatus.ConnectFailure
                    || web.Status == WebExceptionStatus.NameResolutionFailure
                    || web.Status == WebExceptionStatus.ProxyNameResolutionFailure
                    || web.Status == WebExceptionStatus.SecureChannelFailure
                    || web.Status == WebExceptionStatus.TrustFailure;
            case AuthenticationException _:
                return true;
            default:
                return false;
        }
    }

    private static bool IsConnectError(SocketError error)
    {
        switch (error)
        {
            case SocketError.ConnectionRefused:
            case SocketError.HostNotFound:
            case SocketError.HostUnreachable:
            case SocketError.HostDown:
            case SocketError.NetworkUnreachable:
            case SocketError.NetworkDown:
            case SocketError.TryAgain:
            case SocketError.NoData:
            case SocketError.NoRecovery:
            case SocketError.AddressNotAvailable:
            case SocketError.AddressFamilyNotSupported:
            case SocketError.TimedOut: // the connect timed out: nothing was sent
                return true;
            default:
                return false;
        }
    }

    /// <summary>The message of an exception and of the innermost cause, for error text.</summary>
    public static string Describe(Exception exception)
    {
        Exception innermost = exception;
        while (innermost.InnerException != null)
        {
            innermost = innermost.InnerException;
        }

        return ReferenceEquals(innermost, exception) || exception.Message.Contains(innermost.Message)
            ? exception.Message
            : exception.Message + " " + innermost.Message;
    }
}

/// <summary>The network failed. <see cref="NotSent"/>: certainly before the request was sent.</summary>
internal sealed class TransportException : Exception
{
    public TransportException(bool notSent, Exception inner)
        : base(Transport.Describe(inner), inner)
    {
        NotSent = notSent;
    }

    public bool NotSent { get; }

    /// <summary>The bytes of a body read before the connection broke (a cut answer may still name its record).
    /// </summary>
    public byte[] Partial { get; set; } = Array.Empty<byte>();
}

/// <summary>
/// An attempt failed in a way that may pass if repeated. <see cref="CreateFinal"/> builds the error to
/// report (given the number of attempts made) when no retry is left.
/// </summary>
internal sealed class RetryableException : Exception
{
    public RetryableException(string reason, Func<int, OneMinApiException> createFinal, TimeSpan? retryAfter = null)
        : base(reason)
    {
        CreateFinal = createFinal;
        RetryAfter = retryAfter;
    }

    public Func<int, OneMinApiException> CreateFinal { get; }
    public TimeSpan? RetryAfter { get; }

    /// <summary>For a refusal (429, 503): the error once the time for refusals is spent, given the attempts made
    /// and how long the service refused.</summary>
    public Func<int, TimeSpan, OneMinApiException>? CreateSpent { get; set; }
}

/// <summary>One API endpoint as messages name it, and how it may be repeated.</summary>
internal sealed class Call
{
    public Call(string operation, bool charged, bool rateLimited)
    {
        Operation = operation;
        Charged = charged;
        RateLimited = rateLimited;
    }

    /// <summary>"POST /api/features", "GET https://host/path", ...</summary>
    public string Operation { get; }
    /// <summary>Costs credits: repeated only when it certainly was not charged.</summary>
    public bool Charged { get; }
    /// <summary>Takes a slot of the client-side rate limit (API calls, not downloads).</summary>
    public bool RateLimited { get; }

    /// <summary>
    /// Ends the call while nothing of it is on the wire (waiting for the rate limit or between attempts), with
    /// <see cref="CallNotSentException"/>; an attempt already sent is not abandoned by it.
    /// </summary>
    public CancellationToken UntilSent { get; set; }

    /// <summary>Runs just before each attempt goes on the wire; it may throw to keep the attempt unsent.</summary>
    public Action? BeforeSend { get; set; }

    /// <summary>When the current attempt went on the wire (null: not yet), for <see cref="IFlowObserver"/>.</summary>
    internal System.Diagnostics.Stopwatch? OnTheWire { get; private set; }

    /// <summary>Set by <see cref="RetryPolicy"/> for each attempt: runs as it goes on the wire.</summary>
    internal Action? WhenSent { get; set; }

    /// <summary>The HTTP status the current attempt was answered with (null: no answer yet).</summary>
    internal int? Status { get; private set; }

    /// <summary>Called by an attempt just before it sends: runs <see cref="BeforeSend"/> (which may throw to keep
    /// the attempt unsent), then tells the item's observer the attempt is with the service.</summary>
    internal void Sending()
    {
        BeforeSend?.Invoke();
        if (OnTheWire == null) // a redirect followed within the attempt is the same attempt
        {
            OnTheWire = System.Diagnostics.Stopwatch.StartNew();
            WhenSent?.Invoke();
            FlowObservation.Current?.Sent();
        }
    }

    /// <summary>Called by an attempt when the service answered, whatever the status.</summary>
    internal void Answered(int status) => Status = status;

    /// <summary>Forgets the previous attempt's state; <see cref="RetryPolicy"/> calls it before each attempt.</summary>
    internal void StartAttempt()
    {
        OnTheWire = null;
        Status = null;
    }
}

/// <summary>
/// A call ended before (another) attempt of it was sent: the attempts before, if any, were certainly not charged
/// (only those are repeated), so nothing was charged.
/// </summary>
public sealed class CallNotSentException : OperationCanceledException
{
    public CallNotSentException(string operation, CancellationToken token)
        : base($"{operation} was not sent: the run was stopped first", token)
    {
    }
}
