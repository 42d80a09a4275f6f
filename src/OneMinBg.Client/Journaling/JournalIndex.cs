using System;
using System.Collections.Generic;
using System.Linq;
using OneMinBg.Client.Api;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// Journal lines folded, in file order, into the latest state of each request and of each record: all
/// the lines of one request for a lookup, or the whole file for a listing. Applying the same lines always
/// gives the same states. Entries are copied on every change, so a snapshot handed out never changes.
/// Not thread-safe.
/// </summary>
internal sealed class JournalIndex
{
    private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

    private readonly Dictionary<string, JournalEntry> _byFingerprint =
        new Dictionary<string, JournalEntry>(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, JournalEntry> _byRecordId =
        new Dictionary<string, JournalEntry>(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _firstSeen = new List<string>();
    private readonly JournalLineReader _reader = new JournalLineReader();
    private readonly Dictionary<string, Uri> _baseUris = new Dictionary<string, Uri>(StringComparer.Ordinal);
    private readonly Dictionary<string, JournalSave> _savesByPath = new Dictionary<string, JournalSave>(PathComparer);

    /// <summary>How this system compares paths: without case on Windows and macOS.</summary>
    internal static StringComparer PathComparer { get; } =
        System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(
            System.Runtime.InteropServices.OSPlatform.Linux)
            ? StringComparer.Ordinal
            : StringComparer.OrdinalIgnoreCase;

    /// <summary>Lines skipped: unparseable, torn, of another version or kind, or lacking what their kind needs.
    /// </summary>
    public int Skipped { get; private set; }

    /// <summary>The entry the last line that changed one produced (the state that line recorded).</summary>
    public JournalEntry? LastChanged { get; private set; }

    public JournalEntry? Find(string fingerprint) =>
        _byFingerprint.TryGetValue(fingerprint, out JournalEntry? entry) ? entry : null;

    /// <summary>The request as of the record's latest line (its result, refreshes and saves).</summary>
    public JournalEntry? FindByRecordId(string recordId) =>
        _byRecordId.TryGetValue(recordId, out JournalEntry? entry) ? entry : null;

    /// <summary>The latest state of every request, oldest <see cref="JournalEntry.RequestedAt"/> first (ties in file
    /// order).</summary>
    public List<JournalEntry> Entries() =>
        _firstSeen.Select(fp => _byFingerprint[fp]).OrderBy(e => e.RequestedAt).ToList();

    /// <summary>
    /// The latest save at each path inside <paramref name="folder"/> (a full path), at any depth, of records
    /// this journal knows.
    /// </summary>
    public Dictionary<string, JournalSave> SavesUnder(string folder)
    {
        string prefix = folder.EndsWith(System.IO.Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            ? folder
            : folder + System.IO.Path.DirectorySeparatorChar;
        var saves = new Dictionary<string, JournalSave>(PathComparer);
        foreach (KeyValuePair<string, JournalSave> save in _savesByPath)
        {
            if (save.Key.StartsWith(prefix, PathComparer == StringComparer.Ordinal
                ? StringComparison.Ordinal
                : StringComparison.OrdinalIgnoreCase))
            {
                saves[save.Key] = save.Value;
            }
        }

        return saves;
    }

    /// <summary>Applies one line (without its '\n'); a line that is not usable is counted and skipped.</summary>
    public void Apply(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith(Utf8Bom))
        {
            utf8 = utf8.Slice(Utf8Bom.Length);
        }

        if (IsBlank(utf8))
        {
            return;
        }

        JournalLine? line = _reader.Read(utf8);
        if (line == null || !Apply(line))
        {
            Skipped++;
        }
    }

    /// <summary>Applies one line as read or just written; false when it is not usable.</summary>
    public bool Apply(JournalLine line)
    {
        switch (line.Kind)
        {
            case JournalLine.Claim: return ApplyClaim(line);
            case JournalLine.Result: return ApplyResult(line);
            case JournalLine.Failure: return ApplyFailure(line);
            case JournalLine.Release: return ApplyRelease(line);
            case JournalLine.Upload: return ApplyUpload(line);
            case JournalLine.Saved: return ApplySaved(line);
            case JournalLine.Sent: return ApplySent(line);
            case JournalLine.Accepted: return ApplyAccepted(line);
            default: return false;
        }
    }

    /// <summary>A new attempt: whatever the previous one left (result, failure, save) no longer describes it.</summary>
    private bool ApplyClaim(JournalLine line)
    {
        ImageRequest? request = RequestOf(line);
        JournalOwner? owner = line.ToOwner();
        if (line.Fingerprint == null || request == null || owner == null)
        {
            return false;
        }

        // What earlier attempts left unanswered still counts; so does a claim of an older version that ended
        // without an answer (it wrote no "sent" line, so it may have been sent).
        JournalEntry? previous = Find(line.Fingerprint);
        var entry = new JournalEntry(line.Fingerprint, request)
        {
            State = JournalState.Claimed,
            RequestedAt = line.At!.Value,
            Owner = owner,
            ClaimMarksSent = line.SentMark,
            AcceptedRecordId = previous?.State == JournalState.Succeeded ? null : previous?.AcceptedRecordId,
            AssetKey = previous?.State == JournalState.Succeeded ? null : previous?.AcceptedAssetKey(),
            Unanswered = previous?.State == JournalState.Succeeded
                ? Array.Empty<DateTimeOffset>()
                : previous?.UnknownOutcomeAttempts ?? Array.Empty<DateTimeOffset>(),
        };
        SetLatest(entry);
        return true;
    }

    /// <summary>The paid call is being sent: until an answer is recorded, it may have been charged.</summary>
    private bool ApplySent(JournalLine line)
    {
        if (line.Fingerprint == null || string.IsNullOrEmpty(line.RunId))
        {
            return false;
        }

        JournalEntry? current = Find(line.Fingerprint);
        if (current != null)
        {
            JournalEntry entry = current.Copy();
            entry.Unanswered = current.Unanswered.Concat(new[] { line.At!.Value }).ToList();
            entry.SentAt = line.At;
            SetLatest(entry);
        }

        return true;
    }

    /// <summary>The service accepted the paid call (async): the uuid to wait for, across later attempts.</summary>
    private bool ApplyAccepted(JournalLine line)
    {
        if (line.Fingerprint == null || string.IsNullOrEmpty(line.RecordId))
        {
            return false;
        }

        JournalEntry? current = Find(line.Fingerprint);
        if (current != null && current.State != JournalState.Succeeded)
        {
            JournalEntry entry = current.Copy();
            entry.AcceptedRecordId = line.RecordId;
            entry.AssetKey = line.AssetKey ?? entry.AssetKey;
            SetLatest(entry);
        }

        return true;
    }

    private bool ApplyResult(JournalLine line)
    {
        ImageRequest? request = RequestOf(line);
        if (line.Fingerprint == null || request == null || string.IsNullOrEmpty(line.RecordId)
            || line.Status == null)
        {
            return false;
        }

        if (line.Refresh && _byRecordId.TryGetValue(line.RecordId!, out JournalEntry? known))
        {
            ApplyRefresh(known, line);
            return true;
        }

        JournalEntry entry = Continue(line, request);
        entry.CompletedAt = line.At;
        entry.RecordId = line.RecordId;
        entry.Status = line.Status;
        entry.ResultKeys = line.ResultKeys ?? Array.Empty<string>();
        entry.TemporaryUrl = line.TemporaryUrl;
        entry.CreatedAt = line.CreatedAt;
        entry.UsedCredit = line.UsedCredit;
        entry.CreditLimit = line.CreditLimit;
        entry.Credits = line.Credits;
        entry.AssetKey = line.AssetKey;
        entry.Unanswered = Array.Empty<DateTimeOffset>(); // the service answered for it
        entry.AcceptedRecordId = null;
        if (IsSuccess(line.Status))
        {
            entry.State = JournalState.Succeeded;
        }
        else
        {
            entry.State = JournalState.Failed;
            entry.FailureKind = nameof(ApiErrorKind.FeatureFailed);
            entry.FailureMessage = FeatureFailedMessage(line.RecordId!, line.Status);
            entry.MayHaveBeenCharged = true;
        }

        _byRecordId[line.RecordId!] = entry;
        SetLatestUnlessItLosesASuccess(entry);
        return true;
    }

    private bool ApplyFailure(JournalLine line)
    {
        ImageRequest? request = RequestOf(line);
        if (line.Fingerprint == null || request == null || string.IsNullOrEmpty(line.FailureKind))
        {
            return false;
        }

        JournalEntry entry = Continue(line, request);
        entry.State = JournalState.Failed;
        entry.CompletedAt = line.At;
        entry.FailureKind = line.FailureKind;
        entry.FailureMessage = line.Message;
        entry.MayHaveBeenCharged = line.Charged ?? true;
        if (entry.MayHaveBeenCharged && entry.SentAt == null)
        {
            // Sent (it may have been charged) with no "sent" line: an older version's failure.
            entry.Unanswered = entry.Unanswered.Concat(new[] { entry.RequestedAt }).ToList();
        }
        else if (!entry.MayHaveBeenCharged && entry.SentAt != null)
        {
            entry.Unanswered = Array.Empty<DateTimeOffset>(); // the service answered the send: not charged
        }

        SetLatestUnlessItLosesASuccess(entry);
        return true;
    }

    /// <summary>Only the claim it names is given back: a run that lost its claim cannot release the new one.</summary>
    private bool ApplyRelease(JournalLine line)
    {
        if (line.Fingerprint == null || string.IsNullOrEmpty(line.RunId))
        {
            return false;
        }

        JournalEntry? current = Find(line.Fingerprint);
        if (current != null && current.State == JournalState.Claimed
            && string.Equals(current.Owner?.RunId, line.RunId, StringComparison.Ordinal))
        {
            JournalEntry entry = current.Copy();
            entry.State = JournalState.Released;
            SetLatest(entry);
        }

        return true;
    }

    /// <summary>Uploads are looked up in <see cref="JournalScan"/>; here they are only checked.</summary>
    private static bool ApplyUpload(JournalLine line) =>
        !string.IsNullOrEmpty(line.Base) && !string.IsNullOrEmpty(line.Content)
        && !string.IsNullOrEmpty(line.AssetKey);

    private bool ApplySaved(JournalLine line)
    {
        if (string.IsNullOrEmpty(line.RecordId) || string.IsNullOrEmpty(line.SavedPath)
            || line.SavedLength == null)
        {
            return false;
        }

        if (_byRecordId.TryGetValue(line.RecordId!, out JournalEntry? known))
        {
            JournalEntry entry = known.Copy();
            entry.SavedPath = line.SavedPath;
            entry.SavedLength = line.SavedLength;
            entry.SavedSha256 = line.SavedSha256;
            entry.SavedAt = line.At;
            UpdateRecord(entry, promoted: false);
            _savesByPath[line.SavedPath!] = new JournalSave(line.SavedPath!, line.RecordId!,
                known.Request.ContentSha256, line.SavedLength.Value, line.SavedSha256, line.At);
        }

        return true;
    }

    /// <summary>
    /// A lookup's fresh view of a recorded result: a new link, and possibly a status that has moved on
    /// (PROCESSING to SUCCESS). A success is never turned back into a failure.
    /// </summary>
    private void ApplyRefresh(JournalEntry known, JournalLine line)
    {
        JournalEntry entry = known.Copy();
        entry.Status = line.Status;
        if (line.ResultKeys != null && line.ResultKeys.Count > 0)
        {
            entry.ResultKeys = line.ResultKeys;
        }

        entry.TemporaryUrl = line.TemporaryUrl ?? entry.TemporaryUrl;
        entry.CreatedAt = line.CreatedAt ?? entry.CreatedAt;
        entry.UsedCredit = line.UsedCredit ?? entry.UsedCredit;
        entry.CreditLimit = line.CreditLimit ?? entry.CreditLimit;
        bool promoted = entry.State != JournalState.Succeeded && IsSuccess(line.Status);
        if (promoted)
        {
            entry.State = JournalState.Succeeded;
            entry.CompletedAt = line.At;
            entry.FailureKind = null;
            entry.FailureMessage = null;
            entry.MayHaveBeenCharged = false;
        }

        UpdateRecord(entry, promoted);
    }

    /// <summary>
    /// Stores a record's new state; it is also the request's latest when it was already, or when it is a
    /// success the latest state lacks.
    /// </summary>
    private void UpdateRecord(JournalEntry entry, bool promoted)
    {
        _byRecordId[entry.RecordId!] = entry;
        JournalEntry? latest = Find(entry.Fingerprint);
        if (latest == null
            || string.Equals(latest.RecordId, entry.RecordId, StringComparison.OrdinalIgnoreCase)
            || (promoted && latest.State != JournalState.Succeeded))
        {
            SetLatest(entry);
        }
        else
        {
            LastChanged = entry;
        }
    }

    /// <summary>
    /// The request a line carries. Loading is dominated by such lines, so the request already known for the
    /// fingerprint is reused when the line carries the same one, and each service URL is parsed once.
    /// </summary>
    private ImageRequest? RequestOf(JournalLine line)
    {
        if (line.Fingerprint == null || line.Base == null)
        {
            return null;
        }

        if (!_baseUris.TryGetValue(line.Base, out Uri? baseUri))
        {
            if (!Uri.TryCreate(line.Base, UriKind.Absolute, out baseUri))
            {
                return null;
            }

            _baseUris[line.Base] = baseUri;
        }

        ImageRequest? known = Find(line.Fingerprint)?.Request;
        return known != null && line.Carries(known, baseUri) ? known : line.ToRequest(baseUri);
    }

    /// <summary>The outcome of the current attempt: keeps its claim's time and owner, not an earlier attempt's
    /// details.</summary>
    private JournalEntry Continue(JournalLine line, ImageRequest request)
    {
        JournalEntry? previous = Find(line.Fingerprint!);
        return new JournalEntry(line.Fingerprint!, request)
        {
            RequestedAt = previous?.RequestedAt ?? line.At!.Value,
            Owner = previous?.Owner,
            SentAt = previous?.SentAt,
            ClaimMarksSent = previous?.ClaimMarksSent ?? false,
            Unanswered = previous?.Unanswered ?? Array.Empty<DateTimeOffset>(),
            AcceptedRecordId = previous?.AcceptedRecordId,
            AssetKey = previous?.AcceptedAssetKey(),
        };
    }

    /// <summary>A paid, successful result stays the request's state: a later failure (a forced re-run) does not
    /// hide it.</summary>
    private void SetLatestUnlessItLosesASuccess(JournalEntry entry)
    {
        JournalEntry? latest = Find(entry.Fingerprint);
        if (entry.State != JournalState.Succeeded && latest != null && latest.State == JournalState.Succeeded)
        {
            LastChanged = entry;
            return;
        }

        SetLatest(entry);
    }

    private void SetLatest(JournalEntry entry)
    {
        if (!_byFingerprint.ContainsKey(entry.Fingerprint))
        {
            _firstSeen.Add(entry.Fingerprint);
        }

        _byFingerprint[entry.Fingerprint] = entry;
        LastChanged = entry;
    }

    private static bool IsBlank(ReadOnlySpan<byte> utf8)
    {
        foreach (byte b in utf8)
        {
            if (b != (byte)' ' && b != (byte)'\r' && b != (byte)'\t')
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsSuccess(string? status) => AiRecord.IsSuccessStatus(status);

    internal static string FeatureFailedMessage(string recordId, string status) =>
        $"The service reported status '{status}' for record {recordId}, not SUCCESS. It may have been charged; "
        + "look it up again with its record id before paying for it again.";
}
