namespace OneMinBg.Client.Images;

/// <summary>
/// A local image checked before anything is sent: what its header says and the hash of its content.
/// Made by <see cref="ImageInspector.Check"/> in one pass over the file; the upload uses these facts
/// instead of reading the file again.
/// </summary>
public sealed class SourceImage
{
    public SourceImage(string path, ImageInfo info, string sha256)
    {
        Path = path;
        Info = info;
        Sha256 = sha256;
    }

    /// <summary>The file, as the caller named it.</summary>
    public string Path { get; }
    public ImageInfo Info { get; }
    /// <summary>Lower-case hex SHA-256 of the content (<see cref="ContentHash"/>).</summary>
    public string Sha256 { get; }
}
