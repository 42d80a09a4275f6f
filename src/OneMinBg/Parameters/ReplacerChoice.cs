using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using OneMinBg.Client.Api;

namespace OneMinBg.Parameters;

/// <summary>
/// One of the Background Replacer's choices (-Size, -Quality, -Background): its values, and the check
/// every command uses, which is <see cref="BackgroundReplacer"/>'s Find function for it (any case).
/// </summary>
internal sealed class ReplacerChoice
{
    public static readonly ReplacerChoice Size =
        new ReplacerChoice("Size", BackgroundReplacer.FindSize, BackgroundReplacer.Sizes);

    public static readonly ReplacerChoice Quality =
        new ReplacerChoice("Quality", BackgroundReplacer.FindQuality, BackgroundReplacer.Qualities);

    public static readonly ReplacerChoice Background =
        new ReplacerChoice("Background", BackgroundReplacer.FindBackground, BackgroundReplacer.Backgrounds);

    private readonly Func<string?, string?> _find;

    private ReplacerChoice(string name, Func<string?, string?> find, IReadOnlyList<string> values)
    {
        Name = name;
        _find = find;
        Values = values;
    }

    /// <summary>The parameter's (and a CSV column's) name.</summary>
    public string Name { get; }

    public IReadOnlyList<string> Values { get; }

    public static ReplacerChoice Named(string name) => name switch
    {
        "Size" => Size,
        "Quality" => Quality,
        "Background" => Background,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a Background Replacer choice."),
    };

    /// <summary>The value in the service's spelling, or null when it is not one of <see cref="Values"/>.</summary>
    public string? Find(string value) => _find(value);

    /// <summary>Why a value is refused, in the words PowerShell's ValidateSet used (a size is not a set).</summary>
    public string Refusal(string value) => this == Size
        ? $"The argument \"{value}\" is not a size: give Auto, Source or WxH such as 1536x1024 (any case; empty "
            + "means the default)."
        : $"The argument \"{value}\" does not belong to the set \"{string.Join(",", Values)}\" (any case; "
            + "empty means the default).";
}

/// <summary>
/// Checks a choice at binding, for parameters that take no pipeline input (Set-OneMinBgConfig); a
/// pipeline-bound choice is checked by the command itself, so a bad row is one counted item error.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateReplacerChoiceAttribute : ValidateArgumentsAttribute
{
    private readonly ReplacerChoice _choice;

    public ValidateReplacerChoiceAttribute(string name) => _choice = ReplacerChoice.Named(name);

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        object? value = arguments is PSObject pso ? pso.BaseObject : arguments;
        if (value is string text && _choice.Find(text) == null)
        {
            throw new ValidationMetadataException(
                _choice.Refusal(text) + " Supply an argument that is in the set and then try the command again.");
        }
    }
}

/// <summary>
/// For choices that bind by property name: null and an Int64 become "" (not given). On Linux and
/// macOS pwsh gives every FileInfo a numeric Size property (its length in bytes), which would
/// otherwise bind to -Size from Get-ChildItem; a typed number (-Size 1024) is an Int32 and is checked.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class PipelineChoiceAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value is null or long ? "" : inputData;
    }
}

/// <summary>Tab completion of a choice, as ValidateSet gave it.</summary>
internal abstract class ReplacerChoiceCompleter : IArgumentCompleter
{
    private readonly ReplacerChoice _choice;

    protected ReplacerChoiceCompleter(ReplacerChoice choice) => _choice = choice;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        foreach (string value in _choice.Values)
        {
            if (value.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(value, value, CompletionResultType.ParameterValue, value);
            }
        }
    }
}

internal sealed class SizeCompleter : ReplacerChoiceCompleter
{
    public SizeCompleter()
        : base(ReplacerChoice.Size)
    {
    }
}

internal sealed class QualityCompleter : ReplacerChoiceCompleter
{
    public QualityCompleter()
        : base(ReplacerChoice.Quality)
    {
    }
}

internal sealed class BackgroundCompleter : ReplacerChoiceCompleter
{
    public BackgroundCompleter()
        : base(ReplacerChoice.Background)
    {
    }
}
