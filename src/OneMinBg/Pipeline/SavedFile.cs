using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Management.Automation;

namespace OneMinBg.Pipeline;

/// <summary>
/// What Save-BgImage writes for a saved file: the file system provider's own item, as Get-Item writes it, so
/// PSPath binds the file cmdlets downstream ('[ ]' in a name is not taken as a wildcard) and pwsh's Unix columns
/// (UnixMode, User, Group, Size, read from the provider's UnixStat) are filled; with notes that tie it to its
/// result, for Export-BgReport and for people. Called on the pipeline thread only: the provider is not
/// thread-safe.
/// </summary>
internal static class SavedFile
{
    public const string ResultIdProperty = "BgResultId";
    public const string SourcePathProperty = "BgSourcePath";
    public const string ResultProperty = "BgResult";

    public static PSObject For(PSCmdlet cmdlet, string path, BgResult result)
    {
        PSObject item = ItemFor(cmdlet, path);
        item.Properties.Add(new PSNoteProperty(ResultIdProperty, result.Id));
        item.Properties.Add(new PSNoteProperty(SourcePathProperty, result.SourcePath));
        item.Properties.Add(new PSNoteProperty(ResultProperty, result));
        return item;
    }

    /// <summary>The file as Get-Item writes it (Export-BgReport -PassThru, too).</summary>
    public static PSObject ItemFor(PSCmdlet cmdlet, string path)
    {
        try
        {
            // A full native path is taken as a file system path from any current location (also Env: or HKLM:);
            // force, as Get-Item -Force, so a hidden file is found too.
            Collection<PSObject> items = cmdlet.InvokeProvider.Item.Get(new[] { path }, force: true, literalPath: true);
            if (items.Count == 1 && items[0].BaseObject is FileInfo)
            {
                return items[0];
            }
        }
        catch (Exception ex) when (ex is ProviderInvocationException or ItemNotFoundException
            or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException)
        {
            // The file is in place and journaled, whatever the provider says: it still reaches the pipeline.
        }
        return PSObject.AsPSObject(new FileInfo(path));
    }
}
