using System;
using System.Collections.Generic;
using System.Text.Json;

namespace OneMinBg.Client
{
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
    /// and the upload cache. A line is only glanced at: its leading "v", "kind", "fp" and "id" (the writer puts
    /// them first), or for an upload its "base", "content" and "asset". So loading 50,000 requests costs little
    /// more than reading the file, and a request's state is folded from its few lines (<see cref="JournalIndex"/>)
    /// when it is asked for; a line that looks usable here but is not is skipped by that fold.
    /// Not thread-safe: the journal serialises access.
    /// </summary>
    internal sealed class JournalScan
    {
        private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

        private readonly Dictionary<string, List<JournalLineSpan>> _linesByFingerprint = new Dictionary<string, List<JournalLineSpan>>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _fingerprintByRecordId = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, Dictionary<string, string>> _uploadsByBase = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        private readonly char[] _chars = new char[128];
        private string? _lastFingerprint;
        private string? _lastBase;

        public bool IsEmpty => _linesByFingerprint.Count == 0 && _uploadsByBase.Count == 0;

        /// <summary>The lines of one request, in file order; empty when it has none.</summary>
        public IReadOnlyList<JournalLineSpan> LinesOf(string fingerprint) =>
            _linesByFingerprint.TryGetValue(fingerprint, out List<JournalLineSpan>? lines) ? lines : (IReadOnlyList<JournalLineSpan>)Array.Empty<JournalLineSpan>();

        /// <summary>The request a record was recorded for.</summary>
        public string? FingerprintOf(string recordId) =>
            _fingerprintByRecordId.TryGetValue(recordId, out string? fingerprint) ? fingerprint : null;

        /// <summary>The asset key of the latest upload of this content to this (normalised) service URL.</summary>
        public string? FindUpload(string normalizedBase, string contentSha256) =>
            _uploadsByBase.TryGetValue(normalizedBase, out Dictionary<string, string>? uploads) && uploads.TryGetValue(contentSha256, out string? key) ? key : null;

        /// <summary>Notes one line (without its '\n') found at <paramref name="offset"/>.</summary>
        public void Add(ReadOnlySpan<byte> utf8, long offset)
        {
            if (offset == 0 && utf8.StartsWith(Utf8Bom))
            {
                utf8 = utf8.Slice(Utf8Bom.Length); // saved by an editor
                offset = Utf8Bom.Length;
            }

            var glimpse = new Glimpse();
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
                    if (!_uploadsByBase.TryGetValue(glimpse.Base!, out Dictionary<string, string>? uploads))
                    {
                        uploads = new Dictionary<string, string>(StringComparer.Ordinal);
                        _uploadsByBase.Add(glimpse.Base!, uploads);
                    }

                    uploads[glimpse.Content!] = glimpse.Asset!;
                    break;
                case JournalLine.Saved:
                    if (FingerprintOf(glimpse.RecordId!) is string owner)
                    {
                        Note(owner, span);
                    }

                    break;
                case JournalLine.Result:
                    _fingerprintByRecordId[glimpse.RecordId!] = glimpse.Fingerprint!;
                    Note(glimpse.Fingerprint!, span);
                    break;
                default:
                    Note(glimpse.Fingerprint!, span);
                    break;
            }
        }

        private void Note(string fingerprint, JournalLineSpan span)
        {
            if (!_linesByFingerprint.TryGetValue(fingerprint, out List<JournalLineSpan>? lines))
            {
                lines = new List<JournalLineSpan>(2);
                _linesByFingerprint.Add(fingerprint, lines);
            }

            lines.Add(span);
        }

        /// <summary>
        /// The fast way, for lines as this writer writes them: leading "name":value pairs without whitespace,
        /// escapes, nesting or non-ASCII text. True or false when it can tell; null when the line is written
        /// otherwise (it is then read as JSON).
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
                        if (line[end] == (byte)'{' || line[end] == (byte)'[' || line[end] == (byte)'"' || line[end] == (byte)' ')
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

