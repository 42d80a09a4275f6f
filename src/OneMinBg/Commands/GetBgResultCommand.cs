using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading.Tasks;
using OneMinBg.Abstractions;
using OneMinBg.Client.Api;
using OneMinBg.Client.Journaling;
using OneMinBg.Client.Workflow;
using OneMinBg.Parameters;
using OneMinBg.Pipeline;

namespace OneMinBg.Commands;

/// <summary>
/// With -Id: looks records up again at the service, with a fresh download link (how an expired
/// link is renewed and a paid but unsaved result recovered). Without: lists the journal.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BgResult", DefaultParameterSetName = JournalSet)]
[OutputType(typeof(BgResult))]
public sealed class GetBgResultCommand : LookupCmdlet
{
    private const string JournalSet = "Journal";
    private const string IdSet = ConnectedSet;

    private OneMinClient? _client;
    private Uri? _baseUri;
    private Journal? _journal;

    /// <summary>Record ids (the Id of a BgResult) to look up at the service.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true,
        ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RecordIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>
    /// Journal listing: only requests for these source files (wildcards). With -Id it is carried
    /// over from a piped BgResult, so Save-BgImage still names the file after its source.
    /// </summary>
    [Parameter(ParameterSetName = JournalSet)]
    [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true, DontShow = true)]
    [SupportsWildcards]
    public string[]? SourcePath { get; set; }

    /// <summary>Journal listing: only these statuses (wildcards), e.g. SUCCESS, FAILED, PENDING.</summary>
    [Parameter(ParameterSetName = JournalSet)]
    [SupportsWildcards]
    public string[]? Status { get; set; }

    /// <summary>Journal listing: only requests sent at or after this time.</summary>
    [Parameter(ParameterSetName = JournalSet)]
    public DateTime? Since { get; set; }

    /// <summary>Journal listing: only requests sent before this time.</summary>
    [Parameter(ParameterSetName = JournalSet)]
    public DateTime? Until { get; set; }

    internal override string Activity => "Looking up results";

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _journal = OpenJournal();
    }

    protected override void ProcessRecord()
    {
        Debug.Assert(_journal != null, "BeginProcessing opens the journal.");
        if (ParameterSetName == JournalSet)
        {
            ListJournal(_journal!);
            return;
        }

        _baseUri ??= ResolveBaseUri();
        _client ??= CreateClient(_baseUri);
        OneMinClient client = _client;
        Journal journal = _journal!;
        Uri baseUri = _baseUri;
        string? sourcePath = SourcePath is { Length: > 0 } ? SourcePath[0] : null;
        foreach (string id in Id)
        {
            Runner.Start(id, item => LookUpAsync(item, client, journal, baseUri, id, sourcePath));
        }
    }

    private void ListJournal(Journal journal)
    {
        WildcardPattern[]? statuses = Patterns(Status);
        WildcardPattern[]? sources = Patterns(SourcePath);
        DateTime? since = Since?.ToUniversalTime();
        DateTime? until = Until?.ToUniversalTime();
        foreach (JournalEntry entry in journal.Entries())
        {
            BgResult result = BgResult.From(entry);
            if ((statuses == null || Matches(statuses, result.Status))
                && (sources == null || Matches(sources, result.SourcePath))
                && (since == null || result.RequestedAt >= since)
                && (until == null || result.RequestedAt < until))
            {
                WriteObject(result);
            }
        }
    }

    private static WildcardPattern[]? Patterns(string[]? values)
    {
        if (values == null || values.Length == 0)
        {
            return null;
        }
        var patterns = new WildcardPattern[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            patterns[i] = WildcardPattern.Get(values[i], WildcardOptions.IgnoreCase);
        }
        return patterns;
    }

    private static bool Matches(IEnumerable<WildcardPattern> patterns, string? value)
    {
        foreach (WildcardPattern pattern in patterns)
        {
            if (value != null && pattern.IsMatch(value))
            {
                return true;
            }
        }
        return false;
    }

    private static async Task LookUpAsync(BatchRunner.WorkItem item, OneMinClient client, Journal journal,
        Uri baseUri, string id, string? sourcePath)
    {
        try
        {
            LookedUpRecord? found = await new LookupWorkflow(journal, client).LookUpAsync(id, item.BatchToken)
                .ConfigureAwait(false);
            if (found == null)
            {
                item.Error(ErrorRecords.Create("ResultNotFound", ErrorCategory.ObjectNotFound, id,
                    $"No result with id '{id}' exists at {baseUri}. Check the id, and that -BaseUri and the API key "
                    + "belong to the account that made it."));
                return;
            }
            // The journal remembers which file a record came from when the caller does not say.
            item.Output(BgResult.From(found.Record, baseUri, sourcePath ?? found.SourcePath));
        }
        catch (OneMinApiException ex)
        {
            item.Fail(ex, id, $"Result '{id}'");
        }
    }
}
