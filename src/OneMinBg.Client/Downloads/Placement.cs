using System;
using System.Collections.Generic;
using System.IO;
using OneMinBg.Client.Common;
using OneMinBg.Client.Api;
using OneMinBg.Client.Http;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Downloads;

/// <summary>The last step of a save: a fetched image renamed into place, or adopted where it already is.</summary>
internal static class Placement
{
    /// <summary>
    /// Moves a fetched image to the first of <paramref name="targets"/> (all in one folder) that takes it: one
    /// that may be overwritten, one that is absent, or one that already holds these very bytes (adopted: kept,
    /// the download discarded). The temporary file is gone afterwards, whatever happens.
    /// </summary>
    /// <exception cref="DestinationExistsException">Every target holds another file (ContentDiffers).
    /// </exception>
    /// <exception cref="DestinationUnwritableException">The file cannot be moved into the folder.</exception>
    public static (DownloadedFile File, bool Adopted) Place(FetchedImage fetched, IReadOnlyList<SaveTarget> targets,
        Log log)
    {
        try
        {
            foreach (SaveTarget target in targets)
            {
                string destination = Path.GetFullPath(target.Path);
                var file = new DownloadedFile(destination, fetched.Length, fetched.Sha256, fetched.Image);
                if (!target.Overwrite && File.Exists(destination))
                {
                    if (HoldsSame(destination, fetched.Length, fetched.Sha256))
                    {
                        return (file, true);
                    }

                    continue;
                }

                try
                {
                    PartialFiles.MoveIntoPlace(fetched.Temporary, destination, target.Overwrite);
                }
                catch (DestinationExistsException) when (HoldsSame(destination, fetched.Length, fetched.Sha256))
                {
                    return (file, true); // written meanwhile, by another run of the same result
                }
                catch (DestinationExistsException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException ex)
                {
                    throw new DestinationUnwritableException(Path.GetDirectoryName(destination)!, ex);
                }

                log.Verbose($"Saved '{destination}' ({fetched.Image.Format} {fetched.Image.Width}x"
                    + $"{fetched.Image.Height}, {Text.FormatBytes(fetched.Length)}) in "
                    + $"{Text.FormatSeconds(fetched.Elapsed)}.");
                return (file, false);
            }

            throw new DestinationExistsException(Path.GetFullPath(targets[0].Path), contentDiffers: true);
        }
        finally
        {
            fetched.Discard();
        }
    }

    private static bool HoldsSame(string path, long length, string sha256) =>
        new FileInfo(path).Length == length
        && string.Equals(ContentHash.OfFile(path), sha256, StringComparison.OrdinalIgnoreCase);
}
