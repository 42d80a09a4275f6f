using System.Text;

namespace OneMinBg.Tests;

public sealed class ImageInspectorTests : TempDirTest
{

    [Theory]
    [InlineData(ImageFormat.Png, ".png", "image/png")]
    [InlineData(ImageFormat.Jpeg, ".jpg", "image/jpeg")]
    [InlineData(ImageFormat.WebP, ".webp", "image/webp")]
    public void Reads_format_and_dimensions(ImageFormat format, string extension, string mimeType)
    {
        string path = Images.Write(Dir, "image" + extension, format, 37, 21);

        ImageInfo info = ImageInspector.Inspect(path);

        Assert.Equal(format, info.Format);
        Assert.Equal(37, info.Width);
        Assert.Equal(21, info.Height);
        Assert.Equal(new FileInfo(path).Length, info.Length);
        Assert.Equal(extension, info.Extension);
        Assert.Equal(mimeType, info.MimeType);
    }

    [Theory]
    [InlineData(ImageFormat.Png)]
    [InlineData(ImageFormat.Jpeg)]
    [InlineData(ImageFormat.WebP)]
    public void Reads_the_header_and_trailer_only(ImageFormat format)
    {
        byte[] bytes = Images.Bytes(format, 64, 48, padBytes: 8 * 1024 * 1024);
        using var stream = new CountingStream(bytes);

        ImageInfo info = ImageInspector.Inspect(stream);

        Assert.Equal((64, 48), (info.Width, info.Height));
        Assert.InRange(stream.BytesRead, 1, 128 * 1024);
    }

    [Theory]
    [InlineData(ImageFormat.Png, 0.5)]
    [InlineData(ImageFormat.Png, 0.999)]
    [InlineData(ImageFormat.Jpeg, 0.5)]
    [InlineData(ImageFormat.Jpeg, 0.999)]
    [InlineData(ImageFormat.WebP, 0.5)]
    [InlineData(ImageFormat.WebP, 0.999)]
    public void Truncated_files_are_refused(ImageFormat format, double keep)
    {
        byte[] bytes = Images.Bytes(format, 300, 200, padBytes: 20_000);
        string path = Dir.File("cut.img");
        File.WriteAllBytes(path, bytes.Take((int)(bytes.Length * keep)).ToArray());

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(path));

        Assert.Equal(InvalidImageReason.Truncated, error.Reason);
        Assert.Equal(path, error.Path);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("again", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ImageFormat.Png, 8)]
    [InlineData(ImageFormat.Png, 20)]
    [InlineData(ImageFormat.Jpeg, 3)]
    [InlineData(ImageFormat.Jpeg, 25)]
    [InlineData(ImageFormat.WebP, 16)]
    public void A_file_cut_inside_its_header_is_truncated(ImageFormat format, int keep)
    {
        byte[] bytes = Images.Bytes(format);
        using var stream = new MemoryStream(bytes, 0, keep);

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(stream));

        Assert.Equal(InvalidImageReason.Truncated, error.Reason);
        Assert.Null(error.Path);
    }

    [Fact]
    public void Text_renamed_to_png_is_not_an_image()
    {
        string path = Dir.File("notes.png");
        File.WriteAllText(path, "These are my notes, not a picture.\n");

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(path));

        Assert.Equal(InvalidImageReason.NotAnImage, error.Reason);
        Assert.Equal($"'{path}' is not an image (its bytes are not PNG, JPEG or WebP). Convert it to PNG, JPEG or WebP.", error.Message);
    }

    [Theory]
    [InlineData("GIF89a\x01\x00\x01\x00\x80\x00\x00", "GIF")]
    [InlineData("GIF87a\x01\x00\x01\x00\x80\x00\x00", "GIF")]
    [InlineData("BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", "BMP")]
    [InlineData("II*\x00\x08\x00\x00\x00", "TIFF")]
    [InlineData("MM\x00*\x00\x00\x00\x08", "TIFF")]
    [InlineData("\x00\x00\x00\x18" + "ftypheic\x00\x00\x00\x00", "HEIC")]
    [InlineData("\x00\x00\x00\x1c" + "ftypavif\x00\x00\x00\x00", "AVIF")]
    [InlineData("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "SVG")]
    public void Other_image_formats_are_recognised_but_unsupported(string header, string formatName)
    {
        string path = Dir.File("picture.png");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(header + new string('\0', 64)));

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(path));

        Assert.Equal(InvalidImageReason.UnsupportedFormat, error.Reason);
        Assert.Contains($"is a {formatName} image", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Convert it to PNG, JPEG or WebP.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        string path = Dir.File("empty.jpg");
        File.WriteAllBytes(path, []);

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(path));

        Assert.Equal(InvalidImageReason.Empty, error.Reason);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_over_50_MB_is_refused_before_reading_it()
    {
        string path = Dir.File("huge.png");
        using (var file = File.Create(path))
        {
            file.Write(Images.Bytes(ImageFormat.Png));
            file.SetLength(ImageInspector.MaxUploadBytes + 1); // sparse: nothing of it is read
        }

        var error = Assert.Throws<InvalidImageException>(() => ImageInspector.Inspect(path));

        Assert.Equal(InvalidImageReason.TooLarge, error.Reason);
        Assert.Contains("50 MB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_throws_the_IO_error()
    {
        Assert.Throws<FileNotFoundException>(() => ImageInspector.Inspect(Dir.File("missing.png")));
    }

    [Fact]
    public void Inspecting_a_stream_leaves_its_position()
    {
        using var stream = new MemoryStream(Images.Bytes(ImageFormat.WebP, 10, 20));
        stream.Position = 7;

        ImageInfo info = ImageInspector.Inspect(stream);

        Assert.Equal((ImageFormat.WebP, 10, 20), (info.Format, info.Width, info.Height));
        Assert.Equal(7, stream.Position);
    }

    [Theory]
    [InlineData(1024, 1024, "1024x1024")]
    [InlineData(1000, 1500, "1024x1536")]
    [InlineData(3000, 2000, "1536x1024")]
    [InlineData(1, 100, "1024x1536")]
    [InlineData(100, 1, "1536x1024")]
    [InlineData(1224, 1000, "1024x1024")] // just under sqrt(1.5): nearer square
    [InlineData(1226, 1000, "1536x1024")] // just over
    [InlineData(1000, 1224, "1024x1024")] // log ratios: the same distances upright
    [InlineData(1000, 1226, "1024x1536")]
    public void ClosestSize_compares_log_ratios(int width, int height, string expected)
    {
        Assert.Equal(expected, BackgroundReplacer.ClosestSize(width, height));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, -1)]
    public void ClosestSize_refuses_non_positive_sizes(int width, int height)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BackgroundReplacer.ClosestSize(width, height));
    }

    /// <summary>A seekable stream that counts the bytes read from it.</summary>
    private sealed class CountingStream(byte[] data) : MemoryStream(data)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = base.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            int read = base.Read(buffer);
            BytesRead += read;
            return read;
        }
    }
}
