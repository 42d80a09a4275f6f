using System;
using System.IO;
using System.Text;

namespace OneMinBg.Client.Reports;

/// <summary>The report file exists and -NoClobber was given.</summary>
public sealed class ReportExistsException : IOException
{
    public ReportExistsException(string path)
        : base($"The file '{path}' already exists.") => Path = path;

    public string Path { get; }
}

/// <summary>The report file is read-only and -Force was not given.</summary>
public sealed class ReportReadOnlyException : IOException
{
    public ReportReadOnlyException(string path)
        : base($"The file '{path}' is read-only.") => Path = path;

    public string Path { get; }
}

/// <summary>
/// Writes a report file whole or not at all: into a temporary file beside it, then renamed over it, so a reader
/// (or a browser refreshing it) never sees half a page, and a failure keeps the earlier report.
/// </summary>
public static class ReportFile
{
    /// <exception cref="ReportExistsException">The file exists and <paramref name="noClobber"/> is set.</exception>
    /// <exception cref="ReportReadOnlyException">The file is read-only and <paramref name="force"/> is not set.
    /// </exception>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write there.</exception>
    public static void Write(string path, Action<TextWriter> write, bool noClobber, bool force)
    {
        var existing = new FileInfo(path);
        if (existing.Exists)
        {
            if (noClobber)
            {
                throw new ReportExistsException(path);
            }
            if (existing.IsReadOnly)
            {
                if (!force)
                {
                    throw new ReportReadOnlyException(path);
                }
                existing.IsReadOnly = false;
            }
        }

        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        string temporary = System.IO.Path.Combine(folder,
            $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                write(writer);
                writer.Flush();
                stream.Flush(true);
            }
            if (File.Exists(path) && !noClobber)
            {
                File.Replace(temporary, path, null);
            }
            else
            {
                // No file to replace; with -NoClobber this also refuses one that appeared meanwhile.
                File.Move(temporary, path);
            }
        }
        catch (IOException) when (noClobber && File.Exists(path))
        {
            throw new ReportExistsException(path);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
