using System;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Workflow;

/// <summary>What a replacement produced: the journal's entry of the result.</summary>
public sealed class ReplaceResult
{
    public ReplaceResult(JournalEntry entry, bool reused, ResultNotRecordedException? notRecorded = null)
    {
        Entry = entry;
        Reused = reused;
        NotRecorded = notRecorded;
    }

    public JournalEntry Entry { get; }
    /// <summary>Another run paid for it meanwhile: this one took its result instead (no charge).</summary>
    public bool Reused { get; }
    /// <summary>The result is paid for and good, but the journal could not record it: report it.</summary>
    public ResultNotRecordedException? NotRecorded { get; }
}

/// <summary>The journal could not record a step before the paid call, so the image was not sent.</summary>
public sealed class JournalUnavailableException : Exception
{
    public JournalUnavailableException(Exception inner)
        : base(inner.Message, inner)
    {
    }
}

/// <summary>Another run holds the request and has not finished it within the stale-claim time.</summary>
public sealed class HeldByOtherRunException : Exception
{
    public HeldByOtherRunException(string message)
        : base(message)
    {
    }
}

/// <summary>A sink that also shows, in the progress display, that an image waits for another run.</summary>
public interface IWaitingSink
{
    void Waiting(bool waiting);
}
