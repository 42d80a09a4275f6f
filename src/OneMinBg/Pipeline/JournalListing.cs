using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Pipeline;

/// <summary>
/// The source files a journal listing is about (Get-BgResult -SourcePath, -LiteralSourcePath). Each value is
/// resolved like every other path parameter (<see cref="PathHelper"/>: current location, PSDrives, ~) and
/// compared with the full path the journal recorded, which need not exist any more. A pattern matches as -like
/// does (without case; '*' also across folders); a value that names a path as written matches that path too, so
/// 'shot [v2].png' finds its own requests.
/// </summary>
internal sealed class SourcePathFilter
{
    /// <summary>Paths compare as the file system does: without case on Windows and macOS.</summary>
    internal static readonly StringComparer PathComparer =
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? StringComparer.OrdinalIgnoreCase
            : StringComparer.Ordinal;

    private static readonly char[] PatternCharacters = { '*', '?', '[', '`' };

    private readonly HashSet<string> _paths = new HashSet<string>(PathComparer);
    private readonly List<WildcardPattern> _patterns = new List<WildcardPattern>();

    private SourcePathFilter()
    {
    }

    /// <summary>The paths named exactly.</summary>
    public IReadOnlyCollection<string> Paths => _paths;

    public bool HasPatterns => _patterns.Count > 0;

    /// <summary>
    /// Resolves the values; one non-terminating error for each that cannot be used (another provider, a bad
    /// drive), which then matches nothing.
    /// </summary>
    public static SourcePathFilter Resolve(PSCmdlet cmdlet, IEnumerable<string> values, bool literal,
        string parameterName, Action<ErrorRecord> writeError)
    {
        var filter = new SourcePathFilter();
        foreach (string value in values)
        {
            if (literal || value.IndexOfAny(PatternCharacters) < 0)
            {
                if (PathHelper.ResolveForWriting(cmdlet, value, parameterName, out ErrorRecord? error) is string path)
                {
                    filter._paths.Add(path);
                }
                else
                {
                    writeError(error!);
                }

                continue;
            }

            if (PathHelper.ResolvePattern(cmdlet, value, parameterName, out ErrorRecord? patternError)
                is string pattern)
            {
                if (IsValid(pattern) is WildcardPattern valid)
                {
                    filter._patterns.Add(valid);
                }

                if (PathHelper.ResolveForWriting(cmdlet, value, parameterName, out _) is string asWritten)
                {
                    filter._paths.Add(asWritten);
                }
            }
            else
            {
                writeError(patternError!);
            }
        }

        return filter;
    }

    /// <summary>The pattern, or null when it is not one ('shot [v1.png'): then the value is only a path.</summary>
    private static WildcardPattern? IsValid(string pattern)
    {
        var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
        try
        {
            wildcard.IsMatch(""); // parses it
            return wildcard;
        }
        catch (WildcardPatternException)
        {
            return null;
        }
    }

    public bool Matches(string? path)
    {
        if (path == null)
        {
            return false; // an -ImageUrl request has no source file
        }

        return _paths.Contains(path) || _patterns.Any(pattern => pattern.IsMatch(path));
    }
}

/// <summary>
/// The journal read once for a Get-BgResult listing, then selected from once per pipeline input (each file
/// piped in): a file's requests are found by its path without reading the journal again.
/// </summary>
internal sealed class JournalListing
{
    private readonly IReadOnlyList<JournalEntry> _entries;
    private readonly IReadOnlyList<RequestHistory>? _histories;
    private Dictionary<string, List<int>>? _bySource;

    /// <param name="history">Every attempt at each request (<see cref="BgAttempt"/>), not only its latest state
    /// (<see cref="BgResult"/>).</param>
    public JournalListing(Journal journal, bool history)
    {
        if (history)
        {
            _histories = journal.Histories();
            _entries = _histories.Select(h => h.Entry).ToList();
        }
        else
        {
            _entries = journal.Entries();
        }
    }

    /// <summary>The requests that pass every filter given (null: not given), oldest first: a BgResult each, or
    /// a BgAttempt for each of their attempts.</summary>
    public IEnumerable<object> Select(SourcePathFilter? sources, WildcardPattern[]? statuses, DateTime? since,
        DateTime? until)
    {
        foreach (int i in Candidates(sources))
        {
            BgResult result = BgResult.From(_entries[i]);
            if ((statuses != null && !statuses.Any(status => status.IsMatch(result.Status)))
                || (since != null && result.RequestedAt < since)
                || (until != null && result.RequestedAt >= until))
            {
                continue;
            }

            if (_histories == null)
            {
                yield return result;
                continue;
            }

            foreach (JournalAttempt attempt in _histories[i].Attempts)
            {
                yield return BgAttempt.From(_entries[i], attempt);
            }
        }
    }

    /// <summary>The entries the source filter lets through, in journal order.</summary>
    private IEnumerable<int> Candidates(SourcePathFilter? sources)
    {
        if (sources == null)
        {
            return Enumerable.Range(0, _entries.Count);
        }

        if (sources.HasPatterns)
        {
            return Enumerable.Range(0, _entries.Count).Where(i => sources.Matches(_entries[i].Request.SourcePath));
        }

        _bySource ??= IndexBySource();
        var found = new SortedSet<int>();
        foreach (string path in sources.Paths)
        {
            if (_bySource.TryGetValue(path, out List<int>? entries))
            {
                found.UnionWith(entries);
            }
        }

        return found;
    }

    private Dictionary<string, List<int>> IndexBySource()
    {
        var bySource = new Dictionary<string, List<int>>(SourcePathFilter.PathComparer);
        for (int i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Request.SourcePath is string path)
            {
                if (!bySource.TryGetValue(path, out List<int>? entries))
                {
                    bySource[path] = entries = new List<int>(1);
                }

                entries.Add(i);
            }
        }

        return bySource;
    }
}
