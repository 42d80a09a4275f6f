using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Numerics;

namespace OneMinBg.Emulator;

/// <summary>Writes small, valid, solid-colour test images. <c>padBytes</c> grows a file by about that many
/// bytes with data every decoder skips (a private PNG chunk, JPEG comments, an unknown WebP chunk).</summary>
public static class TestImages
{
    /// <summary>Random-looking filler, fixed so that runs are repeatable.</summary>
    internal static readonly byte[] PadBlock = MakePadBlock();

    /// <summary>A colour per index, different for every index below 2^24 (multiplying by an odd number is a bijection mod 2^24).</summary>
    public static (byte R, byte G, byte B) ColorFor(int index)
    {
        var c = (uint)(index * 0x9E3779 + 0x3C6EF3) & 0xFFFFFF;
        return ((byte)(c >> 16), (byte)(c >> 8), (byte)c);
    }

    public static void WritePng(Stream output, int width, int height, byte r, byte g, byte b, long padBytes = 0)
        => PngWriter.Write(output, width, height, r, g, b, padBytes);

    /// <summary>A decodable baseline JPEG (4:4:4, 8x8 blocks carrying only a DC coefficient).</summary>
    public static void WriteJpeg(Stream output, int width, int height, byte r, byte g, byte b, long padBytes = 0)
    {
        CheckSize(width, height, 65535);
        output.Write([0xFF, 0xD8]); // SOI
        WriteSegment(output, 0xE0, [.. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        for (var left = padBytes; left > 4;)
        {
            var data = PadBlock.AsSpan(0, (int)Math.Min(left - 4, 65533));
            WriteSegment(output, 0xFE, data); // COM
            left -= 4 + data.Length;
        }

        // Quantisation table of ones keeps the DC value exact: a flat block's DC is 8 x (sample - 128).
        var dqt = new byte[65];
        Array.Fill(dqt, (byte)1, 1, 64);
        WriteSegment(output, 0xDB, dqt);
        WriteSegment(output, 0xC0, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width,
            3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
        // One DC table (the standard luminance one) and an AC table whose only symbol is end-of-block.
        WriteSegment(output, 0xC4, [0x00, .. JpegDcCounts, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
            0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        WriteSegment(output, 0xDA, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);

        double y = 0.299 * r + 0.587 * g + 0.114 * b;
        double cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
        double cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
        int[] dc = [Dc(y), Dc(cb), Dc(cr)];
        var bits = new JpegBitWriter(output);
        var blocks = (long)((width + 7) / 8) * ((height + 7) / 8);
        for (long i = 0; i < blocks; i++)
        {
            foreach (var value in dc)
            {
                var diff = i == 0 ? value : 0; // DC is coded as the difference to the previous block
                var category = diff == 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)Math.Abs(diff));
                var (code, length) = JpegDcCodes[category];
                bits.Write(code, length);
                bits.Write(diff < 0 ? diff + (1 << category) - 1 : diff, category);
                bits.Write(0, 1); // end of block
            }
        }
        bits.Flush();
        output.Write([0xFF, 0xD9]); // EOI

        static int Dc(double sample) => (int)Math.Round(8 * (sample - 128));
    }

    /// <summary>An extended (VP8X) WebP holding a lossless VP8L image in which every prefix code has a
    /// single symbol, so each pixel takes zero bits.</summary>
    public static void WriteWebp(Stream output, int width, int height, byte r, byte g, byte b, long padBytes = 0)
    {
        CheckSize(width, height, 16384);
        var bits = new List<byte> { 0x2F }; // VP8L signature
        int acc = 0, used = 0;
        void Put(int value, int count) // VP8L packs bits least significant first
        {
            for (var i = 0; i < count; i++)
            {
                acc |= ((value >> i) & 1) << used;
                if (++used == 8) { bits.Add((byte)acc); acc = used = 0; }
            }
        }
        Put(width - 1, 14);
        Put(height - 1, 14);
        Put(0, 4); // alpha unused, version 0
        Put(0, 3); // no transform, no colour cache, no meta prefix codes
        foreach (var symbol in new[] { g, r, b, (byte)255 })
        {
            Put(1, 1); Put(0, 1); Put(1, 1); // simple code, one symbol, 8-bit symbol
            Put(symbol, 8);
        }
        Put(0b0001, 4); // distance code: simple, one symbol, 1-bit symbol 0
        if (used > 0) bits.Add((byte)acc);

        var pad = padBytes > 8 ? padBytes - 8 : -1;
        long riffSize = 4 + (8 + 10) + ChunkSize(bits.Count) + (pad >= 0 ? ChunkSize(pad) : 0);
        output.Write("RIFF"u8);
        WriteUInt32(output, (uint)riffSize);
        output.Write("WEBP"u8);
        output.Write("VP8X"u8);
        WriteUInt32(output, 10);
        output.Write([0, 0, 0, 0]); // no ICC, alpha, EXIF, XMP or animation
        WriteUInt24(output, width - 1);
        WriteUInt24(output, height - 1);
        output.Write("VP8L"u8);
        WriteUInt32(output, (uint)bits.Count);
        output.Write(bits.ToArray());
        if (bits.Count % 2 == 1) output.WriteByte(0);
        if (pad < 0) return;
        output.Write("PADX"u8); // unknown chunks are ignored by readers of the extended format
        WriteUInt32(output, (uint)pad);
        for (var left = pad + (pad & 1); left > 0; left -= PadBlock.Length)
            output.Write(PadBlock, 0, (int)Math.Min(left, PadBlock.Length));

        static long ChunkSize(long size) => 8 + size + (size & 1);
    }

    internal delegate void ImageWriter(Stream output, int width, int height, byte r, byte g, byte b, long padBytes);

    internal static ImageWriter WriterFor(string format) => format switch
    {
        "png" => WritePng,
        "jpg" => WriteJpeg,
        "webp" => WriteWebp,
        _ => throw new ArgumentException($"unknown image format '{format}' (png, jpg or webp)"),
    };

    static readonly byte[] JpegDcCounts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    static readonly (int Code, int Length)[] JpegDcCodes = CanonicalCodes(JpegDcCounts);

    /// <summary>Huffman codes from a DHT "codes per length" list, in symbol order (JPEG Annex C).</summary>
    static (int, int)[] CanonicalCodes(byte[] counts)
    {
        var codes = new List<(int, int)>();
        var code = 0;
        for (var length = 1; length <= counts.Length; length++, code <<= 1)
        {
            for (var i = 0; i < counts[length - 1]; i++) codes.Add((code++, length));
        }
        return codes.ToArray();
    }

    static void CheckSize(int width, int height, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, max);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, max);
    }

    static void WriteSegment(Stream output, byte marker, ReadOnlySpan<byte> payload)
    {
        output.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        output.Write(payload);
    }

    static void WriteUInt32(Stream output, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        output.Write(bytes);
    }

    static void WriteUInt24(Stream output, int value) => output.Write([(byte)value, (byte)(value >> 8), (byte)(value >> 16)]);

    static byte[] MakePadBlock()
    {
        var block = new byte[1 << 20];
        new Random(20250101).NextBytes(block);
        return block;
    }

    /// <summary>Entropy-coded JPEG data: most significant bit first, a 0x00 stuffed after every 0xFF.</summary>
    sealed class JpegBitWriter(Stream output)
    {
        int _acc, _used;

        public void Write(int value, int count)
        {
            for (var i = count - 1; i >= 0; i--)
            {
                _acc = (_acc << 1) | ((value >> i) & 1);
                if (++_used < 8) continue;
                output.WriteByte((byte)_acc);
                if (_acc == 0xFF) output.WriteByte(0);
                _acc = _used = 0;
            }
        }

        public void Flush()
        {
            while (_used != 0) Write(1, 1); // pad the last byte with ones
        }
    }
}
