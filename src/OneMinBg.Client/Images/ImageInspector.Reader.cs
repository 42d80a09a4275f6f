using System;
using System.IO;
using System.Text;

namespace OneMinBg.Client.Images;

/// <summary>The format readers: each checks one format's header and that the file is complete.</summary>
public static partial class ImageInspector
{
    private readonly struct Reader
    {
        private const int MaxPngChunks = 1 << 20;
        private const int MaxCrcCheckedChunk = 4096; // IHDR, PLTE, IEND, text: not the large pixel data
        private static readonly byte[] JpegEnd = { 0xFF, 0xD9 };

        private readonly Stream _stream;
        private readonly string? _path;
        private readonly string _name;
        private readonly byte[] _head;
        private readonly long _length;

        public Reader(Stream stream, string? path, string name, byte[] head, long length)
        {
            _stream = stream;
            _path = path;
            _name = name;
            _head = head;
            _length = length;
        }

        public ImageInfo Png()
        {
            if (_head.Length < 33)
            {
                throw Truncated("PNG");
            }

            if (!StartsWithAscii(_head, 12, "IHDR") || BigEndian32(_head, 8) != 13)
            {
                throw Damaged("PNG");
            }

            uint width = BigEndian32(_head, 16);
            uint height = BigEndian32(_head, 20);
            WalkPngChunks();
            return Result(ImageFormat.Png, width, height, "PNG");
        }

        /// <summary>
        /// Follows the chunks from IHDR to IEND by their lengths (seeking past large ones), checking each type
        /// and the CRC of the small ones, and that there is image data: what a decoder needs. Bytes after
        /// IEND (padding, a NUL tail) are ignored, as decoders do.
        /// </summary>
        private void WalkPngChunks()
        {
            long position = 8;
            bool imageData = false;
            for (int chunk = 0; chunk < MaxPngChunks; chunk++)
            {
                byte[] header = ReadAt(_stream, position, 8);
                if (header.Length < 8)
                {
                    throw Truncated("PNG"); // the file ends before IEND
                }

                uint length = BigEndian32(header, 0);
                if (!IsChunkType(header, 4) || length > int.MaxValue)
                {
                    throw DamagedPng(position, "a chunk header that is not one");
                }

                long end = position + 12 + length;
                if (end > _length)
                {
                    throw Truncated("PNG");
                }

                if (length <= MaxCrcCheckedChunk)
                {
                    byte[] chunkBytes = ReadAt(_stream, position + 4, (int)length + 8);
                    if (Crc32.Compute(chunkBytes, 0, (int)length + 4) != BigEndian32(chunkBytes, (int)length + 4))
                    {
                        throw DamagedPng(position, "a chunk whose checksum (CRC) does not match its data");
                    }
                }

                if (StartsWithAscii(header, 4, "IDAT"))
                {
                    imageData = true;
                }
                else if (StartsWithAscii(header, 4, "IEND"))
                {
                    if (!imageData)
                    {
                        throw new InvalidImageException(InvalidImageReason.NotAnImage,
                            $"{_name} is a PNG file without image data (no IDAT chunk before IEND). "
                                + "Re-export it as PNG, JPEG or WebP.",
                            _path);
                    }

                    return;
                }

                position = end;
            }

            throw DamagedPng(position, $"more than {MaxPngChunks} chunks");
        }

        private static bool IsChunkType(byte[] data, int offset)
        {
            for (int i = offset; i < offset + 4; i++)
            {
                byte b = data[i];
                if (!((b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'a' && b <= (byte)'z')))
                {
                    return false;
                }
            }

            return true;
        }

        private InvalidImageException DamagedPng(long offset, string what) => new InvalidImageException(
            InvalidImageReason.NotAnImage,
            $"{_name} is not a readable image: it starts like a PNG file but its data is damaged ({what}, at "
                + $"byte {offset}). Re-export it as PNG, JPEG or WebP.",
            _path);

        public ImageInfo Jpeg()
        {
            // Walk the segments to the frame header (SOFn), seeking past each one.
            long position = 2;
            for (int segment = 0; segment < MaxJpegSegments; segment++)
            {
                byte[] marker = ReadAt(_stream, position, 9);
                if (marker.Length < 2)
                {
                    throw Truncated("JPEG");
                }

                if (marker[0] != 0xFF)
                {
                    throw Damaged("JPEG");
                }

                byte code = marker[1];
                if (code == 0xFF)
                {
                    position++; // fill byte
                    continue;
                }

                if (code == 0x01 || (code >= 0xD0 && code <= 0xD8))
                {
                    position += 2; // markers without a length
                    continue;
                }

                if (code == 0xD9 || code == 0xDA)
                {
                    throw Damaged("JPEG"); // end of image or scan data before any frame header
                }

                if (marker.Length < 4)
                {
                    throw Truncated("JPEG");
                }

                int segmentLength = BigEndian16(marker, 2);
                if (segmentLength < 2)
                {
                    throw Damaged("JPEG");
                }

                bool isFrame = code >= 0xC0 && code <= 0xCF && code != 0xC4 && code != 0xC8 && code != 0xCC;
                if (isFrame)
                {
                    if (marker.Length < 9)
                    {
                        throw Truncated("JPEG");
                    }

                    int height = BigEndian16(marker, 5);
                    int width = BigEndian16(marker, 7);
                    long frameEnd = position + 2 + segmentLength;
                    // The image ends with EOI (FF D9); look for it after the frame header only, so an
                    // embedded thumbnail's EOI does not count, tolerating a little trailing data.
                    if (frameEnd > _length || IndexOf(Tail(frameEnd), JpegEnd) < 0)
                    {
                        throw Truncated("JPEG");
                    }

                    return Result(ImageFormat.Jpeg, (uint)width, (uint)height, "JPEG");
                }

                position += 2 + segmentLength;
            }

            throw Damaged("JPEG");
        }

        public ImageInfo WebP()
        {
            if (_head.Length < 30)
            {
                throw Truncated("WebP");
            }

            uint riffLength = LittleEndian32(_head, 4);
            if (_length < 8L + riffLength)
            {
                throw Truncated("WebP");
            }

            string chunk = Encoding.ASCII.GetString(_head, 12, 4);
            switch (chunk)
            {
                case "VP8X":
                    return Result(ImageFormat.WebP, (uint)LittleEndian24(_head, 24) + 1,
                        (uint)LittleEndian24(_head, 27) + 1, "WebP");
                case "VP8 ":
                    if (!StartsWith(_head, 23, 0x9D, 0x01, 0x2A))
                    {
                        throw Damaged("WebP");
                    }

                    return Result(ImageFormat.WebP, (uint)(LittleEndian16(_head, 26) & 0x3FFF),
                        (uint)(LittleEndian16(_head, 28) & 0x3FFF), "WebP");
                case "VP8L":
                    if (_head[20] != 0x2F)
                    {
                        throw Damaged("WebP");
                    }

                    uint bits = LittleEndian32(_head, 21);
                    return Result(ImageFormat.WebP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, "WebP");
                default:
                    throw Damaged("WebP");
            }
        }

        /// <summary>The last bytes of the file, not before <paramref name="notBefore"/>.</summary>
        private byte[] Tail(long notBefore)
        {
            long start = Math.Max(notBefore, _length - TailLength);
            return ReadAt(_stream, start, (int)(_length - start));
        }

        private ImageInfo Result(ImageFormat format, uint width, uint height, string formatName)
        {
            if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            {
                throw Damaged(formatName);
            }

            return new ImageInfo(format, (int)width, (int)height, _length);
        }

        private InvalidImageException Truncated(string format) => new InvalidImageException(
            InvalidImageReason.Truncated,
            $"{_name} is a truncated {format} image (its data ends early, as from an interrupted copy or download). "
                + "Copy, export or download it again.",
            _path);

        private InvalidImageException Damaged(string format) => new InvalidImageException(
            InvalidImageReason.NotAnImage,
            $"{_name} is not a readable image (it starts like a {format} file but its header is damaged). "
                + "Re-export it as PNG, JPEG or WebP.",
            _path);
    }
}
