using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;

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
/// for every upload, its line. A line is only glanced at: its leading "v", "kind", "fp" and "id" (the writer
/// puts them first), or for an upload "base" and "content". Everything is held as plain values
/// (<see cref="JournalKey"/>, offsets), so loading 50,000 requests costs little more than reading the
/// file. A request's state is folded from its few lines (<see cref="JournalIndex"/>) when it is asked for;
/// a line that looks usable here but is not is skipped by that fold.
/// Not thread-safe: the journal serialises access.
/// </summary>
internal sealed class JournalScan
{
    private const int NoLine = -1;
    private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

    private readonly Dictionary<JournalKey, int> _requestByFingerprint = new Dictionary<JournalKey, int>();
    private readonly Dictionary<JournalKey, int> _requestByRecordId = new Dictionary<JournalKey, int>();
    private readonly Dictionary<(JournalKey Base, JournalKey Content), JournalLineSpan> _uploads = new Dictionary<(JournalKey, JournalKey), JournalLineSpan>();
    private Request[] _requests = new Request[64];
    private int _requestCount;
    private Line[] _lines = new Line[256];
    private int _lineCount;
    private byte[] _lastBase = Array.Empty<byte>();
    private JournalKey _lastBaseKey;

    public bool IsEmpty => _requestCount == 0 && _uploads.Count == 0;

    private enum Step
    {
        Continue,
        Reject,
        Fallback,
    }

    /// <summary>The lines of one request, in file order; empty when it has none.</summary>
    public List<JournalLineSpan> LinesOf(string fingerprint) =>
        _requestByFingerprint.TryGetValue(JournalKey.Of(fingerprint), out int request) ? LinesOf(request) : new List<JournalLineSpan>();

    /// <summary>The lines of the request a record was recorded for; empty when the record is not known.</summary>
    public List<JournalLineSpan> LinesOfRecord(string recordId) =>
        _requestByRecordId.TryGetValue(JournalKey.Of(recordId), out int request) ? LinesOf(request) : new List<JournalLineSpan>();

    /// <summary>The line of the latest upload of this content to this (normalised) service URL.</summary>
    public JournalLineSpan? UploadLine(string normalizedBase, string contentSha256) =>
        _uploads.TryGetValue((JournalKey.Of(normalizedBase), JournalKey.Of(contentSha256)), out JournalLineSpan line) ? line : (JournalLineSpan?)null;

    /// <summary>Notes one line (without its '\n') found at <paramref name="offset"/>.</summary>
    public void Add(ReadOnlySpan<byte> utf8, long offset)
    {
        if (offset == 0 && utf8.StartsWith(Utf8Bom))
        {
            utf8 = utf8.Slice(Utf8Bom.Length); // saved by an editor
            offset = Utf8Bom.Length;
        }

        var glimpse = default(Glimpse);
        try
        {
            bool? plain = ReadPlainPrefix(utf8, ref glimpse);
            if (!(plain ?? ReadJsonPrefix(utf8, ref glimpse)))
            {
                return;
            }
        }
        catch (JsonException)
        {
            return;
        }
        catch (InvalidOperationException)
        {
            return;
        }

        var span = new JournalLineSpan(offset, utf8.Length);
        switch (glimpse.Kind)
        {
            case JournalLine.Upload:
                _uploads[(glimpse.Base, glimpse.Content)] = span;
                break;
            case JournalLine.Saved:
                if (_requestByRecordId.TryGetValue(glimpse.RecordId, out int owner))
                {
                    Note(owner, span);
                }

                break;
            case JournalLine.Result:
                int request = RequestOf(glimpse.Fingerprint);
                _requestByRecordId[glimpse.RecordId] = request;
                Note(request, span);
                break;
            default:
                Note(RequestOf(glimpse.Fingerprint), span);
                break;
        }
    }

    private List<JournalLineSpan> LinesOf(int request)
    {
        var lines = new List<JournalLineSpan>(4);
        for (int line = _requests[request].First; line != NoLine; line = _lines[line].Next)
        {
            lines.Add(_lines[line].Span);
        }

        return lines;
    }

