using System.IO;

namespace OneMinBg.Client.Api;

/// <summary>
/// The file sent is not the one checked and hashed: it was changed after its check or while it was
/// being sent. The upload is not used, nothing is paid for and nothing is recorded under the old hash.
/// An IOException, so callers that handle an unreadable source file handle this too.
/// </summary>
public sealed class SourceChangedException : IOException
{
    public SourceChangedException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    /// <summary>The source file, as a full path.</summary>
    public string Path { get; }
}
