using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Http;

/// <summary>Verbose and Debug output with the key taken out, whatever a message was built from.</summary>
internal sealed class Log
{
    private readonly Action<string>? _verbose;
    private readonly Action<string>? _debug;
    private readonly string _key;

    public Log(Action<string>? verbose, Action<string>? debug, string key)
    {
        _verbose = verbose;
        _debug = debug;
        _key = key;
    }

    public bool DebugEnabled => _debug != null;

    public void Verbose(string message) => _verbose?.Invoke(Text.Redact(message, _key));

    public void Debug(string message) => _debug?.Invoke(Text.Redact(message, _key));
}

/// <summary>
/// Runs the attempts of one call: the rate-limit slot, the per-attempt timeout (told apart from the
/// caller's cancellation), and exponential backoff with full jitter or the server's Retry-After
/// between attempts. What may be repeated is decided by the attempt (it throws
/// <see cref="RetryableException"/>) and, for network failures and timeouts, here from <see cref="Call.Charged"/>.
/// </summary>
internal sealed class RetryPolicy
{
    /// <summary>
    /// Retries of a connection that cannot be made while the API never answered: one, for a blink of the
    /// network; a base URL nobody answers must not cost every image a minute of back-off.
    /// </summary>
    internal const int UnreachableRetries = 1;

    private static readonly Random Jitter = new Random();

    /// <summary>
    /// The longest pause after a 429 without Retry-After of a call paced by the limiter: the 429 put a hold on the
    /// key's budget until the service's minute can have passed (<see cref="RateBudget.Refused"/>), which the next
    /// attempt waits for; a long pause of its own would leave the service idle once the hold ends.
    /// </summary>
    internal static readonly TimeSpan PacedRefusalPause = TimeSpan.FromSeconds(4);

    private readonly int _maxRetries;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private readonly TimeSpan _timeout;
    private readonly RateLimiter? _limiter;
    private readonly int _requestsPerMinute;
    private readonly TimeSpan _refusalWait;
    private readonly ApiErrors _errors;
    private readonly Log _log;

    public RetryPolicy(OneMinClientOptions options, RateLimiter? limiter, ApiErrors errors, Log log)
    {
        _maxRetries = options.MaxRetryCount;
        _baseDelay = options.RetryBaseDelay;
        _maxDelay = options.MaxRetryAfter;
        _timeout = options.Timeout;
        _limiter = limiter;
        _requestsPerMinute = options.RequestsPerMinute;
        _refusalWait = options.RefusalWait;
        _errors = errors;
        _log = log;
    }

