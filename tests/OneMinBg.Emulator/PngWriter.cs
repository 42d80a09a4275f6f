using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace OneMinBg.Emulator;

/// <summary>A minimal PNG encoder for solid-colour RGB images (test inputs and emulated results).</summary>
internal static class PngWriter
{
    static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // Padding chunk type: ancillary (e), private (m), reserved bit clear (P), safe to copy (d), so decoders skip it.
    static readonly byte[] PadType = "emPd"u8.ToArray();

    // Every full padding chunk holds the same block, so its CRC is computed once: padding 500 files
    // to 5 MB then costs only the disk writes.
    static readonly uint FullPadCrc = Crc32.Compute(PadType, TestImages.PadBlock);

    const int ChunkOverhead = 12; // length + type + CRC

    public static byte[] Encode(int width, int height, byte r, byte g, byte b)
    {
        using var buffer = new MemoryStream();
        Write(buffer, width, height, r, g, b, 0);
        return buffer.ToArray();
    }

    public static void Write(Stream output, int width, int height, byte r, byte g, byte b, long padBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB; compression, filter and interlace stay 0
        WriteChunk(output, "IHDR"u8, header, Crc32.Compute("IHDR"u8, header));

        // Padding goes before IDAT so that a truncated download is missing the pixels, not just a trailer.
        var block = TestImages.PadBlock;
        for (var left = padBytes; left > ChunkOverhead;)
        {
            var data = block.AsSpan(0, (int)Math.Min(left - ChunkOverhead, block.Length));
            WriteChunk(output, PadType, data, data.Length == block.Length ? FullPadCrc : Crc32.Compute(PadType, data));
            left -= ChunkOverhead + data.Length;
        }

        var pixels = Deflate(width, height, r, g, b);
        WriteChunk(output, "IDAT"u8, pixels, Crc32.Compute("IDAT"u8, pixels));
        WriteChunk(output, "IEND"u8, [], Crc32.Compute("IEND"u8, []));
    }

    static byte[] Deflate(int width, int height, byte r, byte g, byte b)
    {
        var row = new byte[1 + 3 * width]; // leading 0 = filter "None"
        for (var x = 0; x < width; x++)
        {
            row[1 + 3 * x] = r;
            row[2 + 3 * x] = g;
            row[3 + 3 * x] = b;
        }
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var y = 0; y < height; y++) zlib.Write(row);
        }
        return compressed.ToArray();
    }

    static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data, uint crc)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }
}

/// <summary>CRC-32 (ISO-HDLC, the polynomial PNG uses) over a chunk's type and data.</summary>
internal static class Crc32
{
    static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data) => ~Update(Update(~0u, type), data);

    static uint Update(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
