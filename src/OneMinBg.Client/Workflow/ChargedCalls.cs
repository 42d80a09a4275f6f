using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// The charged calls of stopped runs that are still with the service, process-wide. A stop does not abandon
/// them (the image is charged either way): each finishes in the background and writes its result or failure
/// to the journal, where the next run finds it, or waits for it while the claim is held. When the process
/// ends first, it waits for them, each at most one call timeout after its run stopped, so a paid result is
/// still journaled; a call that outlasts that is left as "sent" in the journal, like a killed run's. (.NET
/// Framework, under Windows PowerShell 5.1, gives exit handlers about two seconds in all.)
/// </summary>
public static class ChargedCalls
{
    private static readonly object Gate = new object();
    private static readonly Dictionary<Task, DateTimeOffset> Pending = new Dictionary<Task, DateTimeOffset>();
    private static bool _exitHooked;

    /// <summary>How many calls of stopped runs are still with the service in this process.</summary>
    public static int Count
    {
        get
        {
            lock (Gate)
            {
                return Pending.Count;
            }
        }
    }

    /// <summary>Waits until every call of a stopped run has been journaled, or until the timeout passes.</summary>
    /// <returns>True when none is left.</returns>
    public static bool WaitAll(TimeSpan timeout)
    {
        Task[] pending;
        lock (Gate)
        {
            pending = Pending.Keys.ToArray();
        }

        try
        {
            return Task.WaitAll(pending, timeout);
        }
        catch (AggregateException)
        {
            return true; // they failed, and wrote their failure to the journal (or could not): none is left
        }
    }

    /// <summary>
    /// Keeps <paramref name="call"/> (the rest of a stopped run's attempt: the answer and its journal line)
    /// until it ends; the process waits for it at exit up to <paramref name="timeout"/> from now.
    /// </summary>
    internal static void Track(Task call, TimeSpan timeout)
    {
        lock (Gate)
        {
            if (!_exitHooked)
            {
                AppDomain.CurrentDomain.ProcessExit += (sender, e) => WaitAtExit();
                _exitHooked = true;
            }

            Pending[call] = DateTimeOffset.UtcNow + timeout;
        }

        // Its failure is in the journal; nobody awaits it any more, so it is observed here.
        call.ContinueWith(
            done =>
            {
                _ = done.Exception;
                lock (Gate)
                {
                    Pending.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static void WaitAtExit()
    {
        DateTimeOffset until;
        lock (Gate)
        {
            if (Pending.Count == 0)
            {
                return;
            }

            until = Pending.Values.Max();
        }

        TimeSpan left = until - DateTimeOffset.UtcNow;
        if (left > TimeSpan.Zero)
        {
            WaitAll(left);
        }
    }
}

/// <summary>
/// The run was stopped while the image's charged call was with the service: the call goes on in the background
/// (<see cref="ChargedCalls"/>) and its result or failure is written to the journal, not returned.
/// </summary>
public sealed class LeftWithServiceException : OperationCanceledException
{
    public LeftWithServiceException(string subject, CancellationToken token)
        : base($"{subject}: the run was stopped while the service was working on it; its result will be written "
            + "to the journal.", token)
    {
    }
}

/// <summary>A sink told when the image's charged call is with the service, e.g. to count those at a stop.</summary>
public interface IChargedCallSink
{
    void WithService(bool withService);
}