    /// <param name="contact">For API calls: what the client has heard from its API. A connection that cannot be
    /// made while the API never answered is tried <see cref="UnreachableRetries"/> more times at most, then
    /// fails as <see cref="ApiErrorKind.ServiceUnreachable"/>; a failure without an answer is marked
    /// <see cref="OneMinApiException.ServiceNeverAnswered"/>.</param>
    public async Task<T> RunAsync<T>(Call call, Func<CancellationToken, Task<T>> attempt,
        CancellationToken cancellationToken, ServiceContact? contact = null)
    {
        bool unreachable = false;
        int retries = 0; // of failures that are retried a number of times
        int refusals = 0; // 429, and 503 that cost nothing: retried for a time (_refusalWait)
        Stopwatch? refused = null;
        // Waiting (for the rate limit, between attempts) ends at once on UntilSent: nothing is on the wire then.
        using var waits = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.UntilSent);
        for (int attempts = 1; ; attempts++)
        {
            ThrowIfFoundUnreachable(call, contact);
            RateGrant? grant = null;
            // A connection that could not be made reached no server: its retry takes no slot of the limit.
            if (call.RateLimited && _limiter != null && !unreachable)
            {
                RateGrant booked = await WaitingForRateLimit(call, cancellationToken,
                    _limiter.WaitAsync(_requestsPerMinute, waits.Token)).ConfigureAwait(false);
                grant = booked;
                Note(booked.Note);
                if (booked.Waited >= TimeSpan.FromSeconds(1))
                {
                    _log.Verbose($"{call.Operation}: waited {Text.FormatSeconds(booked.Waited)} for the client-side "
                        + $"rate limit ({_requestsPerMinute} requests per minute).");
                }
                ThrowIfFoundUnreachable(call, contact);
            }

            call.WhenSent = grant.HasValue ? () => CountFromSending(grant.Value) : (Action?)null;
            RetryableException failure;
            unreachable = false;
            var elapsed = Stopwatch.StartNew();
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                if (_timeout != Timeout.InfiniteTimeSpan)
                {
                    attemptCts.CancelAfter(_timeout);
                }

                try
                {
                    return await Observed(call, attempt, attemptCts.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (cancellationToken.IsCancellationRequested)
                {
                    if (ex is OperationCanceledException)
                    {
                        throw;
                    }

                    throw new OperationCanceledException("The operation was canceled.", ex, cancellationToken);
                }
                catch (Exception ex) when (attemptCts.IsCancellationRequested && !(ex is OneMinApiException))
                {
                    failure = TimedOut(call, elapsed.Elapsed, ex, NeverAnswered(contact));
                }
                catch (RetryableException ex)
                {
                    failure = ex;
                }
                catch (TransportException ex) when (ex.NotSent && contact != null && !contact.HasAnswered)
                {
                    unreachable = true;
                    failure = new RetryableException($"could not connect ({ex.Message})", attempts =>
                    {
                        contact.GaveUp(ex.Message);
                        return _errors.Unreachable(call, ex.Message, attempts, ex.InnerException);
                    });
                }
                catch (TransportException ex)
                {
                    failure = NetworkFailure(call, ex, NeverAnswered(contact));
                }
            }

            TimeSpan delay;
            bool rateLimited = call.Status == 429;
            if (rateLimited || call.Status == 503)
            {
                // Refused, and so not charged: tried again until the service accepts it, for a time, not a count.
                refusals++;
                refused ??= Stopwatch.StartNew();
                if (rateLimited && grant.HasValue)
                {
                    _limiter!.Refused(grant.Value.At, failure.RetryAfter, _requestsPerMinute, out string? note);
                    Note(note);
                    double pace = _limiter.AllowedRate(_requestsPerMinute);
                    _log.Verbose($"{call.Operation}: the service's rate limit was reached; every request on this key "
                        + "(in every process) holds back until its minute can have passed, then goes at "
                        + $"{pace.ToString("0", CultureInfo.InvariantCulture)} a minute, back up to "
                        + $"{_requestsPerMinute} over the next minutes.");
                }

                TimeSpan left = _refusalWait - refused.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    throw failure.CreateSpent?.Invoke(attempts, refused.Elapsed) ?? failure.CreateFinal(attempts);
                }

                // Paced calls wait for the key's hold in the limiter (every process's); a short pause here is
                // enough. Others wait long enough by themselves for the service's minute to pass.
                TimeSpan backoff = grant.HasValue ? Min(RefusalBackoff(refusals - 1), PacedRefusalPause)
                    : RefusalBackoff(refusals - 1);
                delay = Min(failure.RetryAfter.HasValue ? Min(failure.RetryAfter.Value, _maxDelay) : backoff, left);
                _log.Verbose($"{call.Operation}: {failure.Message}; trying again in {Text.FormatSeconds(delay)} "
                    + $"(refused for {Text.FormatSeconds(refused.Elapsed)} so far; it is tried for up to "
                    + $"{Text.FormatSeconds(_refusalWait)}).");
            }
            else
            {
                int allowed = unreachable ? Math.Min(_maxRetries, UnreachableRetries) : _maxRetries;
                if (retries >= allowed)
                {
                    throw failure.CreateFinal(attempts);
                }

                delay = failure.RetryAfter.HasValue ? Min(failure.RetryAfter.Value, _maxDelay) : Backoff(retries);
                retries++;
                _log.Verbose($"{call.Operation}: {failure.Message}; retry {retries} of {allowed} "
                    + $"in {Text.FormatSeconds(delay)}.");
            }

            Task<bool> pause = Delay(delay, waits.Token);
            await (rateLimited || failure.RetryAfter.HasValue
                ? WaitingForRateLimit(call, cancellationToken, pause)
                : Waiting(call, cancellationToken, pause)).ConfigureAwait(false);
        }
    }

    /// <summary>A request that goes later than its slot is counted by the limit from when it goes.</summary>
    private void CountFromSending(RateGrant grant)
    {
        if (_limiter != null && _limiter.IsLate(grant.At))
        {
            _limiter.Sent(grant.At);
        }
    }

    private void Note(string? note)
    {
        if (note != null)
        {
            _log.Verbose(note);
        }
    }

    /// <summary>
    /// One attempt, told to the item's <see cref="IFlowObserver"/>: the attempt says when it goes on the wire
    /// (<see cref="Call.Sending"/>) and with what status it was answered; here its end is reported, answered or not.
    /// </summary>
    private static async Task<T> Observed<T>(Call call, Func<CancellationToken, Task<T>> attempt,
        CancellationToken token)
    {
        call.StartAttempt();
        try
        {
            return await attempt(token).ConfigureAwait(false);
        }
        finally
        {
            if (call.OnTheWire is Stopwatch wire)
            {
                FlowObservation.Current?.Answered(wire.Elapsed, call.Status);
            }
        }
    }

    /// <summary>A wait for the key's rate limit (the limiter's slot, or a 429's pause), told to the observer.</summary>
    private static async Task<T> WaitingForRateLimit<T>(Call call, CancellationToken cancellationToken, Task<T> wait)
    {
        IFlowObserver? observer = FlowObservation.Current;
        observer?.WaitingForRateLimit(true);
        try
        {
            return await Waiting(call, cancellationToken, wait).ConfigureAwait(false);
        }
        finally
        {
            observer?.WaitingForRateLimit(false);
        }
    }

    private static async Task<bool> Delay(TimeSpan delay, CancellationToken token)
    {
        await Task.Delay(delay, token).ConfigureAwait(false);
        return true;
    }

    /// <summary>A wait that <see cref="Call.UntilSent"/> ended says so: the call was not sent.</summary>
    private static async Task<T> Waiting<T>(Call call, CancellationToken cancellationToken, Task<T> wait)
    {
        try
        {
            return await wait.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (call.UntilSent.IsCancellationRequested
            && !cancellationToken.IsCancellationRequested)
        {
            throw new CallNotSentException(call.Operation, call.UntilSent);
        }
    }

    private static bool NeverAnswered(ServiceContact? contact) => contact != null && !contact.HasAnswered;

    /// <summary>Another call of this client found nothing at the base URL: this one is not even tried.</summary>
    private void ThrowIfFoundUnreachable(Call call, ServiceContact? contact)
    {
        if (contact != null && !contact.HasAnswered && contact.FoundUnreachable is string reason)
        {
            throw _errors.Unreachable(call, reason, attempts: 0, null);
        }
    }

    private RetryableException TimedOut(Call call, TimeSpan elapsed, Exception ex, bool neverAnswered)
    {
        if (call.Charged)
        {
            throw _errors.UnknownOutcome(call, $"no answer within {Text.FormatSeconds(elapsed)} (the timeout)",
                null, ex);
        }

        return new RetryableException(
            $"no answer within {Text.FormatSeconds(elapsed)}",
            attempts => NoAnswer(_errors.Create(
                ApiErrorKind.Timeout,
                call,
                $"{call.Operation} timed out: no answer within {Text.FormatSeconds(_timeout)} "
                + $"({Attempts(attempts)}). The service or the network is slow; try again later or allow a "
                + "longer timeout.",
                ex), neverAnswered));
    }

    private RetryableException NetworkFailure(Call call, TransportException ex, bool neverAnswered)
    {
        if (call.Charged && !ex.NotSent)
        {
            // Not marked as never answered: the request arrived, and may have been processed and charged.
            throw _errors.UnknownOutcome(call, "the connection failed after the request was sent: " + ex.Message,
                null, ex);
        }

        string what = ex.NotSent ? "could not connect" : "the connection failed";
        string charged = call.Charged ? " Nothing was sent, so nothing was charged." : "";
        return new RetryableException(
            $"{what} ({ex.Message})",
            attempts => NoAnswer(_errors.Create(
                ApiErrorKind.Network,
                call,
                $"{call.Operation} failed: {what} ({ex.Message}; {Attempts(attempts)}).{charged} "
                + "Check the network connection and proxy settings.",
                ex.InnerException), neverAnswered));
    }

    private static OneMinApiException NoAnswer(OneMinApiException error, bool neverAnswered)
    {
        error.ServiceNeverAnswered = neverAnswered;
        return error;
    }

    internal static string Attempts(int attempts) =>
        attempts == 1 ? "tried once" : "tried " + attempts.ToString(CultureInfo.InvariantCulture) + " times";

    /// <summary>Full jitter: uniform in [0, min(cap, base * 2^retry)].</summary>
    private TimeSpan Backoff(int retry)
    {
        double ceiling = Math.Min(_maxDelay.Ticks, _baseDelay.Ticks * Math.Pow(2, Math.Min(retry, 30)));
        double fraction;
        lock (Jitter)
        {
            fraction = Jitter.NextDouble();
        }

        return TimeSpan.FromTicks((long)(ceiling * fraction));
    }

    /// <summary>
    /// The pause after a refusal without Retry-After: "equal jitter" in [d/2, d], d doubling from the base delay
    /// up to <see cref="OneMinClientOptions.MaxRetryAfter"/>. With the defaults (1 s, 60 s) seven refusals in a
    /// row wait over 60 s in all: a service that counts a sliding minute has freed its window by then, whatever
    /// else uses the key. (Full jitter, as for other failures, could add up to much less.)
    /// </summary>
    private TimeSpan RefusalBackoff(int refusal)
    {
        double ceiling = Math.Min(_maxDelay.Ticks, _baseDelay.Ticks * Math.Pow(2, Math.Min(refusal, 30)));
        double fraction;
        lock (Jitter)
        {
            fraction = Jitter.NextDouble();
        }

        return TimeSpan.FromTicks((long)(ceiling * (0.5 + fraction / 2)));
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The Retry-After header as a delay: seconds or an HTTP date; null when absent or unreadable.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (!response.Headers.TryGetValues("Retry-After", out var values))
        {
            return null;
        }

        string? value = values.FirstOrDefault();
        return value == null ? null : ParseRetryAfter(value, now);
    }

    internal static TimeSpan? ParseRetryAfter(string value, DateTimeOffset now)
    {
        value = value.Trim();
        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds))
        {
            return seconds > TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal,
                out var date)
            || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            TimeSpan delay = date - now;
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }

        return null;
    }
}
