using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// Paid results the journal could not record (full disk, lock held too long, no access), kept until it can:
/// a file in "&lt;journal&gt;.rescue" beside the journal, else in the user's data folder
/// ("OneMinBg/rescue/&lt;hash of the journal's path&gt;"), else in memory for this instance. Every write under
/// the journal's lock first adds them to the journal (<see cref="FoldInto"/>), so the next run finds them.
/// docs/journal-format.md ("Rescue files") describes them. Not thread-safe: <see cref="Journal"/> serialises.
/// </summary>
internal sealed class JournalRescue
{
    private const string Extension = ".jsonl";

    private readonly string _runId;
    private readonly List<JournalLine> _pending = new List<JournalLine>();
    private readonly JournalLineReader _reader = new JournalLineReader();
    private int _sequence;

    /// <param name="dataFolder">The user's data folder: where the default journal is.</param>
    public JournalRescue(string journalPath, string dataFolder, string runId)
    {
        _runId = runId;
        string beside = journalPath + ".rescue";
        string data = Path.Combine(dataFolder, "rescue", Hash(journalPath));
        Folders = new[] { beside, data };
    }

    /// <summary>The default journal's path, in the user's data folder (<see cref="Journal.DefaultPath"/>).</summary>
    public static string DefaultPath()
    {
        string root;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        }
        else
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
            {
                root = xdg!;
            }
            else
            {
                string? home = Environment.GetEnvironmentVariable("HOME");
                if (string.IsNullOrEmpty(home))
                {
                    home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                }

                root = Path.Combine(home!, ".local", "share");
            }
        }

        return Path.Combine(root, "OneMinBg", "journal.jsonl");
    }

    /// <summary>Where rescue files go, in the order they are tried.</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>Keeps a result line; returns the file it was written to, or null when only memory holds it.
    /// </summary>
    public string? Keep(JournalLine line)
    {
        byte[] bytes = line.ToBytes();
        foreach (string folder in Folders)
        {
            string name = $"{_runId}-{++_sequence}";
            string path = Path.Combine(folder, name + Extension);
            string temporary = Path.Combine(folder, name + ".tmp");
            try
            {
                Directory.CreateDirectory(folder);
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, path); // whole or not at all: a reader never sees half a file
                return path;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                TryDelete(temporary);
            }
        }

        _pending.Add(line);
        return null;
    }

    /// <summary>
    /// Under the journal's lock: appends what was kept, a result whose record the journal knows already
    /// excepted, and deletes each rescue file once its lines are in. A failure leaves the rest for later.
    /// </summary>
    public void FoldInto(JournalView view)
    {
        while (_pending.Count > 0)
        {
            Append(view, _pending[0]);
            _pending.RemoveAt(0);
        }

        foreach (string folder in Folders)
        {
            if (!Directory.Exists(folder))
            {
                continue; // the usual case: one check per write
            }

            foreach (string file in Directory.GetFiles(folder, "*" + Extension))
            {
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(file);
                }
                catch (FileNotFoundException)
                {
                    continue; // another process folded it meanwhile
                }

                foreach (JournalLine line in Lines(bytes))
                {
                    Append(view, line);
                }

                TryDelete(file);
            }

            try
            {
                Directory.Delete(folder);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Not empty (a file being written, or one that could not be deleted): left for later.
            }
        }
    }

    private static void Append(JournalView view, JournalLine line)
    {
        if (line.Kind == JournalLine.Result && line.RecordId != null
            && view.FoldRecord(line.RecordId).FindByRecordId(line.RecordId) == null)
        {
            view.Append(line);
        }
    }

    private IEnumerable<JournalLine> Lines(byte[] bytes)
    {
        int start = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0)
            {
                yield break;
            }

            if (_reader.Read(new ReadOnlySpan<byte>(bytes, start, end - start)) is JournalLine line)
            {
                yield return line;
            }

            start = end + 1;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            // Folded again later; a result already known is not appended twice.
        }
    }

    /// <summary>The journal's full path as 16 hex digits: one folder per journal in the data folder.</summary>
    private static string Hash(string journalPath)
    {
        using var sha = SHA256.Create();
        byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(journalPath));
        var text = new StringBuilder(16);
        for (int i = 0; i < 8; i++)
        {
            text.Append(hash[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}

/// <summary>
/// A paid result the journal could not record. It is not lost: <see cref="Entry"/> is the result, to write
/// out, and <see cref="KeptAt"/> the rescue file the next run adds to the journal (null: kept in memory only,
/// until this process's next journal write).
/// </summary>
public sealed class ResultNotRecordedException : Exception
{
    internal ResultNotRecordedException(JournalEntry entry, string journalPath, string? keptAt, Exception inner)
        : base(Describe(entry, journalPath, keptAt, inner), inner)
    {
        Entry = entry;
        KeptAt = keptAt;
    }

    public JournalEntry Entry { get; }
    public string? KeptAt { get; }

    private static string Describe(JournalEntry entry, string journalPath, string? keptAt, Exception inner) =>
        $"The journal '{journalPath}' could not record the paid result {entry.RecordId}: {inner.Message} "
        + (keptAt != null
            ? $"The result is kept in '{keptAt}', which the next run adds to the journal, so it is not paid again."
            : $"It could not be kept on disk either: a later run may pay for the image again. Get-BgResult -Id "
                + $"{entry.RecordId} finds the result at the service.");
}
