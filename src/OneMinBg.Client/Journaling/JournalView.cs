using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// The journal caught up with its file, for one lookup or one decision under the lock: the index says
/// where a request's lines are, and they are read again and folded (they never change). Disposed after it.
/// </summary>
internal sealed class JournalView : IDisposable
{
    private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

    private readonly JournalFile _file;
    private readonly JournalScan _scan;
    private readonly JournalLineReader _reader;
    private FileStream? _stream;

    public JournalView(JournalFile file, FileStream? stream, JournalScan scan, JournalLineReader reader)
    {
        _file = file;
        _stream = stream;
        _scan = scan;
        _reader = reader;
        file.CatchUp(stream, scan.Clear, scan.Add);
    }

    /// <summary>The state of one request, folded from its lines.</summary>
    public JournalIndex Fold(string fingerprint) => Fold(_scan.LinesOf(fingerprint));

    /// <summary>The state of the request a record was recorded for, folded from its lines.</summary>
    public JournalIndex FoldRecord(string recordId) => Fold(_scan.LinesOfRecord(recordId));

    /// <summary>Every request's state, folded from the whole file as far as it has been caught up.</summary>
    public JournalIndex FoldAll()
    {
        var index = new JournalIndex();
        _file.ReadAll(_stream, (line, _) => index.Apply(line));
        return index;
    }

    /// <summary>
    /// Every request's latest state and every attempt at it, folded from the whole file as far as it has been
    /// caught up; in the order of <see cref="JournalIndex.Entries"/>.
    /// </summary>
    public List<RequestHistory> FoldHistory()
    {
        var index = new JournalIndex();
        var history = new JournalHistory();
        _file.ReadAll(_stream, (utf8, _) =>
        {
            if (utf8.StartsWith(Utf8Bom))
            {
                utf8 = utf8.Slice(Utf8Bom.Length);
            }

            // The history takes exactly the lines the index takes, so the two never disagree.
            if (_reader.Read(utf8) is JournalLine line && index.Apply(line))
            {
                history.Apply(line);
            }
        });
        return index.Entries().Select(e => new RequestHistory(e, history.AttemptsOf(e.Fingerprint))).ToList();
    }

    /// <summary>The asset key of the upload line the scan points to, when that line says so.</summary>
    public string? FindUpload(string normalizedBase, string contentSha256)
    {
        if (!(_scan.UploadLine(normalizedBase, contentSha256) is JournalLineSpan span))
        {
            return null;
        }

        JournalLine? line = _reader.Read(_file.ReadLine(_stream, span.Offset, span.Length));
        return line != null && line.Kind == JournalLine.Upload && line.Base == normalizedBase
            && line.Content == contentSha256 && !string.IsNullOrEmpty(line.AssetKey)
            ? line.AssetKey
            : null;
    }

    /// <summary>Appends one line (under the lock) and notes it without reading it back.</summary>
    public void Append(JournalLine line) =>
        _file.Append(ref _stream, line.ToBytes(), line.Kind!, _scan.Clear, _scan.Add);

    /// <summary>Appends a line about a request; returns the entry as that line recorded it.</summary>
    public JournalEntry AppendAndFold(JournalLine line)
    {
        JournalIndex index = Fold(line.Fingerprint!);
        Append(line);
        if (!index.Apply(line))
        {
            throw new InvalidOperationException(
                $"The {line.Kind} line written to the journal '{_file.Path}' lacks what its kind needs.");
        }

        return index.LastChanged!;
    }

    public void Dispose() => _stream?.Dispose();

    private JournalIndex Fold(List<JournalLineSpan> lines)
    {
        var index = new JournalIndex();
        foreach (JournalLineSpan line in lines)
        {
            index.Apply(_file.ReadLine(_stream, line.Offset, line.Length));
        }

        return index;
    }
}
