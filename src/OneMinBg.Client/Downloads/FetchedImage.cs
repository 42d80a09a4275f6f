using System;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// A downloaded, checked image still in its temporary file: moved into place later (on the pipeline thread,
/// together with its output), or discarded.
/// </summary>
public sealed class FetchedImage
{
    internal FetchedImage(string temporary, long length, string sha256, ImageInfo image, TimeSpan elapsed)
    {
        Temporary = temporary;
        Length = length;
        Sha256 = sha256;
        Image = image;
        Elapsed = elapsed;
    }

    /// <summary>The temporary file beside the destination.</summary>
    public string Temporary { get; }
    public long Length { get; }
    public string Sha256 { get; }
    public ImageInfo Image { get; }
    internal TimeSpan Elapsed { get; }

    /// <summary>Deletes the temporary file if it is still there.</summary>
    public void Discard() => PartialFiles.TryDelete(Temporary);
}

/// <summary>A path a fetched image may go to; <see cref="Overwrite"/>: replace the file there.</summary>
public sealed class SaveTarget
{
    public SaveTarget(string path, bool overwrite)
    {
        Path = path;
        Overwrite = overwrite;
    }

    public string Path { get; }
    public bool Overwrite { get; }
}
