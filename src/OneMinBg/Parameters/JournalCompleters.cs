using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Language;
using OneMinBg.Client.Config;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Parameters;

/// <summary>
/// Tab completion from the journal: newest first, so the record or prompt just used comes first.
/// Reads the journal the command would use (the same <see cref="SettingsResolver"/> decides);
/// completion never fails loudly.
/// </summary>
internal abstract class JournalCompleter : IArgumentCompleter
{
    private const int MaxResults = 50;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        try
        {
            IReadOnlyList<JournalEntry> entries = Journal.Open(JournalPathOf(fakeBoundParameters)).Entries();
            for (int i = entries.Count - 1; i >= 0 && results.Count < MaxResults; i--)
            {
                (string? value, string tooltip) = Describe(entries[i]);
                if (value != null && value.StartsWith(typed, StringComparison.OrdinalIgnoreCase) && seen.Add(value))
                {
                    string quoted = "'" + value.Replace("'", "''") + "'";
                    results.Add(new CompletionResult(quoted, value, CompletionResultType.ParameterValue, tooltip));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException
            or NotSupportedException or InvalidDataException)
        {
            // No journal, or one that cannot be read: no suggestions.
        }
        return results;
    }

    protected abstract (string? Value, string Tooltip) Describe(JournalEntry entry);

    internal static string JournalPathOf(IDictionary bound)
    {
        string configPath = ConfigStore.DefaultPath;
        string? path = SettingsResolver.ForProcess(() => ConfigStore.Load(configPath), configPath)
            .JournalPath(bound["JournalPath"] as string);
        return path == null ? Journal.DefaultPath : Path.GetFullPath(path);
    }
}

/// <summary>Completes -Id with record ids, showing the source file and prompt.</summary>
internal sealed class RecordIdCompleter : JournalCompleter
{
    protected override (string? Value, string Tooltip) Describe(JournalEntry entry) =>
        (entry.RecordId,
            $"{entry.Status ?? entry.State.ToString()} {entry.Request.SourcePath} — {entry.Request.Prompt}");
}

/// <summary>Completes -Prompt with prompts used before.</summary>
internal sealed class PromptCompleter : JournalCompleter
{
    protected override (string? Value, string Tooltip) Describe(JournalEntry entry) =>
        (entry.Request.Prompt, entry.Request.Prompt);
}

/// <summary>
/// Completes Get-BgResult -Status with the statuses a listing shows: those the module gives a request the service
/// has not reported on, those the service is known to answer, then any other status found in the journal.
/// </summary>
internal sealed class StatusCompleter : IArgumentCompleter
{
    private static readonly (string Status, string Meaning)[] Known =
    {
        ("SUCCESS", "done: the image is ready"),
        ("FAILED", "it failed: an error, or a record the service finished without an image"),
        ("FAILURE", "the service finished the record without an image"),
        ("PENDING", "claimed by a run that has not finished it (or was stopped before recording)"),
        ("PROCESSING", "the service accepted it and was still working on it"),
        ("CANCELLED", "the claim was given back before the paid call: not sent, not charged"),
    };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var results = new List<CompletionResult>();
        foreach ((string status, string meaning) in Known)
        {
            Offer(status, $"{status}: {meaning}");
        }

        try
        {
            foreach (JournalEntry entry in Journal.Open(JournalCompleter.JournalPathOf(fakeBoundParameters)).Entries())
            {
                if (entry.Status is string status)
                {
                    Offer(status, $"{status}: as the service reported it");
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException
            or NotSupportedException or InvalidDataException)
        {
            // No journal, or one that cannot be read: the known statuses only.
        }

        return results;

        void Offer(string status, string tooltip)
        {
            if (status.StartsWith(typed, StringComparison.OrdinalIgnoreCase) && seen.Add(status))
            {
                results.Add(new CompletionResult(status, status, CompletionResultType.ParameterValue, tooltip));
            }
        }
    }
}
