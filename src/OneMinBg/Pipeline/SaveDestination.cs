using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using OneMinBg.Client.Downloads;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

/// <summary>
/// Where Save-BgImage puts results: -Destination, or with -RelativeTo each source's folders below it, under
/// names from -NameTemplate. Used on the pipeline thread only.
/// </summary>
internal sealed class SaveDestination
{
    private readonly HashSet<string> _readyFolders = new HashSet<string>(StringComparer.Ordinal);
    private readonly string? _relativeTo;

    /// <summary>
    /// Resolves -Destination, -NameTemplate and -RelativeTo, in that order: one that cannot be used stops the
    /// command before anything is downloaded.
    /// </summary>
    public SaveDestination(PSCmdlet cmdlet, string destination, string? nameTemplate, string? relativeTo)
    {
        string? folder = PathHelper.ResolveFolder(cmdlet, destination, "-Destination", out ErrorRecord? error);
        if (folder == null)
        {
            cmdlet.ThrowTerminatingError(error!);
        }
        Folder = Path.GetFullPath(folder!);
        if (nameTemplate != null)
        {
            try
            {
                Template = NameTemplate.Parse(nameTemplate);
            }
            catch (FormatException ex)
            {
                cmdlet.ThrowTerminatingError(ErrorRecords.InvalidNameTemplate(ex, nameTemplate));
            }
        }
        if (relativeTo != null)
        {
            _relativeTo = ResolveRelativeTo(cmdlet, relativeTo);
        }
    }

    /// <summary>-Destination, in full.</summary>
    public string Folder { get; }

    public NameTemplate Template { get; } = NameTemplate.Default;

    /// <summary>
    /// The folder a result goes to: -Destination, or with -RelativeTo its source's folders below it. Null (with
    /// the error to write) for a source outside -RelativeTo.
    /// </summary>
    public string? FolderFor(BgResult result, string source, out ErrorRecord? error)
    {
        error = null;
        if (_relativeTo == null)
        {
            return Folder;
        }
        string? folder = string.IsNullOrEmpty(result.SourcePath) ? null
            : RelativeFolders.Under(Folder, _relativeTo, result.SourcePath!);
        if (folder == null)
        {
            error = ErrorRecords.SourceOutsideRelativeTo(result, source, _relativeTo);
        }
        return folder;
    }

    /// <summary>
    /// Readies a folder the first time a result goes there: downloads of a killed run stay as temporary files,
    /// which are removed (those of saves still running are kept). What was removed, for -Verbose; else null.
    /// </summary>
    /// <exception cref="DestinationUnwritableException">The folder cannot be created or written.</exception>
    public string? Prepare(string folder) => _readyFolders.Add(folder) ? SaveWorkflow.PrepareFolder(folder) : null;

    private static string ResolveRelativeTo(PSCmdlet cmdlet, string path)
    {
        string? resolved = PathHelper.ResolveForWriting(cmdlet, path, "-RelativeTo", out ErrorRecord? error);
        if (resolved == null)
        {
            cmdlet.ThrowTerminatingError(error!);
        }
        if (!Directory.Exists(resolved))
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.RelativeToNotFound(path, resolved!));
        }
        return Path.GetFullPath(resolved!);
    }
}
