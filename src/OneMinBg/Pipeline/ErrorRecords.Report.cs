using System;
using System.Management.Automation;
using OneMinBg.Client.Reports;

namespace OneMinBg.Pipeline;

/// <summary>The errors of Export-BgReport: input it cannot use, and a report file it cannot write.</summary>
internal static partial class ErrorRecords
{
    public static ErrorRecord NotReportInput(object input) =>
        Create("NotReportInput", ErrorCategory.InvalidArgument, input,
            $"'{input}' is neither a result nor a file written by Save-BgImage, so it was left out of the report. "
            + "Pipe the BgResults of Invoke-BackgroundReplace or Get-BgResult, or the output of Save-BgImage.");

    public static ErrorRecord ReportPathIsFolder(string path) =>
        Create("ReportPathIsFolder", ErrorCategory.InvalidArgument, path,
            $"'{path}' is a folder. Give the report's file name, such as '{System.IO.Path.Combine(path, "report.html")}'.");

    public static ErrorRecord ReportExists(ReportExistsException ex) =>
        Create(ex, "ReportExists", ErrorCategory.ResourceExists, ex.Path,
            $"'{ex.Path}' already exists and -NoClobber was given; it was left as it is. Leave out -NoClobber to "
            + "replace it, or give another -Path.");

    public static ErrorRecord ReportReadOnly(ReportReadOnlyException ex) =>
        Create(ex, "ReportReadOnly", ErrorCategory.PermissionDenied, ex.Path,
            $"'{ex.Path}' is read-only; it was left as it is. Use -Force to replace it, or give another -Path.");

    public static ErrorRecord ReportUnwritable(Exception ex, string path) =>
        Create(ex, "ReportUnwritable", ErrorCategory.WriteError, path,
            $"Cannot write the report '{path}': {ex.Message} An earlier report there is kept as it was.");
}
