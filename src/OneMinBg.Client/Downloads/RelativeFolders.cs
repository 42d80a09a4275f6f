using System;
using System.Collections.Generic;
using System.IO;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Downloads;

/// <summary>
/// -RelativeTo: the folder under a destination that mirrors a source's folder under a root
/// (catalog/a/b/x.png → out/a/b). Each folder name is sanitised like a file name, so no ".." or rooted part can
/// lead outside the destination.
/// </summary>
public static class RelativeFolders
{
    /// <summary>
    /// The folder for <paramref name="sourcePath"/>'s result; null when the source is not a file inside
    /// <paramref name="root"/> (both full paths after resolving "..").
    /// </summary>
    public static string? Under(string destination, string root, string sourcePath)
    {
        string fullRoot = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
            + Path.DirectorySeparatorChar;
        string source;
        try
        {
            source = Path.GetFullPath(sourcePath);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }

        bool ignoreCase = !ReferenceEquals(JournalIndex.PathComparer, StringComparer.Ordinal);
        if (!source.StartsWith(fullRoot, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            return null;
        }

        string[] parts = source.Substring(fullRoot.Length)
            .Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar },
                StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return null;
        }

        var folders = new List<string> { Path.GetFullPath(destination) };
        for (int i = 0; i < parts.Length - 1; i++)
        {
            folders.Add(ResultFileName.FolderName(parts[i]));
        }

        return Path.Combine(folders.ToArray());
    }
}
