using System;
using System.Collections.Generic;
using System.Text.Json;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// The one reader of the line format (docs/journal-format.md): a whole line for the fold, or a glance at
/// what a line is filed under for loading (<see cref="Glance"/>). Loading a large journal is dominated by
/// allocations, so property names are matched without allocating, and a value equal to the same
/// property's value on an earlier line (the prompt and settings of a batch, a claim's request repeated by
/// its result) reuses that string. Not thread-safe: one per user.
/// </summary>
internal sealed class JournalLineReader
{
    private const int MaxNameLength = 16;

    /// <summary>Stands for a kind this version does not know: such a line is skipped.</summary>
    private const string Unknown = "?";

    private static readonly string[] Kinds =
    {
        JournalLine.Claim, JournalLine.Result, JournalLine.Upload, JournalLine.Saved, JournalLine.Failure,
        JournalLine.Release, JournalLine.Sent, JournalLine.Accepted,
    };

    private readonly string?[] _recent = new string?[(int)Slot.Count];
    private readonly JournalLine _glance = new JournalLine();

    private enum Slot
    {
        Fingerprint,
        Content,
        SourcePath,
        ImageUrl,
        Prompt,
        Size,
        Quality,
        Background,
        Model,
        Base,
        Host,
        RunId,
        Status,
        FailureKind,
        Count,
    }

    /// <summary>
    /// Reads one line (without its '\n'). Null for anything but a well-formed object of this version and a
    /// known kind; a value of the wrong type for a known property also makes the line unusable.
    /// </summary>
    public JournalLine? Read(ReadOnlySpan<byte> utf8)
    {
        var line = new JournalLine();
        return Read(utf8, line, glance: false) ? line : null;
    }

    /// <summary>
    /// Reads a line only as far as its version, its kind and what that kind is filed under ("fp", and "id"
    /// for a result; "id" for a saved line; "base" and "content" for an upload): the writer puts them first,
    /// so the rest of the line is not looked at. The answer holds only those, and is reused by the next
    /// glance. Null when the line is unusable before that point; a line that passes may still be skipped
    /// by the fold.
    /// </summary>
    public JournalLine? Glance(ReadOnlySpan<byte> utf8)
    {
        JournalLine line = _glance;
        line.Version = 0;
        line.Kind = null;
        line.Fingerprint = line.RecordId = line.Base = line.Content = null;
        return Read(utf8, line, glance: true) ? line : null;
    }