                glimpse.Version = JournalLine.CurrentVersion;
                return Step.Continue;
            }

            if (name.SequenceEqual("kind"u8))
            {
                glimpse.Kind = isString ? KindOf(value) : null;
                return glimpse.Kind == null ? Step.Reject : Step.Continue;
            }

            string? text;
            if (name.SequenceEqual("fp"u8))
            {
                text = glimpse.Fingerprint = Ascii(value, ref _lastFingerprint);
            }
            else if (name.SequenceEqual("id"u8))
            {
                text = glimpse.RecordId = Ascii(value);
            }
            else if (name.SequenceEqual("base"u8))
            {
                text = glimpse.Base = Ascii(value, ref _lastBase);
            }
            else if (name.SequenceEqual("content"u8))
            {
                text = glimpse.Content = Ascii(value);
            }
            else if (name.SequenceEqual("asset"u8))
            {
                text = glimpse.Asset = Ascii(value);
            }
            else
            {
                return Step.Continue;
            }

            // Another type, or text the plain reading cannot take: let the JSON reader decide.
            return isString && text != null ? Step.Continue : Step.Fallback;
        }

        /// <summary>The slow way: any JSON object, read until its kind and what it is filed under are known.</summary>
        private bool ReadJsonPrefix(ReadOnlySpan<byte> utf8, ref Glimpse glimpse)
        {
            glimpse = new Glimpse();
            var reader = new Utf8JsonReader(utf8, isFinalBlock: true, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("v"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int version) || version != JournalLine.CurrentVersion)
                    {
                        return false;
                    }

                    glimpse.Version = version;
                }
                else if (reader.ValueTextEquals("kind"u8))
                {
                    reader.Read();
                    glimpse.Kind = JournalLineReader.KindOf(ref reader);
                    if (glimpse.Kind == null)
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("fp"u8))
                {
                    reader.Read();
                    glimpse.Fingerprint = reader.GetString();
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    glimpse.RecordId = reader.GetString();
                }
                else if (reader.ValueTextEquals("base"u8))
                {
                    reader.Read();
                    glimpse.Base = reader.GetString();
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    glimpse.Content = reader.GetString();
                }
                else if (reader.ValueTextEquals("asset"u8))
                {
                    reader.Read();
                    glimpse.Asset = reader.GetString();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }

                if (glimpse.IsComplete)
                {
                    return true;
                }
            }

            return false;
        }

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

        private string? Ascii(ReadOnlySpan<byte> value)
        {
            string? none = null;
            return Ascii(value, ref none);
        }

        /// <summary>
        /// An ASCII value as a string: <paramref name="recent"/> itself when equal (a result's fingerprint is its
        /// claim's; one service URL serves a batch), else a new string that becomes the recent one. Null for
        /// non-ASCII text (the line is then read as JSON).
        /// </summary>
        private string? Ascii(ReadOnlySpan<byte> value, ref string? recent)
        {
            if (recent != null && recent.Length == value.Length && SameAscii(value, recent))
            {
                return recent;
            }

            char[] chars = value.Length <= _chars.Length ? _chars : new char[value.Length];
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] >= 0x80)
                {
                    return null;
                }

                chars[i] = (char)value[i];
            }

            recent = new string(chars, 0, value.Length);
            return recent;
        }

        private static bool SameAscii(ReadOnlySpan<byte> value, string text)
        {
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] != text[i])
                {
                    return false;
                }
            }

            return true;
        }

        private enum Step
        {
            Continue,
            Reject,
            Fallback,
        }

        /// <summary>What a glance at a line found.</summary>
        private struct Glimpse
        {
            public int Version;
            public string? Kind;
            public string? Fingerprint;
            public string? RecordId;
            public string? Base;
            public string? Content;
            public string? Asset;

            /// <summary>The version, the kind, and what the kind is filed under are known.</summary>
            public bool IsComplete
            {
                get
                {
                    if (Version != JournalLine.CurrentVersion || Kind == null)
                    {
                        return false;
                    }

                    switch (Kind)
                    {
                        case JournalLine.Upload: return !string.IsNullOrEmpty(Base) && !string.IsNullOrEmpty(Content) && !string.IsNullOrEmpty(Asset);
                        case JournalLine.Saved: return !string.IsNullOrEmpty(RecordId);
                        case JournalLine.Result: return !string.IsNullOrEmpty(Fingerprint) && !string.IsNullOrEmpty(RecordId);
                        default: return !string.IsNullOrEmpty(Fingerprint);
                    }
                }
            }
        }
    }
}
