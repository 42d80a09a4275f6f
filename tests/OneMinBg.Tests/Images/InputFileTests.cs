using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace OneMinBg.Tests;

/// <summary>
/// Hostile inputs, each refused for what it really is: files that are not regular files (never opened, so a
/// named pipe cannot hang the caller), and PNGs whose chunks a decoder could not use.
/// </summary>
public sealed class InputFileTests : TempDirTest
{
    [Fact]
    public async Task A_named_pipe_is_refused_without_being_opened()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Windows has no FIFOs in the file system
        }

        string path = Dir.File("pipe.png");
        using (var mkfifo = Process.Start("mkfifo", path))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Opening a FIFO blocks until a writer comes: a guard so a regression fails instead of hanging.
        var error = await Task.Run(() => Assert.Throws<InvalidImageException>(() => ImageInspector.Check(path)))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(InvalidImageReason.NotARegularFile, error.Reason);
        Assert.Contains("named pipe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_socket_is_refused_as_a_socket()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string path = Dir.File("socket.png");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Check(path));

        Assert.Equal(InvalidImageReason.NotARegularFile, error.Reason);
        Assert.Contains("a socket", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("holds it open", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_a_device_is_not_called_empty()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string path = Dir.File("random.png");
        File.CreateSymbolicLink(path, "/dev/urandom");

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Check(path));

        Assert.Equal(InvalidImageReason.NotARegularFile, error.Reason);
        Assert.Contains("character device", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_loop_is_named_as_one()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string path = Dir.File("loop.png");
        File.CreateSymbolicLink(path, path);

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Check(path));

        Assert.Equal(InvalidImageReason.NotARegularFile, error.Reason);
        Assert.Contains("loop", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_to_an_image_is_fine()
    {
        string target = Images.Write(Dir, "real.png", ImageFormat.Png);
        string path = Dir.File("link.png");
        File.CreateSymbolicLink(path, target);

        SourceImage image = ImageInspector.Check(path);

        Assert.Equal(ContentHash.OfFile(target), image.Sha256);
    }

    [Fact]
    public void A_png_with_a_nul_tail_after_iend_is_accepted()
    {
        byte[] png = Images.Bytes(ImageFormat.Png, 40, 30);
        string path = Dir.File("tail.png");
        File.WriteAllBytes(path, png.Concat(new byte[64 * 1024]).ToArray());

        ImageInfo info = ImageInspector.Inspect(path);

        Assert.Equal((40, 30), (info.Width, info.Height));
    }

    [Fact]
    public void A_png_without_image_data_is_refused_as_such()
    {
        byte[] png = Images.Bytes(ImageFormat.Png, 40, 30);
        var (offset, length) = Chunk(png, "IDAT");
        string path = Dir.File("noidat.png");
        File.WriteAllBytes(path, png.Take(offset).Concat(png.Skip(offset + length)).ToArray());

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(path));

        Assert.Equal(InvalidImageReason.NotAnImage, error.Reason);
        Assert.Contains("no IDAT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_png_with_garbage_between_ihdr_and_iend_is_refused_as_damaged()
    {
        byte[] png = Images.Bytes(ImageFormat.Png, 40, 30);
        var (offset, _) = Chunk(png, "IDAT");
        var garbage = new byte[5000];
        new Random(7).NextBytes(garbage);
        string path = Dir.File("garbage.png");
        File.WriteAllBytes(path, png.Take(offset).Concat(garbage).Concat(png.Skip(offset)).ToArray());

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(path));

        Assert.Equal(InvalidImageReason.NotAnImage, error.Reason);
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_png_chunk_with_a_wrong_crc_is_refused_as_damaged()
    {
        byte[] png = Images.Bytes(ImageFormat.Png, 40, 30);
        var (offset, _) = Chunk(png, "IDAT");
        png[offset + 8] ^= 0x01; // the first byte of the pixel data

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(new MemoryStream(png)));

        Assert.Equal(InvalidImageReason.NotAnImage, error.Reason);
        Assert.Contains("CRC", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Where a chunk of <paramref name="type"/> starts, and its length with its header and CRC.</summary>
    private static (int Offset, int Length) Chunk(byte[] png, string type)
    {
        for (int position = 8; position + 8 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            if (System.Text.Encoding.ASCII.GetString(png, position + 4, 4) == type)
            {
                return (position, length + 12);
            }

            position += length + 12;
        }

        throw new InvalidOperationException($"no {type} chunk");
    }
}
