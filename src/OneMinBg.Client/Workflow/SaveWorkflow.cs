using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Downloads;
using OneMinBg.Client.Images;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Workflow;

/// <summary>What to do about a result's destination file.</summary>
public enum SavePlan
{
    /// <summary>Download it: the file is absent, or overwriting is allowed.</summary>
    Download,
    /// <summary>The file is this very result as the journal recorded it: nothing to do.</summary>
    AlreadySaved,
    /// <summary>Another file is there and overwriting is not allowed.</summary>
    DestinationExists,
}

/// <summary>
/// Saves a result's image: downloads its link (renewing it at the service when there is none or it
/// has expired) to a file and records the save in the journal. Downloads are free; renewing asks the
/// API, never with the key at any other service than the client's.
/// </summary>
public sealed class SaveWorkflow
{
    private readonly Journal _journal;
    private readonly OneMinClient _client;

    public SaveWorkflow(Journal journal, OneMinClient client)
    {
        _journal = journal;
        _client = client;
    }

    /// <summary>
    /// The one decision about an existing destination: the same result saved there before (and the
    /// file unchanged since) needs nothing; another file is kept unless <paramref name="overwrite"/>.
    /// </summary>
    public SavePlan Plan(string recordId, string path, bool overwrite)
    {
        if (!File.Exists(path))
        {
            return SavePlan.Download;
        }

        if (IsSavedAlready(recordId, path))
        {
            return SavePlan.AlreadySaved;
        }

        return overwrite ? SavePlan.Download : SavePlan.DestinationExists;
    }

    /// <summary>When the journal recorded the save of this result (for messages).</summary>
    public DateTimeOffset? SavedAt(string recordId) => _journal.FindByRecordId(recordId)?.SavedAt;

    /// <summary>
    /// Downloads the image of record <paramref name="recordId"/> to <paramref name="path"/> and records it.
    /// <paramref name="subject"/> names the result in messages, e.g. "Result 'r-1' of 'cat.png'".
    /// </summary>
    /// <exception cref="OneMinApiException">The link could not be renewed or the download failed.</exception>
    /// <exception cref="DestinationExistsException">The file appeared meanwhile and overwriting is not
    /// allowed.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public async Task<DownloadedFile> SaveAsync(string recordId, string? temporaryUrl, string? recordBaseUri,
        string subject, string path, bool overwrite, IWorkflowSink sink, CancellationToken cancellationToken)
    {
        Uri? link = Uri.TryCreate(temporaryUrl, UriKind.Absolute, out Uri? given) ? given : null;
        if (link == null)
        {
            sink.Verbose($"{subject} has no download link; asking the service for a fresh one.");
            link = await RenewLinkAsync(recordId, recordBaseUri, cancellationToken).ConfigureAwait(false);
        }

        DownloadedFile file;
        try
        {
            sink.Verbose($"Downloading {subject} to '{path}'.");
            file = await _client.DownloadAsync(link, path, overwrite, cancellationToken).ConfigureAwait(false);
        }
        catch (OneMinApiException ex) when (ex.Kind == ApiErrorKind.LinkExpired)
        {
            sink.Verbose($"The download link of {subject} has expired; asking the service for a fresh one.");
            link = await RenewLinkAsync(recordId, recordBaseUri, cancellationToken).ConfigureAwait(false);
            file = await _client.DownloadAsync(link, path, overwrite, cancellationToken).ConfigureAwait(false);
        }

        _journal.RecordSaved(recordId, file.Path, file.Length, file.Sha256);
        return file;
    }

    private async Task<Uri> RenewLinkAsync(string recordId, string? recordBaseUri, CancellationToken cancellationToken)
    {
        AiRecord record = await _client.RenewLinkAsync(recordId, recordBaseUri, cancellationToken)
            .ConfigureAwait(false);
        _journal.RecordRefresh(recordId, record);
        return new Uri(record.TemporaryUrl!);
    }

    /// <summary>True when the journal says this result was saved to this path and the file is still that one.</summary>
    private bool IsSavedAlready(string recordId, string path)
    {
        JournalEntry? entry = _journal.FindByRecordId(recordId);
        if (entry?.SavedPath == null || entry.SavedSha256 == null
            || !string.Equals(Path.GetFullPath(entry.SavedPath), Path.GetFullPath(path), StringComparison.Ordinal)
            || new FileInfo(path).Length != entry.SavedLength)
        {
            return false;
        }

        try
        {
            return string.Equals(ContentHash.OfFile(path), entry.SavedSha256, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