    private int RequestOf(JournalKey fingerprint)
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

    /// <summary>
    /// The fast way, for lines as this writer writes them: leading "name":value pairs without whitespace,
    /// escapes or nesting. True or false when it can tell; null when the line is written otherwise (it is
    /// then read as JSON).
    /// </summary>
    private bool? ReadPlainPrefix(ReadOnlySpan<byte> line, ref Glimpse glimpse)
    {
        if (line.Length == 0 || line[0] != (byte)'{')
        {
            return null;
        }

        int pos = 1;
        while (pos < line.Length && line[pos] == (byte)'"')
        {
            int nameEnd = line.Slice(pos + 1).IndexOf((byte)'"');
            if (nameEnd < 0)
            {
                return null;
            }

            ReadOnlySpan<byte> name = line.Slice(pos + 1, nameEnd);
            pos += nameEnd + 2;
            if (pos >= line.Length || line[pos] != (byte)':')
            {
                return null;
            }

            pos++;
            ReadOnlySpan<byte> value;
            bool isString = pos < line.Length && line[pos] == (byte)'"';
            if (isString)
            {
                int end = line.Slice(pos + 1).IndexOf((byte)'"');
                if (end < 0)
                {
                    return null;
                }

                value = line.Slice(pos + 1, end);
                pos += end + 2;
                if (value.IndexOf((byte)'\\') >= 0)
                {
                    return null; // escapes: read it as JSON
                }
            }
            else
            {
                int end = pos;
                while (end < line.Length && line[end] != (byte)',' && line[end] != (byte)'}')
                {
                    byte c = line[end];
                    if (c == (byte)'{' || c == (byte)'[' || c == (byte)'"' || c == (byte)' ' || c == (byte)'\t')
                    {
                        return null; // nesting or whitespace
                    }

                    end++;
                }

                value = line.Slice(pos, end - pos);
                pos = end;
            }

            switch (Take(name, value, isString, ref glimpse))
            {
                case Step.Reject:
                    return false;
                case Step.Fallback:
                    return null;
            }

            if (glimpse.IsComplete)
            {
                return true;
            }

            if (pos >= line.Length || line[pos] != (byte)',')
            {
                return null;
            }

            pos++;
        }

        return null;
    }

    /// <summary>Keeps one plain property.</summary>
    private Step Take(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool isString, ref Glimpse glimpse)
    {
        if (name.SequenceEqual("v"u8))
        {
            if (isString || !value.SequenceEqual("1"u8))
            {
                return Step.Reject;
            }

            glimpse.HasVersion = true;
            return Step.Continue;
        }

        if (name.SequenceEqual("kind"u8))
        {
            glimpse.Kind = isString ? KindOf(value) : null;
            return glimpse.Kind == null ? Step.Reject : Step.Continue;
        }

        bool wanted = name.SequenceEqual("fp"u8) || name.SequenceEqual("id"u8) || name.SequenceEqual("base"u8) || name.SequenceEqual("content"u8);
        if (!wanted)
        {
            return Step.Continue;
        }

        if (!isString || value.Length == 0)
        {
            return Step.Fallback; // another type: let the JSON reader decide
        }

        Keep(name, value, ref glimpse);
        return Step.Continue;
    }

    /// <summary>Stores a wanted value (UTF-8, without escapes) as its key.</summary>
    private void Keep(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, ref Glimpse glimpse)
    {
        if (name.SequenceEqual("fp"u8))
        {
            glimpse.Fingerprint = JournalKey.Of(value);
            glimpse.Has |= Wanted.Fingerprint;
        }
        else if (name.SequenceEqual("id"u8))
        {
            glimpse.RecordId = JournalKey.Of(value);
            glimpse.Has |= Wanted.RecordId;
        }
        else if (name.SequenceEqual("base"u8))
        {
            // One service URL serves a whole batch: its key (a hash) is made once.
            if (!value.SequenceEqual(_lastBase))
            {
                _lastBase = value.ToArray();
                _lastBaseKey = JournalKey.Of(value);
            }

            glimpse.Base = _lastBaseKey;
            glimpse.Has |= Wanted.Base;
        }
        else
        {
            glimpse.Content = JournalKey.Of(value);
            glimpse.Has |= Wanted.Content;
        }
    }

