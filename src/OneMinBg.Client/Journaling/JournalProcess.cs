using System;
using System.ComponentModel;
using System.Diagnostics;

namespace OneMinBg.Client.Journaling;

/// <summary>This process as claims name it, and whether the process behind another claim still runs.</summary>
internal static class JournalProcess
{
    /// <summary>
    /// Process start times are read with some jitter (Linux derives them from clock ticks since boot).
    /// </summary>
    internal static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(2);

    private static readonly Lazy<(string Host, int Id, DateTimeOffset StartedAt)> Current =
        new Lazy<(string, int, DateTimeOffset)>(ReadCurrent);

    public static string Host => Current.Value.Host;
    public static int Id => Current.Value.Id;
    public static DateTimeOffset StartedAt => Current.Value.StartedAt;

    public static bool IsThisProcess(string host, int processId, DateTimeOffset startedAt) =>
        processId == Id
        && string.Equals(host, Host, StringComparison.OrdinalIgnoreCase)
        && SameStart(startedAt, StartedAt);

    /// <summary>
    /// Whether a claim still counts. This process: alive (a run of this session is working on it, or a
    /// stopped run's charged call is finishing in the background: a later run waits for its result rather
    /// than paying again; see Workflow.ChargedCalls). Same host: alive while a process with that id
    /// and start time exists (the time rule when that cannot be read). Another host: alive until
    /// <paramref name="claimedAt"/> + <paramref name="staleAfter"/>.
    /// </summary>
    public static bool IsAlive(
        JournalOwner owner, DateTimeOffset claimedAt, TimeSpan staleAfter, DateTimeOffset now)
    {
        if (owner.IsThisProcess)
        {
            return true;
        }

        if (string.Equals(owner.Host, Host, StringComparison.OrdinalIgnoreCase))
        {
            bool? running = IsRunning(owner.ProcessId, owner.ProcessStartedAt);
            if (running.HasValue)
            {
                return running.Value;
            }
        }

        return now < claimedAt + staleAfter;
    }

    /// <summary>
    /// True or false when it can tell; null when the process exists but its start time cannot be read.
    /// </summary>
    private static bool? IsRunning(int processId, DateTimeOffset startedAt)
    {
        if (processId <= 0)
        {
            return false;
        }

        Process process;
        try
        {
            process = Process.GetProcessById(processId);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        using (process)
        {
            try
            {
                return SameStart(new DateTimeOffset(process.StartTime), startedAt);
            }
            catch (InvalidOperationException)
            {
                return false; // it exited meanwhile
            }
            catch (Win32Exception)
            {
                return null; // another user's process: access denied
            }
            catch (NotSupportedException)
            {
                return null;
            }
        }
    }

    private static bool SameStart(DateTimeOffset a, DateTimeOffset b) =>
        (a - b).Duration() <= StartTimeTolerance;

    private static (string, int, DateTimeOffset) ReadCurrent()
    {
        string host;
        try
        {
            host = Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            host = "localhost";
        }

        using Process self = Process.GetCurrentProcess();
        DateTimeOffset started;
        try
        {
            started = new DateTimeOffset(self.StartTime).ToUniversalTime();
        }
        catch (Exception ex)
            when (ex is Win32Exception || ex is NotSupportedException || ex is InvalidOperationException)
        {
            // Not seen on Windows, Linux or macOS. Other processes would then take this one's claims for dead
            // ones.
            started = DateTimeOffset.UtcNow;
        }

        return (host, self.Id, started);
    }
}
