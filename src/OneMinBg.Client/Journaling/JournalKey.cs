using System;
using System.Security.Cryptography;
using System.Text;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// A fingerprint, record id, content hash or service URL as a plain value, so that indexing 50,000 requests
/// holds no strings (nothing for the garbage collector to trace). Compared without ASCII case. 64 hex digits
/// (fingerprints, SHA-256) and GUIDs (record ids) are stored as their bytes; anything else as its SHA-256.
/// A key only finds candidates: what it finds is always checked against the full text of the line it leads to.
/// </summary>
internal readonly struct JournalKey : IEquatable<JournalKey>
{
    private const byte HexTag = 1;
    private const byte GuidTag = 2;
    private const byte HashTag = 3;

    [ThreadStatic]
    private static SHA256? _sha;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;
    private readonly byte _tag;

    private JournalKey(ulong a, ulong b, ulong c, ulong d, byte tag)
    {
        _a = a;
        _b = b;
        _c = c;
        _d = d;
        _tag = tag;
    }

    public static JournalKey Of(string text) => Of(Encoding.UTF8.GetBytes(text));

    /// <summary>The key of a value's UTF-8 text (as it stands in a line, without escapes).</summary>
    public static JournalKey Of(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 64 && TryHex(utf8, out JournalKey hex))
        {
            return hex;
        }

        if (utf8.Length == 36 && TryGuid(utf8, out JournalKey guid))
        {
            return guid;
        }

        return Hashed(utf8);
    }

    public bool Equals(JournalKey other) =>
        _a == other._a && _b == other._b && _c == other._c && _d == other._d && _tag == other._tag;

    public override bool Equals(object? obj) => obj is JournalKey other && Equals(other);

    /// <summary>Every kind of key is spread evenly already (hash, random GUID, SHA-256 hex).</summary>
    public override int GetHashCode() => (int)(_a ^ (_a >> 32) ^ _b ^ _c ^ _d) ^ _tag;

    private static bool TryHex(ReadOnlySpan<byte> utf8, out JournalKey key)
    {
        key = default;
        return TryHexWord(utf8.Slice(0, 16), out ulong a) && TryHexWord(utf8.Slice(16, 16), out ulong b)
            && TryHexWord(utf8.Slice(32, 16), out ulong c) && TryHexWord(utf8.Slice(48, 16), out ulong d)
            && Make(a, b, c, d, HexTag, out key);
    }

    /// <summary>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, the 32 digits read as two words.</summary>
    private static bool TryGuid(ReadOnlySpan<byte> utf8, out JournalKey key)
    {
        key = default;
        if (utf8[8] != (byte)'-' || utf8[13] != (byte)'-' || utf8[18] != (byte)'-' || utf8[23] != (byte)'-')
        {
            return false;
        }

        Span<byte> digits = stackalloc byte[32];
        utf8.Slice(0, 8).CopyTo(digits);
        utf8.Slice(9, 4).CopyTo(digits.Slice(8));
        utf8.Slice(14, 4).CopyTo(digits.Slice(12));
        utf8.Slice(19, 4).CopyTo(digits.Slice(16));
        utf8.Slice(24, 12).CopyTo(digits.Slice(20));
        return TryHexWord(digits.Slice(0, 16), out ulong a) && TryHexWord(digits.Slice(16, 16), out ulong b)
            && Make(a, b, 0, 0, GuidTag, out key);
    }

    private static bool Make(ulong a, ulong b, ulong c, ulong d, byte tag, out JournalKey key)
    {
        key = new JournalKey(a, b, c, d, tag);
        return true;
    }

    private static bool TryHexWord(ReadOnlySpan<byte> sixteen, out ulong value)
    {
        value = 0;
        foreach (byte c in sixteen)
        {
            int digit = HexDigit(c);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)digit;
        }

        return true;
    }

    private static int HexDigit(byte c)
    {
        if (c >= (byte)'0' && c <= (byte)'9')
        {
            return c - '0';
        }

        c |= 0x20; // ASCII lower case
        return c >= (byte)'a' && c <= (byte)'f' ? c - 'a' + 10 : -1;
    }

    private static JournalKey Hashed(ReadOnlySpan<byte> utf8)
    {
        byte[] lower = new byte[utf8.Length];
        for (int i = 0; i < utf8.Length; i++)
        {
            byte c = utf8[i];
            lower[i] = c >= (byte)'A' && c <= (byte)'Z' ? (byte)(c | 0x20) : c;
        }

        SHA256 sha = _sha ??= SHA256.Create();
        byte[] hash = sha.ComputeHash(lower);
        return new JournalKey(BitConverter.ToUInt64(hash, 0), BitConverter.ToUInt64(hash, 8), BitConverter.ToUInt64(hash, 16), BitConverter.ToUInt64(hash, 24), HashTag);
    }
}
