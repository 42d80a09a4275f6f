using System;
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

/// <summary>What to do about a result's destination file.</summary>
public enum SavePlan
{
    /// <summary>Download it: the file is absent, or overwriting is allowed.</summary>
    Download,
    /// <summary>The file is this very result as the journal recorded it: nothing to do.</summary>
    AlreadySaved,
    /// <summary>Another file is there and overwriting is not allowed.</summary>
    DestinationExists,
    /// <summary>
    /// An image the journal did not record as saved is there (the process may have died between saving
    /// and recording it): download and compare; the same bytes are adopted, others are kept and refused.
    /// </summary>
    Compare,
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
    /// file unchanged since) needs nothing; an image with no record of this result's save there is
    /// compared with the download; another file is kept unless <paramref name="overwrite"/>.
    /// </summary>
    public SavePlan Plan(string recordId, string path, bool overwrite)
    {
        if (!File.Exists(path))
        {
            return SavePlan.Download;
        }

        JournalEntry? entry = _journal.FindByRecordId(recordId);
        if (IsSavedAlready(entry, path))
        {
            return SavePlan.AlreadySaved;
        }

        if (overwrite)
        {
            return SavePlan.Download;
        }

        // Saved here and changed since, or not an image at all: not this result, no need to download it.
        return (entry?.SavedPath != null && SamePath(entry.SavedPath, path)) || !IsImage(path)
            ? SavePlan.DestinationExists
            : SavePlan.Compare;
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
        var target = new DownloadTarget(path, overwrite, adoptSame: true, expectedSize: size);
        Uri? link = Uri.TryCreate(temporaryUrl, UriKind.Absolute, out Uri? given) ? given : null;
        if (link == null)
        {
            sink.Verbose($"{subject} has no download link; asking the service for a fresh one.");
            link = await RenewLinkAsync(recordId, recordBaseUri, cancellationToken).ConfigureAwait(false);
        }

        (DownloadedFile File, bool Adopted) saved;
        try
        {
            sink.Verbose($"Downloading {subject} to '{path}'.");
            saved = await _client.Downloader.DownloadAsync(link, target, cancellationToken).ConfigureAwait(false);
        }
        catch (OneMinApiException ex) when (ex.Kind == ApiErrorKind.LinkExpired)
        {
            sink.Verbose($"The download link of {subject} has expired; asking the service for a fresh one.");
            link = await RenewLinkAsync(recordId, recordBaseUri, cancellationToken).ConfigureAwait(false);
            saved = await _client.Downloader.DownloadAsync(link, target, cancellationToken).ConfigureAwait(false);
        }

        DownloadedFile file = saved.File;
        if (saved.Adopted)
        {
            sink.Verbose($"'{path}' already held {subject} (same SHA-256) without a record of its save; "
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

    /// <summary>True when the journal says this result was saved to this path and the file is still that one.
    /// </summary>
    private static bool IsSavedAlready(JournalEntry? entry, string path)
    {
        if (entry?.SavedPath == null || entry.SavedSha256 == null
            || !SamePath(entry.SavedPath, path)
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

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

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
