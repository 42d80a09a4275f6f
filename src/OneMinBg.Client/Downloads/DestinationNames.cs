using System;
using System.Collections.Generic;
using System.IO;
using OneMinBg.Client.Images;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Downloads;

/// <summary>What to do about one result's name in a destination.</summary>
public enum NameDecision
{
    /// <summary>Download it to <see cref="NamePlan.Targets"/>, the first that takes it.</summary>
    Download,
    /// <summary>The journal recorded this very result at <see cref="NamePlan.Path"/>, unchanged: nothing to do.
    /// </summary>
    AlreadySaved,
    /// <summary>The source's own name holds another file and -Force was not given (<see cref="NamePlan.Reason"/>).
    /// </summary>
    Exists,
}

/// <summary>Why a name is refused.</summary>
public enum ExistsReason
{
    /// <summary>The file this result was saved as has changed since.</summary>
    ChangedSinceSaved,
    /// <summary>The name holds an earlier result of the same source (another prompt, a forced re-run).</summary>
    EarlierResult,
    /// <summary>Every name this result could have holds files of other sources or files the journal does not know.
    /// </summary>
    AllTaken,
}

public sealed class NamePlan
{
    internal NamePlan(NameDecision decision, string path, IReadOnlyList<SaveTarget> targets, ExistsReason reason)
    {
        Decision = decision;
        Path = path;
        Targets = targets;
        Reason = reason;
    }

    public NameDecision Decision { get; }
    /// <summary>The file saved already, the file refused, or the first target.</summary>
    public string Path { get; }
    public IReadOnlyList<SaveTarget> Targets { get; }
    public ExistsReason Reason { get; }
}

/// <summary>
/// The names results get in one destination, so that a name once given to a source's result stays that
/// source's, across runs (the journal's saves) and within one (this run's choices). Each result has three
/// names: plain ("cat_bg.png"), with 8 hex digits of its source's SHA-256 ("cat_1a2b3c4d_bg.png"), and with 8
/// characters of its record id (a second result of the same source in one run). In order: a name where this very
/// result was recorded; the source's name from an earlier run (its earlier result there is replaced only with
/// -Force); else the first name no source owns that is free, or that holds an image the journal does not know
/// with these very bytes (adopted). A file of another source, or one the journal does not know, is never
/// overwritten. Not thread-safe: the pipeline thread asks.
/// </summary>
public sealed class DestinationNames
{
    private readonly IReadOnlyDictionary<string, JournalSave> _saved;
    private readonly Dictionary<string, (string Source, string Record)> _thisRun =
        new Dictionary<string, (string Source, string Record)>(JournalIndex.PathComparer);

    /// <param name="saved">The journal's latest save at each path of the destination (Journal.SavesUnder).</param>
    public DestinationNames(IReadOnlyDictionary<string, JournalSave> saved) => _saved = saved;

    /// <summary>Decides where the result of <paramref name="parts"/> goes in <paramref name="folder"/>.</summary>
    public NamePlan Plan(string folder, NameParts parts, NameTemplate template, bool force)
    {
        var names = new List<string>(3);
        foreach (string tag in new[] { "", "_" + parts.Hash8, "_" + parts.Id8 })
        {
            string path = Path.GetFullPath(Path.Combine(folder, template.Expand(parts, tag)));
            if (!names.Exists(n => JournalIndex.PathComparer.Equals(n, path)))
            {
                names.Add(path);
            }
        }

        // This very result: given a name earlier in this run (piped twice), or recorded at one of its names.
        foreach (string path in names)
        {
            if (_thisRun.TryGetValue(path, out var owner))
            {
                if (string.Equals(owner.Record, parts.RecordId, StringComparison.OrdinalIgnoreCase))
                {
                    return Download(path, false);
                }
            }
            else if (_saved.TryGetValue(path, out JournalSave? save)
                && string.Equals(save.RecordId, parts.RecordId, StringComparison.OrdinalIgnoreCase))
            {
                return !File.Exists(path) ? Download(path, false)
                    : IsUnchanged(path, save) ? new NamePlan(NameDecision.AlreadySaved, path, Array.Empty<SaveTarget>(),
                        default)
                    : force ? Download(path, true)
                    : Exists(path, ExistsReason.ChangedSinceSaved);
            }
        }

        // The source's name from an earlier run, holding another of its results.
        foreach (string path in names)
        {
            if (!_thisRun.ContainsKey(path) && _saved.TryGetValue(path, out JournalSave? save)
                && string.Equals(save.SourceContent, parts.SourceContent, StringComparison.OrdinalIgnoreCase))
            {
                return !File.Exists(path) ? Download(path, false)
                    : force ? Download(path, true)
                    : Exists(path, ExistsReason.EarlierResult);
            }
        }

        // A name nobody owns: free, or an image to compare (the same bytes are adopted, others kept).
        var targets = new List<SaveTarget>();
        foreach (string path in names)
        {
            if (_thisRun.ContainsKey(path) || _saved.ContainsKey(path))
            {
                continue;
            }

            if (!File.Exists(path))
            {
                targets.Add(new SaveTarget(path, false));
                break;
            }

            if (IsImage(path))
            {
                targets.Add(new SaveTarget(path, false));
            }
        }

        return targets.Count == 0 ? Exists(names[0], ExistsReason.AllTaken)
            : new NamePlan(NameDecision.Download, targets[0].Path, targets, default);
    }

    /// <summary>Gives <paramref name="path"/> to this result for the rest of the run.</summary>
    public void Claim(string path, NameParts parts) =>
        _thisRun[Path.GetFullPath(path)] = (parts.SourceContent, parts.RecordId);

    private static NamePlan Download(string path, bool overwrite) =>
        new NamePlan(NameDecision.Download, path, new[] { new SaveTarget(path, overwrite) }, default);

    private static NamePlan Exists(string path, ExistsReason reason) =>
        new NamePlan(NameDecision.Exists, path, Array.Empty<SaveTarget>(), reason);

    private static bool IsUnchanged(string path, JournalSave save)
    {
        try
        {
            return save.Sha256 != null && new FileInfo(path).Length == save.Length
                && string.Equals(ContentHash.OfFile(path), save.Sha256, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsImage(string path)
    {
        try
        {
            ImageInspector.Inspect(path);
            return true;
        }
        catch (Exception ex) when (ex is InvalidImageException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
