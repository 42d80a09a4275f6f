using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace OneMinBg.Pipeline;

/// <summary>
/// The one place paths are resolved: through PowerShell's own path API, so relative paths follow
/// Set-Location, PSDrives work, -LiteralPath takes '[' and ']' as they are, and other providers
/// (Env:, HKLM:, ...) are refused with a clear error.
/// </summary>
internal static class PathHelper
{
    private static readonly char[] WildcardCharacters = { '*', '?', '[', '`' };
    private static readonly char[] FolderEnds = { '/', '\\', ':' };

    /// <summary>
    /// Resolves one -Path (wildcards) or -LiteralPath value to existing files. Writes one
    /// non-terminating error for each value or match that is not a readable file and skips it.
    /// </summary>
    public static List<string> ResolveFiles(PSCmdlet cmdlet, string path, bool literal,
        Action<ErrorRecord> writeError)
    {
        PathInfo location = cmdlet.SessionState.Path.CurrentLocation;
        var files = new List<string>();
        ICollection<string> matches;
        ProviderInfo provider;
        try
        {
            if (literal || IsExistingFileNamedLikeAPattern(cmdlet, path))
            {
                matches = new[]
                {
                    cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _),
                };
            }
            else
            {
                matches = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
            }
        }
        catch (ItemNotFoundException ex)
        {
            writeError(ErrorRecords.Create(ex, "FileNotFound", ErrorCategory.ObjectNotFound, path,
                $"Cannot find the file '{path}'. Check the path and the current location ({location})."));
            return files;
        }
        catch (Exception ex) when (IsPathError(ex))
        {
            writeError(ErrorRecords.Create(ex, "InvalidPath", ErrorCategory.InvalidArgument, path,
                $"Cannot use the path '{path}': {ex.Message}"));
            return files;
        }

        if (!IsFileSystem(provider))
        {
            writeError(NotFileSystem(path, provider));
            return files;
        }

        if (matches.Count == 0)
        {
            writeError(ErrorRecords.Create("FileNotFound", ErrorCategory.ObjectNotFound, path,
                $"No file matches '{path}'. Check the pattern and the current location ({location})."));
        }

        foreach (string match in Hosting.WindowsPaths.Usable(matches, writeError))
        {
            if (Directory.Exists(match))
            {
                writeError(ErrorRecords.Create("PathIsDirectory", ErrorCategory.InvalidArgument, match,
                    $"'{match}' is a folder, not an image file. Pass its files instead, e.g. Get-ChildItem "
                    + $"'{match}' -File."));
            }
            else if (!File.Exists(match))
            {
                writeError(ErrorRecords.Create("FileNotFound", ErrorCategory.ObjectNotFound, match,
                    $"Cannot find the file '{match}'. Check the path and the current location ({location})."));
            }
            else
            {
                files.Add(match);
            }
        }
        return files;
    }

    /// <summary>
    /// A -Path such as 'shot [v2].png' from a CSV column names an existing file but, read as a
    /// wildcard, matches nothing (or something else). When the path as written is a file, it means that file.
    /// </summary>
    private static bool IsExistingFileNamedLikeAPattern(PSCmdlet cmdlet, string path)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(path))
        {
            return false;
        }
        try
        {
            string literal = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path,
                out ProviderInfo provider, out _);
            return IsFileSystem(provider) && File.Exists(literal);
        }
        catch (Exception ex) when (IsPathError(ex))
        {
            return false;
        }
    }

    /// <summary>
    /// Resolves a path to write to, which need not exist yet, on a FileSystem drive. Returns null
    /// with an error record (for the caller to throw: nothing can be written) when it cannot be used.
    /// </summary>
    public static string? ResolveForWriting(PSCmdlet cmdlet, string path, string parameterName, out ErrorRecord? error)
    {
        error = null;
        try
        {
            string resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path,
                out ProviderInfo provider, out _);
            if (!IsFileSystem(provider))
            {
                error = NotFileSystem(path, provider);
                return null;
            }
            return resolved;
        }
        catch (Exception ex) when (IsPathError(ex))
        {
            error = ErrorRecords.Create(ex, "InvalidPath", ErrorCategory.InvalidArgument, path,
                $"Cannot use '{path}' as {parameterName}: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// Resolves a wildcard pattern over paths that need not exist (the journal's, say): the folder the first
    /// wildcard (or backtick escape) is in is resolved as <see cref="ResolveForWriting"/> does (current location,
    /// PSDrives, ~), and the rest is kept as written, with this system's separator, for a
    /// <see cref="WildcardPattern"/>. The path API never sees a wildcard, which it may refuse on Windows.
    /// </summary>
    public static string? ResolvePattern(PSCmdlet cmdlet, string pattern, string parameterName,
        out ErrorRecord? error)
    {
        int wildcard = pattern.IndexOfAny(WildcardCharacters);
        if (wildcard < 0)
        {
            return ResolveForWriting(cmdlet, pattern, parameterName, out error);
        }

        // The folder (or drive) the pattern starts in, e.g. "./shots/" of "./shots/*.png"; none: the current one.
        int start = pattern.LastIndexOfAny(FolderEnds, wildcard) + 1;
        string? folder = ResolveForWriting(cmdlet, start == 0 ? "." : pattern.Substring(0, start), parameterName,
            out error);
        if (folder == null)
        {
            return null;
        }

        string rest = pattern.Substring(start).Replace('/', Path.DirectorySeparatorChar)
            .Replace('\\', Path.DirectorySeparatorChar);
        return folder.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            ? folder + rest
            : folder + Path.DirectorySeparatorChar + rest;
    }

    /// <summary>Like <see cref="ResolveForWriting"/>, for a folder: an existing file there is refused.</summary>
    public static string? ResolveFolder(PSCmdlet cmdlet, string path, string parameterName, out ErrorRecord? error)
    {
        string? resolved = ResolveForWriting(cmdlet, path, parameterName, out error);
        if (resolved != null && File.Exists(resolved))
        {
            error = ErrorRecords.Create("DestinationIsFile", ErrorCategory.InvalidArgument, path,
                $"'{resolved}' is a file; {parameterName} must be a folder.");
            return null;
        }
        return resolved;
    }

    /// <summary>What PowerShell's path API throws for a path it cannot use.</summary>
    private static bool IsPathError(Exception ex) =>
        ex is ProviderNotFoundException or System.Management.Automation.DriveNotFoundException
            or NotSupportedException or ArgumentException or PSArgumentException;

    private static bool IsFileSystem(ProviderInfo provider) =>
        string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase);

    private static ErrorRecord NotFileSystem(string path, ProviderInfo provider) =>
        ErrorRecords.Create("NotFileSystemPath", ErrorCategory.InvalidArgument, path,
            $"'{path}' is not a file: it is on the {provider.Name} provider. Pass a path on a FileSystem drive.");
}
