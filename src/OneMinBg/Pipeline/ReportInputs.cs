using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OneMinBg.Client.Reports;

namespace OneMinBg.Pipeline;

/// <summary>
/// Collects Export-BgReport's input into one <see cref="ReportItem"/> per image, in the order they came: BgResults
/// (live, deserialized, or rows of an exported CSV: they are read by property name) and Save-BgImage's files,
/// which are paired with their result by its id. A file with no result of its own brings its result along
/// (its BgResult note), so `Save-BgImage | Export-BgReport` needs nothing else. Error records about an image
/// (given as input, or written by a batch upstream) are its failure, unless a result for the same image came too.
/// </summary>
internal sealed class ReportInputs
{
    // Errors whose target is a destination, a report, a setting: not about the image.
    private static readonly HashSet<string> NotAboutImage = new HashSet<string>(StringComparer.Ordinal)
    {
        "DestinationExists", "DestinationUnwritable", "RelativeToNotFound", "InvalidNameTemplate", "ReportExists",
        "ReportReadOnly", "ReportUnwritable", "ReportPathIsFolder", "ConfigUnreadable", "NotReportInput",
    };

    private static readonly StringComparer PathComparer = Path.DirectorySeparatorChar == '\\'
        ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly List<ReportItem> _items = new List<ReportItem>();
    private readonly Dictionary<string, ReportItem> _byId = new Dictionary<string, ReportItem>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The report's items in order: an image's failure is left out when a result for the same image came (a
    /// result is the later, surer word), and an image failed twice (given and written upstream) shows once.
    /// </summary>
    public IReadOnlyList<ReportItem> Items
    {
        get
        {
            var results = new HashSet<string>(_items.Where(i => i.ErrorId == null).Select(KeyOf)
                .Where(key => key != null).Select(key => key!), PathComparer);
            var failures = new HashSet<string>(PathComparer);
            return _items.Where(i => i.ErrorId == null || KeyOf(i) is not string key
                || (!results.Contains(key) && failures.Add(key))).ToList();
        }
    }

    /// <summary>Takes one input object; false when it is neither a result nor a file Save-BgImage wrote, nor an
    /// error record of this module about an image.</summary>
    public bool Add(PSObject input)
    {
        if (input.BaseObject is ErrorRecord or IContainsErrorRecord)
        {
            ErrorRecord record = input.BaseObject as ErrorRecord ?? ((IContainsErrorRecord)input.BaseObject).ErrorRecord;
            // Another command's error (Get-ChildItem's, say) is not about an image of the batch.
            return record != null && record.FullyQualifiedErrorId?.Contains(",OneMinBg.") == true
                && !NotAboutImage.Contains(ErrorIdOf(record))
                && !(ErrorIdOf(record) == "JournalUnavailable" && record.CategoryInfo.Category == ErrorCategory.OpenError)
                && AddError(record, record.TargetObject);
        }
        // A file of Save-BgImage (also deserialized, e.g. from a job): its result travels with it.
        if (Value(input, SavedFile.ResultProperty) is object result && Text(input, "FullName") is string file)
        {
            ItemFor(ResultOf(input, PSObject.AsPSObject(result)), replace: false).ResultPath = file;
            return true;
        }
        if (input.BaseObject is FileSystemInfo)
        {
            return false;
        }
        if (input.BaseObject is not BgResult && (Value(input, "Id") == null || Value(input, "Status") == null))
        {
            return false;
        }
        ItemFor(input, replace: true);
        return true;
    }

    /// <summary>
    /// An image's failure: <paramref name="about"/> is the image (a path or URL, a FileInfo, a BgResult or a row
    /// of one, an input row); false when it names no image.
    /// </summary>
    public bool AddError(ErrorRecord record, object? about)
    {
        ReportItem? item = ItemAbout(about is PSObject wrapped ? wrapped.BaseObject : about);
        if (item == null)
        {
            return false;
        }
        _items.Add(Failed(item, record));
        return true;
    }

    /// <summary>
    /// A failure a batch upstream wrote about <paramref name="input"/> (the item it was given): never left out,
    /// so an item that is no image (an id Get-BgResult could not find) is named as it was given.
    /// </summary>
    public void AddUpstreamError(ErrorRecord record, object? input)
    {
        if (AddError(record, input) || AddError(record, record.TargetObject))
        {
            return;
        }
        string? name = (input ?? record.TargetObject)?.ToString();
        _items.Add(Failed(new ReportItem { Id = string.IsNullOrEmpty(name) ? null : name }, record));
    }

    private static ReportItem Failed(ReportItem item, ErrorRecord record)
    {
        item.ResultPath = null; // not what this run made of it
        item.ErrorId = ErrorIdOf(record);
        item.Error = record.ErrorDetails?.Message is { Length: > 0 } message ? message
            : record.Exception?.Message ?? item.ErrorId;
        item.RecommendedAction = record.ErrorDetails?.RecommendedAction is { Length: > 0 } action ? action : null;
        return item;
    }

    private static string ErrorIdOf(ErrorRecord record)
    {
        string id = record.FullyQualifiedErrorId ?? "";
        int comma = id.IndexOf(',');
        return comma >= 0 ? id.Substring(0, comma) : id;
    }

    private static ReportItem? ItemAbout(object? target)
    {
        switch (target)
        {
            case string text:
                return ImageNamed(text);
            case FileInfo file:
                return new ReportItem { SourcePath = file.FullName };
            case null:
            case FileSystemInfo:
                return null;
        }
        var item = PSObject.AsPSObject(target);
        if (target is BgResult || (Value(item, "Id") != null && Value(item, "Status") != null))
        {
            return From(item);
        }
        // A row of Invoke-BackgroundReplace's input.
        foreach (string name in new[] { "SourcePath", "LiteralPath", "FullName", "Path", "ImageUrl" })
        {
            if (Text(item, name) is string named && ImageNamed(named) is ReportItem row)
            {
                row.Prompt = Text(item, "Prompt");
                return row;
            }
        }
        return null;
    }

    /// <summary>A full path (a source file) or a web address; else (an id, a word) no image.</summary>
    private static ReportItem? ImageNamed(string text)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp
            || uri.Scheme == Uri.UriSchemeHttps))
        {
            return new ReportItem { ImageUrl = text };
        }
        try
        {
            return Path.IsPathRooted(text) ? new ReportItem { SourcePath = text } : null;
        }
        catch (ArgumentException)
        {
            return null; // characters no path has (Windows PowerShell)
        }
    }

    /// <summary>What tells an image apart: its source file, else its address, else its result's id.</summary>
    private static string? KeyOf(ReportItem item) => item.SourcePath ?? item.ImageUrl ?? item.Id;

    /// <summary>
    /// A saved file's result; serialized shallowly (Export-Clixml's default depth) it is only its name, and the
    /// file's own notes say what it was: a saved file is a result that succeeded.
    /// </summary>
    private static PSObject ResultOf(PSObject file, PSObject result)
    {
        if (Text(result, "Id") != null)
        {
            return result;
        }
        var known = new PSObject();
        known.Properties.Add(new PSNoteProperty("Id", Text(file, SavedFile.ResultIdProperty)));
        known.Properties.Add(new PSNoteProperty("Status", "SUCCESS"));
        known.Properties.Add(new PSNoteProperty("SourcePath", Text(file, SavedFile.SourcePathProperty)));
        return known;
    }

    /// <summary>
    /// The item of a result: the one its id already has (with <paramref name="replace"/>, by this later word on
    /// the record, e.g. Get-BgResult after Invoke-BackgroundReplace, keeping the file it was saved as), else a new
    /// one in its place in the order.
    /// </summary>
    private ReportItem ItemFor(PSObject result, bool replace)
    {
        string? id = Text(result, "Id");
        if (string.IsNullOrEmpty(id))
        {
            ReportItem single = From(result);
            _items.Add(single);
            return single;
        }
        if (_byId.TryGetValue(id!, out ReportItem? known))
        {
            if (!replace)
            {
                return known;
            }
            ReportItem later = From(result);
            later.ResultPath = known.ResultPath ?? later.ResultPath;
            _items[_items.IndexOf(known)] = later;
            _byId[id!] = later;
            return later;
        }
        ReportItem fresh = From(result);
        _items.Add(fresh);
        _byId[id!] = fresh;
        return fresh;
    }

    /// <summary>
    /// The one place a BgResult's properties are read. By name, so a deserialized result or a CSV row reads the
    /// same, and both the old names (DateTime times, no Credits) and the new ones (DateTimeOffset, Credits) work.
    /// </summary>
    private static ReportItem From(PSObject result)
    {
        string? saved = Text(result, "SavedPath");
        return new ReportItem
        {
            Id = Text(result, "Id"),
            Status = Text(result, "Status") ?? "",
            SourcePath = Text(result, "SourcePath"),
            ImageUrl = Text(result, "ImageUrl"),
            // The journal's record of where it was saved, while that file is there.
            ResultPath = saved != null && File.Exists(saved) ? saved : null,
            Prompt = Text(result, "Prompt"),
            Model = Text(result, "Model"),
            Size = Text(result, "Size"),
            Quality = Text(result, "Quality"),
            Background = Text(result, "Background"),
            Time = Time(Value(result, "CreatedAt")) ?? Time(Value(result, "RequestedAt")),
            Credits = Number(Value(result, "Credits")),
            Reused = Value(result, "Reused") switch
            {
                bool reused => reused,
                string text => bool.TryParse(text, out bool parsed) && parsed, // a CSV row
                _ => false,
            },
            Error = Text(result, "FailureReason"),
        };
    }

    private static object? Value(PSObject item, string name)
    {
        object? value = item.Properties[name]?.Value;
        return value is PSObject wrapped ? wrapped.BaseObject : value;
    }

    private static string? Text(PSObject item, string name) =>
        Value(item, name) is object value && value.ToString() is { Length: > 0 } text ? text : null;

    private static DateTimeOffset? Time(object? value) => value switch
    {
        DateTimeOffset offset => offset,
        // BgResult's DateTimes are UTC; one of unknown kind is taken as UTC too.
        DateTime time => new DateTimeOffset(time.Kind == DateTimeKind.Local ? time.ToUniversalTime()
            : DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed) => parsed,
        _ => null,
    };

    private static decimal? Number(object? value) => value switch
    {
        null => null,
        decimal d => d,
        string text => decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out decimal parsed)
            ? parsed : null,
        IConvertible convertible => convertible.ToDecimal(CultureInfo.InvariantCulture),
        _ => null,
    };
}
