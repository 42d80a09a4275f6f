using System.Threading;

namespace OneMinBg.Client.Http;

/// <summary>
/// What one client has heard from its API so far: whether anything answered (any HTTP status), whether a
/// 2xx came, and whether a call already found nothing there. A connection that cannot even be made while
/// nothing ever answered says the base URL (or the way to it) is wrong, not that the network blinked, so
/// it is retried briefly, not at length, and once a call gave up the others are not tried. Thread-safe.
/// </summary>
internal sealed class ServiceContact
{
    private int _answered;
    private int _succeeded;
    private string? _unreachable;

    /// <summary>Some call got an HTTP answer, whatever its status.</summary>
    public bool HasAnswered => Volatile.Read(ref _answered) != 0;

    /// <summary>Some call got a 2xx: the API is really there.</summary>
    public bool HasSucceeded => Volatile.Read(ref _succeeded) != 0;

    /// <summary>Why a call already gave up on the service as unreachable (later ones are not tried); else null.
    /// </summary>
    public string? FoundUnreachable => Volatile.Read(ref _unreachable);

    public void Answered(int status)
    {
        Volatile.Write(ref _answered, 1);
        if (status >= 200 && status < 300)
        {
            Volatile.Write(ref _succeeded, 1);
            Volatile.Write(ref _unreachable, null);
        }
    }

    /// <summary>A call found nothing at the base URL, for <paramref name="reason"/>.</summary>
    public void GaveUp(string reason) => Volatile.Write(ref _unreachable, reason);
}
