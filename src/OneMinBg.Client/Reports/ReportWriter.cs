using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace OneMinBg.Client.Reports;

/// <summary>What a report page is written with.</summary>
public sealed class ReportOptions
{
    public string Title { get; set; } = "Background replacement report";
    /// <summary>The folder the report is written in: picture links are relative to it.</summary>
    public string Folder { get; set; } = ".";
    public DateTimeOffset WrittenAt { get; set; } = DateTimeOffset.Now;
    /// <summary>The zone times are shown in (with their offset).</summary>
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Local;
}

/// <summary>
/// Writes the review page of a batch: one self-contained HTML file (inline CSS, no script, no font or anything
/// else from the network) with a summary at the top and, per image, its source beside its result (a checkerboard
/// behind the result shows transparency) and what was asked and charged. Pictures are linked, lazily loaded and
/// sized in advance, so a page of thousands of images opens at once and loads what is scrolled to.
/// </summary>
public static class ReportWriter
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss zzz";

    private const string Style = @"
:root { color-scheme: light; --line: #d6d9de; --muted: #5b6270; --done: #17803d; --reused: #2860c4;
  --failed: #c0262d; --pending: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  color: #1d2128; background: #f4f5f7; }
header { padding: 20px 20px 14px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 2px; font-size: 22px; }
.meta { margin: 0 0 14px; color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: 10px; margin: 0; padding: 0; list-style: none; }
.summary li { min-width: 120px; padding: 8px 14px; border: 1px solid var(--line); border-radius: 8px; background: #fafbfc; }
.summary b { display: block; font-size: 22px; }
.summary .done b { color: var(--done); } .summary .reused b { color: var(--reused); }
.summary .failed b { color: var(--failed); } .summary .pending b { color: var(--pending); }
details { margin-top: 12px; } summary { cursor: pointer; color: var(--failed); font-weight: 600; }
details ol { margin: 6px 0 0; padding-left: 22px; } details a { color: inherit; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 16px; padding: 16px 20px 28px; }
article { background: #fff; border: 1px solid var(--line); border-left: 5px solid var(--done); border-radius: 8px;
  padding: 12px 16px 10px; min-width: 0; }
article.reused { border-left-color: var(--reused); } article.failed { border-left-color: var(--failed); }
article.pending { border-left-color: var(--pending); }
h2 { display: flex; align-items: baseline; gap: 8px; margin: 0 0 10px; font-size: 15px; font-weight: 600; }
h2 .name { overflow-wrap: anywhere; }
.badge { flex: none; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; background: var(--done); }
.reused .badge { background: var(--reused); } .failed .badge { background: var(--failed); }
.pending .badge { background: var(--pending); }
.pics { display: flex; gap: 16px; flex-wrap: wrap; }
figure { margin: 0; }
.frame { display: flex; align-items: center; justify-content: center; width: 256px; height: 256px;
  border: 1px solid var(--line); border-radius: 4px; background: #fafbfc; overflow: hidden; }
.frame a, .frame img { display: block; }
.result .frame img { background: repeating-conic-gradient(#d9dce1 0% 25%, #fff 0% 50%) 0 0 / 16px 16px; }
.missing { width: 100%; height: 100%; display: flex; align-items: center; justify-content: center; padding: 18px;
  text-align: center; color: var(--muted); overflow-wrap: anywhere;
  background: repeating-linear-gradient(45deg, #fafbfc 0 10px, #f0f1f4 10px 20px); }
figcaption { margin-top: 3px; font-size: 12px; color: var(--muted); }
.todo { margin: 6px 0 0; color: var(--muted); overflow-wrap: anywhere; }
.error { margin: 10px 0 0; padding: 8px 10px; border-radius: 4px; background: #fdecec; color: #8a1c22;
  white-space: pre-wrap; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 10px 0 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.empty { padding: 40px 28px; color: var(--muted); }
";

    public static void Write(TextWriter writer, IReadOnlyList<ReportItem> items, ReportOptions options)
    {
        writer.NewLine = "\n";
        writer.WriteLine("<!DOCTYPE html>");
        writer.WriteLine("<html lang=\"en\">");
        writer.WriteLine("<head>");
        writer.WriteLine("<meta charset=\"utf-8\">");
        writer.WriteLine("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        writer.WriteLine("<meta name=\"generator\" content=\"OneMinBg Export-BgReport\">");
        writer.WriteLine($"<title>{Html.Escape(options.Title)}</title>");
        writer.WriteLine($"<style>{Style}</style>");
        writer.WriteLine("</head>");
        writer.WriteLine("<body>");
        WriteSummary(writer, items, options);
        if (items.Count == 0)
        {
            writer.WriteLine("<p class=\"empty\">No images were given to the report.</p>");
        }
        else
        {
            writer.WriteLine("<main>");
            for (int i = 0; i < items.Count; i++)
            {
                WriteItem(writer, items[i], i + 1, options);
            }
            writer.WriteLine("</main>");
        }
        writer.WriteLine("</body>");
        writer.WriteLine("</html>");
    }

    /// <summary>The class an image's card gets, which colours it: done, reused, failed or pending.</summary>
    internal static string KindOf(ReportItem item) => item.Outcome switch
    {
        ReportOutcome.Done => item.Reused ? "reused" : "done",
        ReportOutcome.Failed => "failed",
        _ => "pending",
    };

    private static void WriteSummary(TextWriter writer, IReadOnlyList<ReportItem> items, ReportOptions options)
    {
        int done = items.Count(i => i.Outcome == ReportOutcome.Done && !i.Reused);
        int reused = items.Count(i => i.Outcome == ReportOutcome.Done && i.Reused);
        int failed = items.Count(i => i.Outcome == ReportOutcome.Failed);
        int pending = items.Count(i => i.Outcome == ReportOutcome.NotFinished);
        // A reused result was paid for by an earlier run: this batch spent nothing on it.
        decimal spent = items.Where(i => !i.Reused && i.Credits.HasValue).Sum(i => i.Credits!.Value);
        int unknown = items.Count(i => !i.Reused && i.Outcome != ReportOutcome.NotFinished && !i.Credits.HasValue);

        writer.WriteLine("<header>");
        writer.WriteLine($"<h1>{Html.Escape(options.Title)}</h1>");
        writer.WriteLine($"<p class=\"meta\">{Count(items.Count, "image")}; written "
            + $"{Time(options.WrittenAt, options)} by Export-BgReport.</p>");
        writer.WriteLine("<ul class=\"summary\">");
        writer.WriteLine($"<li class=\"done\"><b>{done}</b>done</li>");
        writer.WriteLine($"<li class=\"reused\"><b>{reused}</b>reused (not charged again)</li>");
        writer.WriteLine($"<li class=\"failed\"><b>{failed}</b>failed</li>");
        if (pending > 0)
        {
            writer.WriteLine($"<li class=\"pending\"><b>{pending}</b>not finished</li>");
        }
        bool anyFigure = items.Any(i => !i.Reused && i.Credits.HasValue);
        string without = !anyFigure && unknown > 0 ? " (not reported)"
            : unknown > 0 ? $" ({Count(unknown, "image")} without a figure)" : "";
        writer.WriteLine($"<li class=\"credits\"><b>{(anyFigure || unknown == 0 ? Credits(spent) : "?")}</b>"
            + $"credits spent{Html.Escape(without)}</li>");
        writer.WriteLine("</ul>");

        var failures = items.Select((item, index) => (item, index)).Where(p => p.item.Outcome != ReportOutcome.Done)
            .ToList();
        if (failures.Count > 0)
        {
            // Open when short: the reviewer sees at once what went wrong; a long list stays one click away.
            writer.WriteLine(failures.Count <= 10 ? "<details open>" : "<details>");
            writer.WriteLine($"<summary>{Count(failures.Count, "image")} not done</summary>");
            writer.WriteLine("<ol>");
            foreach ((ReportItem item, int index) in failures)
            {
                string why = item.Error ?? $"status {item.Status}";
                writer.WriteLine($"<li><a href=\"#i{index + 1}\">{Html.Escape(NameOf(item, options))}</a>: "
                    + $"{Html.Escape(why)}</li>");
            }
            writer.WriteLine("</ol>");
            writer.WriteLine("</details>");
        }
        writer.WriteLine("</header>");
    }

    private static void WriteItem(TextWriter writer, ReportItem item, int number, ReportOptions options)
    {
        string kind = KindOf(item);
        string badge = kind switch
        {
            "done" => "Done",
            "reused" => "Reused",
            "failed" => "Failed",
            _ => item.Status.Length > 0 ? item.Status : "Not finished",
        };
        writer.WriteLine($"<article class=\"{kind}\" id=\"i{number}\">");
        writer.WriteLine($"<h2><span class=\"badge\">{Html.Escape(badge)}</span><span class=\"name\">"
            + $"{Html.Escape(NameOf(item, options))}</span></h2>");
        writer.WriteLine("<div class=\"pics\">");
        WritePicture(writer, "source", "Source", SourcePicture(item, options));
        WritePicture(writer, "result", "Result", ResultPicture(item, options));
        writer.WriteLine("</div>");
        if (item.Outcome != ReportOutcome.Done)
        {
            string error = item.Error ?? $"The service reported status '{item.Status}' and no reason.";
            writer.WriteLine($"<p class=\"error\">{Html.Escape(error)}</p>");
            if (item.RecommendedAction != null)
            {
                writer.WriteLine($"<p class=\"todo\">What to do: {Html.Escape(item.RecommendedAction)}</p>");
            }
        }
        writer.WriteLine("<dl>");
        Field(writer, "Prompt", item.Prompt);
        Field(writer, "Model", item.Model);
        Field(writer, "Size", item.Size);
        Field(writer, "Quality", item.Quality);
        Field(writer, "Background", item.Background);
        Field(writer, "Status", item.Status);
        if (item.Time is DateTimeOffset time)
        {
            DateTimeOffset local = TimeZoneInfo.ConvertTime(time, options.TimeZone);
            string iso = local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            writer.WriteLine($"<dt>Time</dt><dd><time datetime=\"{iso}\">{Time(time, options)}</time></dd>");
        }
        Field(writer, "Credits", item.Credits is decimal credits ? Credits(credits) + (item.Reused
            ? " (paid by an earlier run)" : "") : null);
        Field(writer, "Saved as", item.ResultPath == null ? null : Below(item.ResultPath, options));
        Field(writer, "Id", item.Id);
        Field(writer, "Error id", item.ErrorId);
        writer.WriteLine("</dl>");
        writer.WriteLine("</article>");
    }

    private static ReportPicture SourcePicture(ReportItem item, ReportOptions options) =>
        string.IsNullOrEmpty(item.SourcePath)
            ? ReportPicture.None(string.IsNullOrEmpty(item.ImageUrl) ? "No local source file"
                : $"No local source file: the image was given as {item.ImageUrl}")
            : ReportPicture.Of(options.Folder, item.SourcePath!, "Source file");

    private static ReportPicture ResultPicture(ReportItem item, ReportOptions options)
    {
        if (!string.IsNullOrEmpty(item.ResultPath))
        {
            return ReportPicture.Of(options.Folder, item.ResultPath!, "Saved result");
        }
        return ReportPicture.None(item.Outcome == ReportOutcome.Done
            ? "Result not saved: Save-BgImage downloads it"
            : "No result");
    }

    private static void WritePicture(TextWriter writer, string role, string caption, ReportPicture picture)
    {
        writer.Write($"<figure class=\"{role}\"><div class=\"frame\">");
        if (picture.Href != null)
        {
            // The picture opens the file itself, at its full size.
            string href = Html.Escape(picture.Href);
            writer.Write($"<a href=\"{href}\"><img src=\"{href}\" width=\"{picture.Width}\" "
                + $"height=\"{picture.Height}\" loading=\"lazy\" decoding=\"async\" alt=\"{caption}\"></a>");
        }
        else
        {
            writer.Write($"<div class=\"missing\">{Html.Escape(picture.Missing)}</div>");
        }
        writer.WriteLine($"</div><figcaption>{caption}</figcaption></figure>");
    }

    private static void Field(TextWriter writer, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteLine($"<dt>{name}</dt><dd>{Html.Escape(value)}</dd>");
        }
    }

    /// <summary>The source as a person tells it apart: below the report's folder, its path from there.</summary>
    internal static string NameOf(ReportItem item, ReportOptions options)
    {
        string? path = item.SourcePath;
        if (string.IsNullOrEmpty(path))
        {
            return item.ImageUrl ?? item.Id ?? "(no source)";
        }
        return Below(path!, options);
    }

    /// <summary>A path below the report's folder from there; any other path in full.</summary>
    private static string Below(string path, ReportOptions options)
    {
        string folder = Path.GetFullPath(options.Folder).TrimEnd(Path.DirectorySeparatorChar,
            Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return path.StartsWith(folder, StringComparison.Ordinal) ? path.Substring(folder.Length) : path;
    }

    private static string Time(DateTimeOffset time, ReportOptions options) =>
        TimeZoneInfo.ConvertTime(time, options.TimeZone).ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static string Credits(decimal credits) => credits.ToString("#,0.####", CultureInfo.InvariantCulture);

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
