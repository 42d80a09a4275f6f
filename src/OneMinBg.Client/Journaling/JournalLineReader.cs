using System;
using System.Collections.Generic;
using System.Text.Json;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// Parses journal lines. Loading a large journal is dominated by allocations, so property names are
/// matched without allocating, and a value equal to the same property's value on an earlier line (the
/// prompt and settings of a batch, a claim's request repeated by its result) reuses that string.
/// Not thread-safe: one per index.
/// </summary>
internal sealed class JournalLineReader
{
    private const int MaxNameLength = 16;

    private static readonly string[] Kinds = { JournalLine.Claim, JournalLine.Result, JournalLine.Upload, JournalLine.Saved, JournalLine.Failure, JournalLine.Release };

    private readonly string?[] _recent = new string?[(int)Slot.Count];

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

    /// <summary>Reads one line (without its '\n'). Null for anything but a well-formed object of this version and a known kind.</summary>
    public JournalLine? Read(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, isFinalBlock: true, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var line = new JournalLine();
            Span<char> name = stackalloc char[MaxNameLength];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int length = AsciiName(ref reader, name);
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (length < 0 || !ReadProperty(line, name.Slice(0, length), ref reader))
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return null; // cut short, or something after the object (two lines glued together)
            }

            return line.Version == JournalLine.CurrentVersion && line.Kind != null && line.At.HasValue ? line : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null; // a value of the wrong type
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Reads the value of a known property into <paramref name="line"/>; false for an unknown one (the caller skips it).</summary>
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
            case "id": line.RecordId = reader.GetString(); return true;
            case "status": line.Status = Shared(ref reader, Slot.Status); return true;
            case "keys": line.ResultKeys = ReadStrings(ref reader); return true;
            case "url": line.TemporaryUrl = reader.GetString(); return true;
            case "created": line.CreatedAt = reader.GetDateTimeOffset(); return true;
            case "used": line.UsedCredit = reader.GetDecimal(); return true;
            case "limit": line.CreditLimit = reader.GetDecimal(); return true;
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

    /// <summary>The kind as one of the constants; null for an unknown kind (the line is skipped).</summary>
    internal static string? KindOf(ref Utf8JsonReader reader)
    {
        foreach (string kind in Kinds)
        {
            if (reader.ValueTextEquals(kind))
            {
                return kind;
            }
        }

        reader.GetString(); // a string of another kind, or throws for another type
        return null;
    }

    /// <summary>The string value, as the same instance as the last one read for <paramref name="slot"/> when equal.</summary>
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
