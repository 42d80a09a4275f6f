using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Pipeline;

/// <summary>
/// The source files a journal listing is about (Get-BgResult -SourcePath, -LiteralSourcePath). Each value is
/// resolved like every other path parameter (<see cref="PathHelper"/>: current location, PSDrives, ~) and
/// compared with the full path the journal recorded, which need not exist any more. A pattern matches as -like
/// does (without case; '*' also across folders). As with -Path, a value that names a file as written (on disk,
/// or in the journal) means that file, so 'shot [v2].png' finds its own requests and not those of 'shot v.png'.
/// </summary>
internal sealed class SourcePathFilter
{
    /// <summary>Paths compare as the file system does: without case on Windows and macOS.</summary>
    internal static readonly StringComparer PathComparer =
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? StringComparer.OrdinalIgnoreCase
            : StringComparer.Ordinal;

    private static readonly char[] PatternCharacters = { '*', '?', '[', '`' };

    private readonly List<Term> _terms = new List<Term>();

    private SourcePathFilter()
    {
    }

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
            // As written: the path itself, which may hold '[' and ']' (it need not exist).
            string? path = PathHelper.ResolveForWriting(cmdlet, value, parameterName, out ErrorRecord? error);
            if (literal || value.IndexOfAny(PatternCharacters) < 0 || (path != null && File.Exists(path)))
            {
                if (path == null)
                {
                    writeError(error!);
                }
                else
                {
                    filter._terms.Add(new Term(path, null));
                }

                continue;
            }

            if (PathHelper.ResolvePattern(cmdlet, value, parameterName, out ErrorRecord? patternError)
                is string pattern)
            {
                filter._terms.Add(new Term(path, AsPattern(pattern)));
            }
            else
            {
                writeError(patternError!);
            }
        }

        return filter;
    }

    /// <summary>
    /// The exact paths and the patterns to match, given the paths the journal recorded: a value that names one
    /// of them as written means that one; a value that is not a valid pattern ('shot [v1.png') is only a path.
    /// </summary>
    public (HashSet<string> Paths, List<WildcardPattern> Patterns) For(Func<string, bool> isRecorded)
    {
        var paths = new HashSet<string>(PathComparer);
        var patterns = new List<WildcardPattern>();
        foreach (Term term in _terms)
        {
            if (term.Pattern == null || (term.Path != null && isRecorded(term.Path)))
            {
                if (term.Path != null)
                {
                    paths.Add(term.Path);
                }
            }
            else
            {
                patterns.Add(term.Pattern);
            }
        }

        return (paths, patterns);
    }

    private static WildcardPattern? AsPattern(string pattern)
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

    /// <summary>A value: the path as written (null when it cannot be one), and its pattern (null: none).</summary>
    private readonly struct Term
    {
        public Term(string? path, WildcardPattern? pattern)
        {
            Path = path;
            Pattern = pattern;
        }

        public string? Path { get; }
        public WildcardPattern? Pattern { get; }
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
    /// a BgAttempt for each of their attempts. Statuses and models are wildcards (any case); the times compare as
    /// instants (a DateTime without a kind is local time, as PowerShell gives it).
    /// </summary>
    public IEnumerable<object> Select(SourcePathFilter? sources, string[]? statuses, string[]? models,
        DateTime? since, DateTime? until)
    {
        WildcardPattern[]? statusPatterns = Patterns(statuses);
        WildcardPattern[]? modelPatterns = Patterns(models);
        DateTimeOffset? from = since == null ? null : new DateTimeOffset(since.Value.ToUniversalTime());
        DateTimeOffset? to = until == null ? null : new DateTimeOffset(until.Value.ToUniversalTime());
        foreach (int i in Candidates(sources))
        {
            BgResult result = BgResult.From(_entries[i]);
            if ((statusPatterns != null && !statusPatterns.Any(status => status.IsMatch(result.Status)))
                || (modelPatterns != null && !modelPatterns.Any(model => model.IsMatch(result.Model ?? "")))
                || (from != null && result.RequestedAt < from)
                || (to != null && result.RequestedAt >= to))
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

    private static WildcardPattern[]? Patterns(string[]? values) => values is { Length: > 0 }
        ? values.Select(value => WildcardPattern.Get(value, WildcardOptions.IgnoreCase)).ToArray()
        : null;

    /// <summary>The entries the source filter lets through, in journal order.</summary>
    private IEnumerable<int> Candidates(SourcePathFilter? sources)
    {
        if (sources == null)
        {
            return Enumerable.Range(0, _entries.Count);
        }

        _bySource ??= IndexBySource();
        (HashSet<string> paths, List<WildcardPattern> patterns) = sources.For(_bySource.ContainsKey);
        if (patterns.Count > 0)
        {
            return Enumerable.Range(0, _entries.Count).Where(i => _entries[i].Request.SourcePath is string path
                && (paths.Contains(path) || patterns.Any(pattern => pattern.IsMatch(path))));
        }

        var found = new SortedSet<int>();
        foreach (string path in paths)
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
