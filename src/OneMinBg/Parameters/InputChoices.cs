using System;
using System.Collections.Generic;
using System.Management.Automation;
using OneMinBg.Client.Api;
using OneMinBg.Pipeline;

namespace OneMinBg.Parameters;

/// <summary>
/// The prompt and the choices (-Size, -Quality, -Background) Invoke-BackgroundReplace has for one input, from
/// the command line or a piped row. They are checked here, not by the binder: a piped row the binder refused
/// would never reach the command, so it could not be counted in the summary.
/// </summary>
internal sealed class InputChoices
{
    private readonly bool _promptBound;
    private readonly bool _promptMayCome;
    private readonly string _model;
    private readonly bool _measurable;

    /// <summary>
    /// The values bound now: the command line's, and (while an input is processed) its row's. The size is
    /// checked against <paramref name="model"/>'s rule; <paramref name="measurable"/> is false without a local
    /// file (-ImageUrl), where Source cannot be worked out.
    /// </summary>
    public InputChoices(InvocationInfo invocation, string? prompt, string size, string quality, string background,
        string model, bool measurable)
    {
        _model = model;
        _measurable = measurable;
        IDictionary<string, object> bound = invocation.BoundParameters;
        _promptBound = bound.ContainsKey(nameof(Prompt));
        _promptMayCome = invocation.ExpectingInput;
        Prompt = prompt;
        Size = Chosen(bound, nameof(Size), size);
        Quality = Chosen(bound, nameof(Quality), quality);
        Background = Chosen(bound, nameof(Background), background);
    }

    public string? Prompt { get; }

    /// <summary>Null when not given, so the settings decide; after <see cref="Check"/>, the service's spelling.
    /// </summary>
    public string? Size { get; private set; }

    public string? Quality { get; private set; }

    public string? Background { get; private set; }

    /// <summary>
    /// Checks the prompt and the choices, and puts the choices in the service's spelling. With
    /// <paramref name="input"/> they are that input's (a piped row's); without, the command line's.
    /// </summary>
    public ErrorRecord? Check(string? input)
    {
        if (input != null && string.IsNullOrWhiteSpace(Prompt))
        {
            // Not given, or an empty cell: the row has no prompt (the command line's is checked in Begin).
            return ErrorRecords.PromptMissing(input);
        }
        if (input == null && !_promptBound && !_promptMayCome)
        {
            // Nothing can bring a prompt later: a mistake on the command line, reported before any work.
            return ErrorRecords.PromptMissing(null);
        }
        if (_promptBound && BackgroundReplacer.PromptProblem(Prompt) is string problem)
        {
            return ErrorRecords.InvalidArgument(nameof(Prompt), problem, input, Prompt);
        }
        return Check(ReplacerChoice.Size, Size, value => Size = value, input)
            ?? SizeProblem(input)
            ?? Check(ReplacerChoice.Quality, Quality, value => Quality = value, input)
            ?? Check(ReplacerChoice.Background, Background, value => Background = value, input);
    }

    private ErrorRecord? SizeProblem(string? input) =>
        Size != null && ImageModels.SizeProblem(_model, Size, _measurable) is string problem
            ? ErrorRecords.InvalidArgument(nameof(Size), problem, input, Size)
            : null;

    private static ErrorRecord? Check(ReplacerChoice choice, string? value, Action<string> normalized, string? input)
    {
        if (value == null)
        {
            return null;
        }
        string? found = choice.Find(value);
        if (found == null)
        {
            return ErrorRecords.InvalidArgument(choice.Name, choice.Refusal(value), input, value);
        }
        normalized(found);
        return null;
    }

    /// <summary>A choice given on the command line or by this row; blank (an empty cell) means not given.</summary>
    private static string? Chosen(IDictionary<string, object> bound, string parameterName, string value) =>
        bound.ContainsKey(parameterName) && !string.IsNullOrWhiteSpace(value) ? value : null;
}
