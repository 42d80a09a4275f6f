using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.InteropServices;
using OneMinBg.Pipeline;

namespace OneMinBg.Hosting;

/// <summary>
/// Paths that Windows PowerShell 5.1 cannot open: .NET Framework, as powershell.exe runs it, refuses paths of
/// 260 characters or more (MAX_PATH) and a colon anywhere after the drive ("The given path's format is not
/// supported"), and its file checks then just say the file does not exist. A clear error per file instead.
/// PowerShell 7 handles long paths, and on Linux and macOS a colon is an ordinary character.
/// </summary>
internal static class WindowsPaths
{
    /// <summary>The first length .NET Framework refuses for a full path.</summary>
    public const int MaxPath = 260;

    private static readonly bool OnNetFramework =
        RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="fullPath"/> cannot be used under .NET Framework's rules, or null.</summary>
    public static string? Problem(string fullPath, bool netFramework)
    {
        if (!netFramework)
        {
            return null;
        }
        if (fullPath.Length >= MaxPath)
        {
            return $"the path is {fullPath.Length} characters long, and Windows PowerShell 5.1 opens paths of " +
                $"at most {MaxPath - 1}. Move the file to a shorter folder, or use PowerShell 7.";
        }
        // "C:\..." has its colon at index 1; "\\server\share\..." has none.
        int start = fullPath.Length > 1 && fullPath[1] == ':' ? 2 : 0;
        return fullPath.IndexOf(':', start) >= 0
            ? "it has a colon after the drive, which Windows does not allow in a file name (it names an " +
                "alternate data stream). Rename the file."
            : null;
    }

    /// <summary>The paths that can be used here; one error for each that cannot.</summary>
    public static ICollection<string> Usable(ICollection<string> fullPaths, Action<ErrorRecord> writeError)
    {
        var usable = new List<string>(fullPaths.Count);
        foreach (string path in fullPaths)
        {
            string? problem = Problem(path, OnNetFramework);
            if (problem == null)
            {
                usable.Add(path);
            }
            else
            {
                writeError(ErrorRecords.Create("PathNotSupported", ErrorCategory.InvalidArgument, path,
                    $"Cannot use '{path}': {problem}"));
            }
        }
        return usable;
    }
}
