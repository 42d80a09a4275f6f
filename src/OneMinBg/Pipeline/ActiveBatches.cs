using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Threading;

namespace OneMinBg.Pipeline;

/// <summary>
/// The batches running in each runspace, for the commands downstream of them in the same pipeline: a batch shows
/// its progress as a child of the one upstream (Save-BgImage under Invoke-BackgroundReplace), and Export-BgReport
/// reports the images the batches upstream failed, which reach it as error records, not as objects.
/// <para>
/// PowerShell gives a command no handle on the commands before it, and the objects piped (BgResult, or FileInfo
/// and strings for other commands) do not say which batch made them. But every command of a pipeline begins
/// before any input flows, in pipeline order, on the runspace's pipeline thread, and ends (is disposed) with its
/// pipeline: so when a command begins, the batches still running in its runspace that have taken no input yet are
/// the ones upstream in the same pipeline, and the latest running batch is its parent (upstream, or the one whose
/// script block, ForEach-Object, runs it). A batch of an earlier statement has ended by then. (A batch stopped by a
/// terminating error ends its pipeline, the report included: only the item errors matter downstream.)
/// </para>
/// </summary>
internal static class ActiveBatches
{
    // Far above the sources PowerShell numbers its commands' records with (1, 2, 3, ...).
    private const long FirstSource = 0x4F4E_0000_0000L;
    private static long _lastSource = FirstSource;

    private static readonly ConditionalWeakTable<Runspace, List<Registration>> Running =
        new ConditionalWeakTable<Runspace, List<Registration>>();

    /// <summary>
    /// Registers a batch in this thread's runspace, under the source to write its progress records under (its
    /// parent's, else a new one).
    /// </summary>
    /// <param name="parent">The batch it runs under, if any.</param>
    /// <param name="running">Where it was registered, for <see cref="End"/> (which may run on another thread).</param>
    public static Registration Begin(int progressId, out Registration? parent, out List<Registration>? running)
    {
        running = Runspace.DefaultRunspace is Runspace runspace
            ? Running.GetValue(runspace, _ => new List<Registration>())
            : null;
        parent = null;
        if (running == null)
        {
            return new Registration(progressId, Interlocked.Increment(ref _lastSource));
        }

        lock (running)
        {
            parent = running.Count > 0 ? running[running.Count - 1] : null;
            var batch = new Registration(progressId, parent?.SourceId ?? Interlocked.Increment(ref _lastSource));
            running.Add(batch);
            return batch;
        }
    }

    public static void End(List<Registration>? running, int progressId)
    {
        if (running == null)
        {
            return;
        }

        lock (running)
        {
            running.RemoveAll(batch => batch.ProgressId == progressId);
        }
    }

    /// <summary>
    /// For a command beginning now: the batches upstream of it in its pipeline, which have taken no input yet (a
    /// batch that has is an outer one, running the script block this command is in).
    /// </summary>
    public static IReadOnlyList<Registration> Upstream()
    {
        var upstream = new List<Registration>();
        if (Runspace.DefaultRunspace is Runspace runspace && Running.TryGetValue(runspace, out List<Registration>? running))
        {
            lock (running)
            {
                upstream.AddRange(running.FindAll(batch => !batch.HasInput));
            }
        }
        return upstream;
    }
}

/// <summary>
/// A running batch: its progress id, the source its progress records are written under, and the errors of its
/// items, in the order they were written (kept for Export-BgReport downstream).
/// </summary>
internal sealed class Registration
{
    private readonly List<ItemError> _errors = new List<ItemError>();

    public Registration(int progressId, long sourceId)
    {
        ProgressId = progressId;
        SourceId = sourceId;
    }

    public int ProgressId { get; }
    public long SourceId { get; }

    /// <summary>The batch has taken an item (set on the pipeline thread).</summary>
    public bool HasInput { get; set; }

    /// <summary>An item's error, as it is written; <paramref name="input"/> is the item the batch was given.</summary>
    public void ItemFailed(object? input, ErrorRecord record)
    {
        lock (_errors)
        {
            _errors.Add(new ItemError(input, record));
        }
    }

    /// <summary>The errors written since the first <paramref name="skip"/>.</summary>
    public IReadOnlyList<ItemError> ErrorsAfter(int skip)
    {
        lock (_errors)
        {
            return skip >= _errors.Count ? new ItemError[0] : _errors.GetRange(skip, _errors.Count - skip);
        }
    }
}

/// <summary>One item's error: the item as the batch was given it (a path, a URL, a BgResult, an id) and the record.
/// </summary>
internal readonly struct ItemError
{
    public ItemError(object? input, ErrorRecord record)
    {
        Input = input;
        Record = record;
    }

    public object? Input { get; }
    public ErrorRecord Record { get; }
}
