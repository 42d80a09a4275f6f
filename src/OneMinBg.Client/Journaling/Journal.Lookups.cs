using System;
using System.Collections.Generic;

namespace OneMinBg.Client.Journaling;

/// <summary>The journal's lookups: they take no lock and answer from what is on disk.</summary>
public sealed partial class Journal
{
    /// <summary>The latest state of the request with this fingerprint, if the journal has it.</summary>
    public JournalEntry? Find(string fingerprint)
    {
        Require(fingerprint, nameof(fingerprint));
        return Read(view => view.Fold(fingerprint).Find(fingerprint));
    }

    /// <summary>The request a record belongs to, as of that record's latest line.</summary>
    public JournalEntry? FindByRecordId(string recordId)
    {
        Require(recordId, nameof(recordId));
        return Read(view => view.FoldRecord(recordId).FindByRecordId(recordId));
    }

    /// <summary>The asset key this content was uploaded as at this service, if it was.</summary>
    public string? FindUpload(Uri baseUri, string contentSha256)
    {
        string normalized = NormalizedBase(baseUri);
        Require(contentSha256, nameof(contentSha256));
        return Read(view => view.FindUpload(normalized, contentSha256));
    }

    /// <summary>The latest state of every request, oldest <see cref="JournalEntry.RequestedAt"/> first.</summary>
    public IReadOnlyList<JournalEntry> Entries() => Read(view => view.FoldAll().Entries());

    /// <summary>
    /// Every request with every attempt at it (claimed, sent, answered or given back), in the order of
    /// <see cref="Entries"/>: what an audit of possible double charges needs.
    /// </summary>
    public IReadOnlyList<RequestHistory> Histories() => Read(view => view.FoldHistory());

    /// <summary>
    /// The latest recorded save at each path inside <paramref name="folder"/> (any depth): which source's
    /// result each file is, for naming. Reads the whole journal.
    /// </summary>
    public IReadOnlyDictionary<string, JournalSave> SavesUnder(string folder)
    {
        Require(folder, nameof(folder));
        string full = System.IO.Path.GetFullPath(folder);
        return Read(view => view.FoldAll().SavesUnder(full));
    }
}
