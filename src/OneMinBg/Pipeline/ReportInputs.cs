using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using OneMinBg.Client.Reports;

namespace OneMinBg.Pipeline;

/// <summary>
/// Collects Export-BgReport's input into one <see cref="ReportItem"/> per image, in the order they came: BgResults
/// (live, deserialized, or rows of an exported CSV: they are read by property name) and Save-BgImage's files,
/// which are paired with their result by its id. A file with no result of its own brings its result along
/// (its BgResult note), so `Save-BgImage | Export-BgReport` needs nothing else.
/// </summary>
internal sealed class ReportInputs
{
    private readonly List<ReportItem> _items = new List<ReportItem>();
    private readonly Dictionary<string, ReportItem> _byId = new Dictionary<string, ReportItem>(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<ReportItem> Items => _items;

    /// <summary>Takes one input object; false when it is neither a result nor a file Save-BgImage wrote.</summary>
    public bool Add(PSObject input)
    {
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
