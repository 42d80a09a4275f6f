using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Workflow;

/// <summary>A record looked up again at the service, and the source file the journal knows it by.</summary>
public sealed class LookedUpRecord
{
    public LookedUpRecord(AiRecord record, string? sourcePath, decimal? credits = null)
    {
        Record = record;
        SourcePath = sourcePath;
        Credits = credits;
    }

    public AiRecord Record { get; }
    /// <summary>The file the journal recorded for this record; null when it does not know the record.</summary>
    public string? SourcePath { get; }
    /// <summary>What the record cost when it was made, as the journal measured it; null when not known.</summary>
    public decimal? Credits { get; }
}

/// <summary>
/// Looks a record up at the service (with a fresh download link) and, when the journal knows it,
/// records what the service said, so a renewed link is not lost. Free: nothing here is charged.
/// </summary>
public sealed class LookupWorkflow
{
    private readonly Journal _journal;
    private readonly OneMinClient _client;

    public LookupWorkflow(Journal journal, OneMinClient client)
    {
        _journal = journal;
        _client = client;
    }

    /// <summary>The record, or null when the service knows no record of that id.</summary>
    /// <exception cref="OneMinApiException">The lookup failed (see <see cref="FailurePolicy"/>).</exception>
    public async Task<LookedUpRecord?> LookUpAsync(string id, CancellationToken cancellationToken)
    {
        AiRecord? record = await _client.GetResultAsync(id, cancellationToken).ConfigureAwait(false);
        if (record == null)
        {
            return null;
        }

        JournalEntry? known = _journal.FindByRecordId(id);
        if (known != null)
        {
            _journal.RecordRefresh(id, record);
        }

        return new LookedUpRecord(record, known?.Request.SourcePath, known?.Credits);
    }
}
