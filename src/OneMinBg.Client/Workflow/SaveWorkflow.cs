using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;
using OneMinBg.Client.Downloads;
using OneMinBg.Client.Images;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Workflow;

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
    /// The parts of a result's name; its source as the journal recorded it (a record the journal does not know
    /// is its own source).
    /// </summary>
    public NameParts PartsFor(string recordId, string? sourcePath, string? imageUrl, IReadOnlyList<string> keys,
        string? size)
    {
        ImageRequest? request = _journal.FindByRecordId(recordId)?.Request;
        return new NameParts(recordId, sourcePath, imageUrl, keys, request?.ContentSha256 ?? "id:" + recordId,
            size ?? request?.Size, request?.Prompt);
    }

    /// <summary>The names results get in <paramref name="destination"/>, from what the journal recorded there.
    /// </summary>
    public DestinationNames NamesIn(string destination) => new DestinationNames(Directory.Exists(destination)
        ? _journal.SavesUnder(destination)
        : new Dictionary<string, JournalSave>());

    /// <summary>
    /// Makes sure downloads can go into <paramref name="folder"/>: creates it, writes and deletes a probe file
    /// there, and removes what interrupted saves left (returned, for -Verbose; null when nothing).
    /// </summary>
    /// <exception cref="DestinationUnwritableException">The folder cannot be created or written.</exception>
    public static string? PrepareFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = PartialFiles.PathFor(Path.Combine(folder, "write-test_bg.png"));
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1,
                FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DestinationUnwritableException(folder, ex);
        }

        return RemoveStaleDownloads(folder);
    }

    /// <summary>
    /// Removes the temporary files that interrupted saves (a killed process) left in <paramref name="folder"/>;
    /// never those of a save still running. What was removed, for -Verbose; null when nothing.
    /// </summary>
    public static string? RemoveStaleDownloads(string folder)
    {
        var (count, bytes) = PartialFiles.RemoveStale(folder, DateTimeOffset.UtcNow);
        return count == 0 ? null
            : $"Removed {count.ToString(CultureInfo.InvariantCulture)} temporary file(s) ({Text.FormatBytes(bytes)}) "
                + $"that interrupted saves left in '{folder}'.";
    }

    /// <summary>When the journal recorded the save of this result (for messages).</summary>
    public DateTimeOffset? SavedAt(string recordId) => _journal.FindByRecordId(recordId)?.SavedAt;

    /// <summary>
    /// Downloads the image of record <paramref name="recordId"/> to <paramref name="path"/> and records it.
    /// <paramref name="subject"/> names the result in messages, e.g. "Result 'r-1' of 'cat.png'";
    /// <paramref name="size"/> is the size asked for ("1024x1536"; "auto" or null: any). Without
    /// <paramref name="overwrite"/>, a file already at <paramref name="path"/> with the same bytes as the
    /// download is kept and recorded as this result's save.
    /// </summary>
    /// <exception cref="OneMinApiException">The link could not be renewed or the download failed (also:
    /// InvalidDownload when the image is not the size asked for).</exception>
    /// <exception cref="DestinationExistsException">Another file is at the path and overwriting is not
    /// allowed.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public async Task<DownloadedFile> SaveAsync(string recordId, string? temporaryUrl, string? recordBaseUri,
        string subject, string path, bool overwrite, string? size, IWorkflowSink sink,
        CancellationToken cancellationToken)
    {
        FetchedImage fetched = await FetchAsync(recordId, temporaryUrl, recordBaseUri, subject, path, size, sink,
            cancellationToken).ConfigureAwait(false);
        return Commit(recordId, fetched, new[] { new SaveTarget(path, overwrite) }, subject, sink);
    }

    /// <summary>
    /// Downloads the image of record <paramref name="recordId"/> into a temporary file beside
    /// <paramref name="path"/>, checked; <see cref="Commit"/> puts it in place. A link that is missing, or whose
    /// expiry (in the link) has passed, is renewed first; one refused as expired is renewed and tried again.
    /// </summary>
    /// <exception cref="OneMinApiException">The link could not be renewed or the download failed.</exception>
    /// <exception cref="DestinationUnwritableException">The folder cannot be written.</exception>
    public async Task<FetchedImage> FetchAsync(string recordId, string? temporaryUrl, string? recordBaseUri,
        string subject, string path, string? size, IWorkflowSink sink, CancellationToken cancellationToken)
    {
        Uri? link = Uri.TryCreate(temporaryUrl, UriKind.Absolute, out Uri? given) ? given : null;
        if (link == null)
        {
            sink.Verbose($"{subject} has no download link; asking the service for a fresh one.");
            link = await RenewLinkAsync(recordId, recordBaseUri, cancellationToken).ConfigureAwait(false);
        }
        else if (LinkExpiry.HasExpired(link, DateTimeOffset.UtcNow))
        {
            sink.Verbose($"The download link of {subject} expired at {LinkExpiry.Of(link):u}; asking the service "
                + "for a fresh one.");
            link = await RenewLinkAsync(recordId, recordBaseUri, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            sink.Verbose($"Downloading {subject} to '{path}'.");
            return await _client.Downloader.FetchAsync(link, path, size, cancellationToken).ConfigureAwait(false);
        }
        catch (OneMinApiException ex) when (ex.Kind == ApiErrorKind.LinkExpired)
        {
            sink.Verbose($"The download link of {subject} has expired; asking the service for a fresh one.");
            link = await RenewLinkAsync(recordId, recordBaseUri, cancellationToken).ConfigureAwait(false);
            return await _client.Downloader.FetchAsync(link, path, size, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Moves a fetched image to the first of <paramref name="targets"/> that takes it (see Downloader.Place) and
    /// records the save. The temporary file is gone afterwards, whatever happens.
    /// </summary>
    /// <exception cref="DestinationExistsException">Every target holds another file.</exception>
    /// <exception cref="DestinationUnwritableException">The folder cannot be written.</exception>
    public DownloadedFile Commit(string recordId, FetchedImage fetched, IReadOnlyList<SaveTarget> targets,
        string subject, IWorkflowSink sink)
    {
        var (file, adopted) = _client.Downloader.Place(fetched, targets);
        if (adopted)
        {
            sink.Verbose($"'{file.Path}' already held {subject} (same SHA-256) without a record of its save; "
                + "kept it and recorded it as saved.");
        }

        try
        {
            _journal.RecordSaved(recordId, file.Path, file.Length, file.Sha256);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file is in place and checked; only the note that makes re-saving free is missing, and a
            // later save finds the file by its content instead. Not a failure of this result.
            sink.Warning($"'{file.Path}' is saved, but the journal could not record it ({ex.Message}). "
                + "A later save into this folder recognises the file by its content.");
        }
        return file;
    }

    private async Task<Uri> RenewLinkAsync(string recordId, string? recordBaseUri,
        CancellationToken cancellationToken)
    {
        AiRecord record = await _client.RenewLinkAsync(recordId, recordBaseUri, cancellationToken)
            .ConfigureAwait(false);
        _journal.RecordRefresh(recordId, record);
        return new Uri(record.TemporaryUrl!);
    }
}
