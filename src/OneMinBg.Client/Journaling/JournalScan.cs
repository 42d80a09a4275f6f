using System;
using System.Collections.Generic;

namespace OneMinBg.Client.Journaling;

/// <summary>Where one line is in the journal file (without its '\n').</summary>
internal readonly struct JournalLineSpan
{
    public JournalLineSpan(long offset, int length)
    {
        Offset = offset;
        Length = length;
    }

    public long Offset { get; }
    public int Length { get; }
}

/// <summary>
/// What loading a journal keeps: for every request, where its lines are; for every record, its request;
/// for every upload, its line. A line is only glanced at (<see cref="JournalLineReader.Glance"/>), so
/// loading costs little more than reading the file. A request's state is folded from its few lines
/// (<see cref="JournalIndex"/>) when it is asked for; a line that looks usable here but is not is skipped
/// by that fold. Not thread-safe: the journal serialises access.
/// </summary>
internal sealed class JournalScan
{
    private const int NoLine = -1;
    private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

    private readonly JournalLineReader _reader = new JournalLineReader();
    private readonly Dictionary<string, int> _requestByFingerprint =
        new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _requestByRecordId =
        new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, JournalLineSpan> _uploads =
        new Dictionary<string, JournalLineSpan>(StringComparer.OrdinalIgnoreCase);
    private Request[] _requests = new Request[64];
    private int _requestCount;
    private Line[] _lines = new Line[256];
    private int _lineCount;

    /// <summary>Forgets everything: the file no longer continues what was read (truncated or replaced).</summary>
    public void Clear()
    {
        _requestByFingerprint.Clear();
        _requestByRecordId.Clear();
        _uploads.Clear();
        _requestCount = 0;
        _lineCount = 0;
    }

    /// <summary>The lines of one request, in file order; empty when it has none.</summary>
    public List<JournalLineSpan> LinesOf(string fingerprint) =>
        _requestByFingerprint.TryGetValue(fingerprint, out int request)
            ? LinesOf(request)
            : new List<JournalLineSpan>();

    /// <summary>The lines of the request a record was recorded for; empty when the record is not known.</summary>
    public List<JournalLineSpan> LinesOfRecord(string recordId) =>
        _requestByRecordId.TryGetValue(recordId, out int request)
            ? LinesOf(request)
            : new List<JournalLineSpan>();

    /// <summary>The line of the latest upload of this content to this (normalised) service URL.</summary>
    public JournalLineSpan? UploadLine(string normalizedBase, string contentSha256) =>
        _uploads.TryGetValue(UploadKey(normalizedBase, contentSha256), out JournalLineSpan line)
            ? line
            : (JournalLineSpan?)null;

    /// <summary>Notes one line (without its '\n') found at <paramref name="offset"/>.</summary>
    public void Add(ReadOnlySpan<byte> utf8, long offset)
    {
        if (offset == 0 && utf8.StartsWith(Utf8Bom))
        {
            utf8 = utf8.Slice(Utf8Bom.Length); // saved by an editor
            offset = Utf8Bom.Length;
        }

        JournalLine? line = _reader.Glance(utf8);
        if (line == null)
        {
            return;
        }

        var span = new JournalLineSpan(offset, utf8.Length);
        switch (line.Kind)
        {
            case JournalLine.Upload:
                _uploads[UploadKey(line.Base!, line.Content!)] = span;
                break;
            case JournalLine.Saved:
                if (_requestByRecordId.TryGetValue(line.RecordId!, out int owner))
                {
                    Note(owner, span);
                }

                break;
            case JournalLine.Result:
                int request = RequestOf(line.Fingerprint!);
                _requestByRecordId[line.RecordId!] = request;
                Note(request, span);
                break;
            default:
                Note(RequestOf(line.Fingerprint!), span);
                break;
        }
    }

    /// <summary>A service URL holds no '\n' (the line would not be one line): the pair is one string.</summary>
    private static string UploadKey(string normalizedBase, string contentSha256) =>
        normalizedBase + "\n" + contentSha256;

    private List<JournalLineSpan> LinesOf(int request)
    {
        var lines = new List<JournalLineSpan>(4);
        for (int line = _requests[request].First; line != NoLine; line = _lines[line].Next)
        {
            lines.Add(_lines[line].Span);
        }

        return lines;
    }

    private int RequestOf(string fingerprint)
    {
        if (!_requestByFingerprint.TryGetValue(fingerprint, out int request))
        {
            if (_requestCount == _requests.Length)
            {
                Array.Resize(ref _requests, _requests.Length * 2);
            }

            request = _requestCount++;
            _requests[request] = new Request { First = NoLine, Last = NoLine };
            _requestByFingerprint.Add(fingerprint, request);
        }

        return request;
    }

    private void Note(int request, JournalLineSpan span)
    {
        if (_lineCount == _lines.Length)
        {
            Array.Resize(ref _lines, _lines.Length * 2);
        }

        int line = _lineCount++;
        _lines[line] = new Line { Span = span, Next = NoLine };
        ref Request owner = ref _requests[request];
        if (owner.Last == NoLine)
        {
            owner.First = line;
        }
        else
        {
            _lines[owner.Last].Next = line;
        }

        owner.Last = line;
    }

    /// <summary>A request's lines, as a chain through <see cref="_lines"/>.</summary>
    private struct Request
    {
        public int First;
        public int Last;
    }

    private struct Line
    {
        public JournalLineSpan Span;
        public int Next;
    }
}
