using System;
using System.Threading;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// Watches one body as it is read: at the end of each window it checks that at least
/// <see cref="MinBytesPerSecond"/> arrived over it (or the rest of the body, when less is left), else
/// it cancels <see cref="Token"/>, so a host that drips bytes fails in one window instead of the timeout.
/// </summary>
internal sealed class RateWatch : IDisposable
{
    public const int MinBytesPerSecond = 1024;

    private readonly CancellationTokenSource _cts;
    private readonly Timer? _timer;
    private readonly TimeSpan _window;
    private readonly long? _declared;
    private long _total;
    private long _atWindowStart;
    private long _sentInSlowWindow = -1;

    public RateWatch(TimeSpan window, long? declared, CancellationToken token)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        _window = window;
        _declared = declared;
        if (window > TimeSpan.Zero)
        {
            _timer = new Timer(_ => Check(), null, window, window);
        }
    }

    /// <summary>The window for <paramref name="configured"/>: at most a fifth of the attempt's timeout.</summary>
    public static TimeSpan WindowFor(TimeSpan configured, TimeSpan timeout)
    {
        if (configured <= TimeSpan.Zero || timeout == Timeout.InfiniteTimeSpan || timeout <= TimeSpan.Zero)
        {
            return configured;
        }

        TimeSpan fifth = TimeSpan.FromTicks(timeout.Ticks / 5);
        return fifth < configured ? fifth : configured;
    }

    /// <summary>The caller's token, also cancelled when a window was too slow.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True when this watch (not the caller) stopped the read.</summary>
    public bool TooSlow => Interlocked.Read(ref _sentInSlowWindow) >= 0;

    /// <summary>What happened, for messages: "the download host sent 12 bytes in 30.0 s, below the minimum of
    /// 1 KB/s".</summary>
    public string Problem =>
        $"the download host sent {Text.FormatBytes(Math.Max(0, Interlocked.Read(ref _sentInSlowWindow)))} in "
        + $"{Text.FormatSeconds(_window)}, below the minimum of {Text.FormatBytes(MinBytesPerSecond)}/s";

    public void Received(int bytes) => Interlocked.Add(ref _total, bytes);

    public void Dispose()
    {
        _timer?.Dispose();
        _cts.Dispose();
    }

    private void Check()
    {
        long total = Interlocked.Read(ref _total);
        long sent = total - _atWindowStart;
        _atWindowStart = total;
        long required = (long)(MinBytesPerSecond * _window.TotalSeconds);
        if (_declared.HasValue)
        {
            required = Math.Min(required, Math.Max(1, _declared.Value - total + sent));
        }

        if (sent < required && Interlocked.CompareExchange(ref _sentInSlowWindow, sent, -1) == -1)
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The read ended meanwhile.
            }
        }
    }
}
