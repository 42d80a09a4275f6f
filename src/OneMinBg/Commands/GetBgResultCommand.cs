using System;
using System.Diagnostics;
using System.Management.Automation;
using OneMinBg.Abstractions;
using OneMinBg.Client.Journaling;
using OneMinBg.Client.Workflow;
using OneMinBg.Parameters;
using OneMinBg.Pipeline;

namespace OneMinBg.Commands;

/// <summary>
/// With -Id: looks records up again at the service, with a fresh download link (how an expired
/// link is renewed and a paid but unsaved result recovered). Without: lists the journal, each request's
/// latest state or (-History) every attempt at it; files piped in (Get-ChildItem) list their own requests.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BgResult", DefaultParameterSetName = JournalSet)]
[OutputType(typeof(BgResult))]
[OutputType(typeof(BgAttempt), ParameterSetName = new[] { JournalSet, LiteralJournalSet })]
public sealed class GetBgResultCommand : LookupCmdlet
{
    private const string JournalSet = "Journal";
    private const string LiteralJournalSet = "LiteralJournal";
    private const string IdSet = ConnectedSet;

    private LookupWorkflow? _workflow;
    private Uri? _baseUri;
    private Journal? _journal;
    private JournalListing? _listing;

    /// <summary>Record ids (the Id of a BgResult) to look up at the service.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true,
        ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RecordIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>
    /// Journal listing: only requests for these source files (paths as for -Path, with wildcards). With -Id it is
    /// carried over from a piped BgResult, as it is, so Save-BgImage still names the file after its source.
    /// </summary>
    [Parameter(ParameterSetName = JournalSet)]
    [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true, DontShow = true)]
    [SupportsWildcards]
    public string[]? SourcePath { get; set; }

    /// <summary>Journal listing: only requests for these source files, taken as they are (no wildcards); the
    /// PSPath of files piped in (Get-ChildItem) binds to it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralJournalSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralSourcePath { get; set; } = Array.Empty<string>();

    /// <summary>Journal listing: only these statuses (wildcards), e.g. SUCCESS, FAILED, PENDING.</summary>
    [Parameter(ParameterSetName = JournalSet)]
    [Parameter(ParameterSetName = LiteralJournalSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(StatusCompleter))]
    public string[]? Status { get; set; }

    /// <summary>Journal listing: only requests for these models (wildcards), e.g. gpt-image-1-mini.</summary>
    [Parameter(ParameterSetName = JournalSet)]
    [Parameter(ParameterSetName = LiteralJournalSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ModelCompleter))]
    public string[]? Model { get; set; }

    /// <summary>Journal listing: only requests sent at or after this time.</summary>
    [Parameter(ParameterSetName = JournalSet)]
    [Parameter(ParameterSetName = LiteralJournalSet)]
    public DateTime? Since { get; set; }

    /// <summary>Journal listing: only requests sent before this time.</summary>
    [Parameter(ParameterSetName = JournalSet)]
    [Parameter(ParameterSetName = LiteralJournalSet)]
    public DateTime? Until { get; set; }

    /// <summary>Journal listing: every attempt at each request, in order (BgAttempt), not only its latest state.
    /// </summary>
    [Parameter(ParameterSetName = JournalSet)]
    [Parameter(ParameterSetName = LiteralJournalSet)]
    public SwitchParameter History { get; set; }

    internal override string Activity => "Looking up results";

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _journal = OpenJournal(writes: false);
    }

    protected override void ProcessRecord()
    {
        Debug.Assert(_journal != null, "BeginProcessing opens the journal.");
        if (ParameterSetName != IdSet)
        {
            ListJournal(_journal!);
            return;
        }

        _baseUri ??= ResolveBaseUri();
        // With ids piped in, BeginProcessing could not yet tell lookups (which write to the journal) from a
        // listing of files piped in; opened again now, the journal is checked for writing before any call.
        _workflow ??= new LookupWorkflow(OpenJournal(writes: true), CreateClient(_baseUri));
        string? sourcePath = SourcePath is { Length: > 0 } ? SourcePath[0] : null;
        foreach (string id in Id)
        {
            Runner.Start(id, new LookupItem(_workflow, _baseUri, id, sourcePath).RunAsync);
        }
    }

    /// <summary>Read once (files piped in each select from the same reading), then filtered.</summary>
    private void ListJournal(Journal journal)
    {
        SourcePathFilter? sources = null;
        if (ParameterSetName == LiteralJournalSet)
        {
            sources = SourcePathFilter.Resolve(this, LiteralSourcePath, literal: true, "-LiteralSourcePath",
                WriteError);
        }
        else if (SourcePath is { Length: > 0 })
        {
            sources = SourcePathFilter.Resolve(this, SourcePath, literal: false, "-SourcePath", WriteError);
        }

        _listing ??= new JournalListing(journal, History);
        int listed = 0;
        foreach (object item in _listing.Select(sources, Status, Model, Since, Until))
        {
            WriteObject(item);
            listed++;
        }

        if (listed == 0 && ParameterSetName == LiteralJournalSet)
        {
            WriteVerbose($"The journal '{journal.Path}' has no request for {string.Join(", ", LiteralSourcePath)}"
                + " that passes the filters.");
        }
    }
}
