using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace OneMinBg.Client.Downloads;

/// <summary>What one result's name can be made of (<see cref="NameTemplate"/> tokens).</summary>
public sealed class NameParts
{
    /// <param name="sourceContent">The source's identity: its SHA-256, or "url:" and its URL (the journal's
    /// <c>content</c>).</param>
    public NameParts(string recordId, string? sourcePath, string? imageUrl, IReadOnlyList<string> resultKeys,
        string sourceContent, string? size, string? prompt)
    {
        RecordId = recordId;
        BaseName = ResultFileName.BaseName(recordId, sourcePath, imageUrl);
        Extension = ResultFileName.SourceExtension(sourcePath, imageUrl);
        ResultExtension = ResultFileName.ExtensionOf(resultKeys);
        SourceContent = sourceContent;
        Hash8 = IsSha256(sourceContent) ? sourceContent.Substring(0, 8).ToLowerInvariant()
            : ResultFileName.Hash8(sourceContent);
        string id = ResultFileName.Clean(recordId);
        Id8 = id.Length > 8 ? id.Substring(0, 8) : id;
        Size = ResultFileName.Clean(string.IsNullOrWhiteSpace(size) ? "auto" : size!.Trim().ToLowerInvariant());
        Prompt8 = ResultFileName.Hash8(prompt ?? "");
    }

    public string RecordId { get; }
    public string BaseName { get; }
    public string Extension { get; }
    /// <summary>".png", ".jpg", ".jpeg" or ".webp": what the result image is.</summary>
    public string ResultExtension { get; }
    public string SourceContent { get; }
    public string Hash8 { get; }
    public string Id8 { get; }
    public string Size { get; }
    public string Prompt8 { get; }

    private static bool IsSha256(string text) =>
        text.Length == 64 && text.All(c => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

/// <summary>
/// A -NameTemplate: literal text and tokens in braces, checked once, up front. The result's extension is
/// added; the whole name is sanitised like the default one. The default is "{BaseName}_bg".
/// </summary>
public sealed class NameTemplate
{
    /// <summary>The tokens and what each becomes (docs/en-US/Save-BgImage.md lists them too).</summary>
    public static readonly IReadOnlyList<string> Tokens =
        new[] { "BaseName", "Extension", "RecordId", "Id8", "Hash8", "Size", "Prompt8" };

    private const string Tag = "\0tag";
    private readonly List<string> _segments;

    private NameTemplate(string text, List<string> segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>"{BaseName}_bg"; a name that must be told apart gets its tag after the base name.</summary>
    public static NameTemplate Default { get; } =
        new NameTemplate("{BaseName}_bg", new List<string> { "{BaseName}", Tag, "_bg" });

    public string Text { get; }

    /// <summary>The template as given.</summary>
    public override string ToString() => Text;

    /// <summary>Checks and reads a template.</summary>
    /// <exception cref="FormatException">The template is empty, holds a path separator, an unknown token or
    /// an unmatched brace; the message says which and lists the tokens.</exception>
    public static NameTemplate Parse(string template)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            throw Invalid(template ?? "", "it is empty");
        }

        if (template.IndexOfAny(new[] { '/', '\\' }) >= 0)
        {
            throw Invalid(template, "it holds a path separator; names cannot make folders (use -RelativeTo to "
                + "keep the source's folders)");
        }

        var segments = new List<string>();
        var literal = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '}')
            {
                throw Invalid(template, $"the '}}' at position {i + 1} closes no token");
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            int close = template.IndexOf('}', i + 1);
            int nextOpen = template.IndexOf('{', i + 1);
            if (close < 0 || (nextOpen >= 0 && nextOpen < close))
            {
                throw Invalid(template, $"the '{{' at position {i + 1} is not closed");
            }

            string name = template.Substring(i + 1, close - i - 1).Trim();
            string? token = Tokens.FirstOrDefault(t => string.Equals(t, name, StringComparison.OrdinalIgnoreCase));
            if (token == null)
            {
                throw Invalid(template, $"'{{{name}}}' is not a token");
            }

            if (literal.Length > 0)
            {
                segments.Add(literal.ToString());
                literal.Clear();
            }

            segments.Add("{" + token + "}");
            i = close;
        }

        if (literal.Length > 0)
        {
            segments.Add(literal.ToString());
        }

        segments.Add(Tag);
        return new NameTemplate(template, segments);
    }

    /// <summary>
    /// The file name for <paramref name="parts"/>: the template's text with its tokens replaced,
    /// <paramref name="tag"/> ("" or e.g. "_1a2b3c4d") where a name is told apart, sanitised, cut to fit, and
    /// the result's extension.
    /// </summary>
    public string Expand(NameParts parts, string tag)
    {
        var sb = new StringBuilder();
        foreach (string segment in _segments)
        {
            sb.Append(segment switch
            {
                Tag => tag,
                "{BaseName}" => parts.BaseName,
                "{Extension}" => parts.Extension,
                "{RecordId}" => ResultFileName.Clean(parts.RecordId),
                "{Id8}" => parts.Id8,
                "{Hash8}" => parts.Hash8,
                "{Size}" => parts.Size,
                "{Prompt8}" => parts.Prompt8,
                _ => segment,
            });
        }

        string stem = ResultFileName.Fit(ResultFileName.Clean(sb.ToString()), ResultFileName.MaxStemBytes);
        if (stem.Length == 0)
        {
            stem = parts.BaseName;
        }

        return stem + parts.ResultExtension;
    }

    private static FormatException Invalid(string template, string problem) => new FormatException(
        $"The -NameTemplate '{template}' cannot be used: {problem}. A template is text with tokens in braces: "
        + string.Join(", ", Tokens.Select(t => "{" + t + "}"))
        + "; the result's extension is added, e.g. '{BaseName}_{Size}' gives 'cat_1024x1024.png'.");
}