    private bool Read(ReadOnlySpan<byte> utf8, JournalLine line, bool glance)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, isFinalBlock: true, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            Span<char> name = stackalloc char[MaxNameLength];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int length = AsciiName(ref reader, name);
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (glance)
                {
                    if (length < 0 || !IsGlanced(name.Slice(0, length)))
                    {
                        reader.Skip();
                        continue;
                    }

                    ReadProperty(line, name.Slice(0, length), ref reader);
                    if ((line.Version != 0 && line.Version != JournalLine.CurrentVersion) || line.Kind == Unknown)
                    {
                        return false;
                    }

                    if (IsFiled(line))
                    {
                        return true;
                    }
                }
                else if (length < 0 || !ReadProperty(line, name.Slice(0, length), ref reader))
                {
                    reader.Skip();
                }
            }

            if (glance || reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false; // cut short, or something after the object (two lines glued together)
            }

            return line.Version == JournalLine.CurrentVersion && line.Kind != null && line.Kind != Unknown
                && line.At.HasValue;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false; // a value of the wrong type
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsGlanced(ReadOnlySpan<char> name)
    {
        switch (name)
        {
            case "v": case "kind": case "fp": case "id": case "base": case "content": return true;
            default: return false;
        }
    }

    /// <summary>The version, the kind, and what the kind is filed under are known.</summary>
    private static bool IsFiled(JournalLine line)
    {
        if (line.Version != JournalLine.CurrentVersion || line.Kind == null)
        {
            return false;
        }

        switch (line.Kind)
        {
            case JournalLine.Upload: return !string.IsNullOrEmpty(line.Base) && !string.IsNullOrEmpty(line.Content);
            case JournalLine.Saved: return !string.IsNullOrEmpty(line.RecordId);
            case JournalLine.Result:
                return !string.IsNullOrEmpty(line.Fingerprint) && !string.IsNullOrEmpty(line.RecordId);
            default: return !string.IsNullOrEmpty(line.Fingerprint);
        }
    }

    /// <summary>Reads a known property's value into <paramref name="line"/>; false for an unknown one (the caller
    /// skips it).</summary>
    private bool ReadProperty(JournalLine line, scoped ReadOnlySpan<char> name, ref Utf8JsonReader reader)
    {
        switch (name)
        {
            case "v": line.Version = reader.TryGetInt32(out int v) ? v : -1; return true;
            case "kind": line.Kind = KindOf(ref reader); return true;
            case "at": line.At = reader.GetDateTimeOffset(); return true;
            case "fp": line.Fingerprint = Shared(ref reader, Slot.Fingerprint); return true;
            case "content": line.Content = Shared(ref reader, Slot.Content); return true;
            case "src": line.SourcePath = Shared(ref reader, Slot.SourcePath); return true;
            case "img": line.ImageUrl = Shared(ref reader, Slot.ImageUrl); return true;
            case "prompt": line.Prompt = Shared(ref reader, Slot.Prompt); return true;
            case "size": line.Size = Shared(ref reader, Slot.Size); return true;
            case "quality": line.Quality = Shared(ref reader, Slot.Quality); return true;
            case "bg": line.Background = Shared(ref reader, Slot.Background); return true;
            case "model": line.Model = Shared(ref reader, Slot.Model); return true;
            case "base": line.Base = Shared(ref reader, Slot.Base); return true;
            case "host": line.Host = Shared(ref reader, Slot.Host); return true;
            case "pid": line.ProcessId = reader.GetInt32(); return true;
            case "start": line.ProcessStartedAt = reader.GetDateTimeOffset(); return true;
            case "run": line.RunId = Shared(ref reader, Slot.RunId); return true;
            case "sentmark": line.SentMark = reader.GetBoolean(); return true;
            case "id": line.RecordId = reader.GetString(); return true;
            case "status": line.Status = Shared(ref reader, Slot.Status); return true;
            case "keys": line.ResultKeys = ReadStrings(ref reader); return true;
            case "url": line.TemporaryUrl = reader.GetString(); return true;
            case "created": line.CreatedAt = reader.GetDateTimeOffset(); return true;
            case "used": line.UsedCredit = reader.GetDecimal(); return true;
            case "limit": line.CreditLimit = reader.GetDecimal(); return true;
            case "cost": line.Credits = reader.GetDecimal(); return true;
            case "asset": line.AssetKey = reader.GetString(); return true;
            case "refresh": line.Refresh = reader.GetBoolean(); return true;
            case "fail": line.FailureKind = Shared(ref reader, Slot.FailureKind); return true;
            case "msg": line.Message = reader.GetString(); return true;
            case "charged": line.Charged = reader.GetBoolean(); return true;
            case "path": line.SavedPath = reader.GetString(); return true;
            case "len": line.SavedLength = reader.GetInt64(); return true;
            case "sha": line.SavedSha256 = reader.GetString(); return true;
            default: return false;
        }
    }

    /// <summary>The kind as one of the constants; <see cref="Unknown"/> for another (the line is skipped).</summary>
    private static string KindOf(ref Utf8JsonReader reader)
    {
        foreach (string kind in Kinds)
        {
            if (reader.ValueTextEquals(kind))
            {
                return kind;
            }
        }

        reader.GetString(); // a string of another kind, or throws for another type
        return Unknown;
    }

    /// <summary>The string value; the same instance as the last one read for <paramref name="slot"/> when
    /// equal.</summary>
    private string Shared(ref Utf8JsonReader reader, Slot slot)
    {
        string? recent = _recent[(int)slot];
        if (recent != null && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(recent))
        {
            return recent;
        }

        string value = reader.GetString()!;
        _recent[(int)slot] = value;
        return value;
    }

    /// <summary>
    /// The current property name as ASCII characters in <paramref name="buffer"/>, without allocating (a
    /// journal holds millions of them); -1 for a name that cannot be one of ours.
    /// </summary>
    private static int AsciiName(ref Utf8JsonReader reader, scoped Span<char> buffer)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > buffer.Length)
        {
            return -1;
        }

        ReadOnlySpan<byte> utf8 = reader.ValueSpan;
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] >= 0x80)
            {
                return -1;
            }

            buffer[i] = (char)utf8[i];
        }

        return utf8.Length;
    }

    private static IReadOnlyList<string> ReadStrings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidOperationException("keys is not an array");
        }

        var list = new List<string>(1);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(reader.GetString() ?? "");
        }

        return list;
    }
}