    /// <summary>The slow way: any JSON object, read until its kind and what it is filed under are known.</summary>
    private bool ReadJsonPrefix(ReadOnlySpan<byte> utf8, ref Glimpse glimpse)
    {
        glimpse = default;
        var reader = new Utf8JsonReader(utf8, isFinalBlock: true, state: default);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isVersion = reader.ValueTextEquals("v"u8);
            bool isKind = reader.ValueTextEquals("kind"u8);
            byte[]? wanted = WantedName(ref reader);
            reader.Read();
            if (isVersion)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int version) || version != JournalLine.CurrentVersion)
                {
                    return false;
                }

                glimpse.HasVersion = true;
            }
            else if (isKind)
            {
                glimpse.Kind = JournalLineReader.KindOf(ref reader);
                if (glimpse.Kind == null)
                {
                    return false;
                }
            }
            else if (wanted != null)
            {
                string text = reader.GetString() ?? "";
                if (text.Length == 0)
                {
                    return false;
                }

                Keep(wanted, Encoding.UTF8.GetBytes(text), ref glimpse);
            }
            else
            {
                reader.Skip();
            }

            if (glimpse.IsComplete)
            {
                return true;
            }
        }

        return false;
    }

    private static byte[]? WantedName(ref Utf8JsonReader reader)
    {
        foreach (byte[] name in WantedNames)
        {
            if (reader.ValueTextEquals(name))
            {
                return name;
            }
        }

        return null;
    }

    private static readonly byte[][] WantedNames =
    {
        Encoding.ASCII.GetBytes("fp"), Encoding.ASCII.GetBytes("id"), Encoding.ASCII.GetBytes("base"), Encoding.ASCII.GetBytes("content"),
    };

    private static string? KindOf(ReadOnlySpan<byte> value)
    {
        if (value.SequenceEqual("claim"u8))
        {
            return JournalLine.Claim;
        }

        if (value.SequenceEqual("result"u8))
        {
            return JournalLine.Result;
        }

        if (value.SequenceEqual("upload"u8))
        {
            return JournalLine.Upload;
        }

        if (value.SequenceEqual("saved"u8))
        {
            return JournalLine.Saved;
        }

        if (value.SequenceEqual("failure"u8))
        {
            return JournalLine.Failure;
        }

        return value.SequenceEqual("release"u8) ? JournalLine.Release : null;
    }

    [Flags]
    private enum Wanted
    {
        None = 0,
        Fingerprint = 1,
        RecordId = 2,
        Base = 4,
        Content = 8,
    }

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

    /// <summary>What a glance at a line found.</summary>
    private struct Glimpse
    {
        public bool HasVersion;
        public string? Kind;
        public Wanted Has;
        public JournalKey Fingerprint;
        public JournalKey RecordId;
        public JournalKey Base;
        public JournalKey Content;

        /// <summary>The version, the kind, and what the kind is filed under are known.</summary>
        public bool IsComplete
        {
            get
            {
                if (!HasVersion || Kind == null)
                {
                    return false;
                }

                switch (Kind)
                {
                    case JournalLine.Upload: return (Has & (Wanted.Base | Wanted.Content)) == (Wanted.Base | Wanted.Content);
                    case JournalLine.Saved: return (Has & Wanted.RecordId) != 0;
                    case JournalLine.Result: return (Has & (Wanted.Fingerprint | Wanted.RecordId)) == (Wanted.Fingerprint | Wanted.RecordId);
                    default: return (Has & Wanted.Fingerprint) != 0;
                }
            }
        }
    }
}
