namespace OneMinBg.Client.Downloads;

/// <summary>
/// Where a download goes. <see cref="AdoptSame"/>: an existing destination (without <see cref="Overwrite"/>)
/// is compared with the download and kept when it holds the same bytes, refused otherwise.
/// <see cref="ExpectedSize"/>: "WxH" the image must have ("auto" or null: any).
/// </summary>
internal sealed class DownloadTarget
{
    public DownloadTarget(string path, bool overwrite, bool adoptSame = false, string? expectedSize = null)
    {
        Path = path;
        Overwrite = overwrite;
        AdoptSame = adoptSame;
        ExpectedSize = expectedSize;
    }

    public string Path { get; }
    public bool Overwrite { get; }
    public bool AdoptSame { get; }
    public string? ExpectedSize { get; }
}
