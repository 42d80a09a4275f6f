using System;
using System.Threading;

namespace OneMinBg.Client.Http;

/// <summary>
/// What the HTTP layer tells the batch about one item's calls, so the batch can size its concurrency from the
/// service's observed latency and show "with the service" apart from "waiting for the rate limit".
/// Called from worker threads; implementations only record (nothing PowerShell sees is written from them).
/// </summary>
public interface IFlowObserver
{
    /// <summary>A call of this item starts (true) or stops (false) waiting for the key's rate limit.</summary>
    void WaitingForRateLimit(bool waiting);

    /// <summary>An attempt went on the wire.</summary>
    void Sent();

    /// <summary>
    /// An attempt ended after <paramref name="elapsed"/> on the wire: <paramref name="status"/> is the HTTP
    /// status, or null for a timeout or a connection failure. 429, 503 and timeouts tell the batch to slow down.
    /// </summary>
    void Answered(TimeSpan elapsed, int? status);
}

/// <summary>The observer of the work running on this logical thread (it flows across awaits).</summary>
public static class FlowObservation
{
    private static readonly AsyncLocal<IFlowObserver?> CurrentObserver = new AsyncLocal<IFlowObserver?>();

    public static IFlowObserver? Current => CurrentObserver.Value;

    /// <summary>Observes the calls made from here on in this async flow (set at the start of an item's task).</summary>
    public static void Observe(IFlowObserver? observer) => CurrentObserver.Value = observer;
}
