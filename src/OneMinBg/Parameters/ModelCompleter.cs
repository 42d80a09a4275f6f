using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Language;
using OneMinBg.Client.Api;
using OneMinBg.Client.Config;

namespace OneMinBg.Parameters;

/// <summary>Completes -Model from the model table, and the saved model when it is not one of them.</summary>
internal sealed class ModelCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        var names = new List<(string Name, string Tooltip)>();
        foreach (ImageModel model in ImageModels.Known)
        {
            names.Add((model.Name, $"{model.Name}: {model.Note}"));
        }
        if (SavedModel() is string saved && ImageModels.Find(saved) == null)
        {
            names.Add((saved, $"{saved}: the saved model (Set-OneMinBgConfig -Model)"));
        }
        foreach ((string name, string tooltip) in names)
        {
            if (name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, tooltip);
            }
        }
    }

    private static string? SavedModel()
    {
        try
        {
            string? model = ConfigStore.Load(ConfigStore.DefaultPath).Model;
            return string.IsNullOrWhiteSpace(model) ? null : model!.Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException
            or ArgumentException or NotSupportedException)
        {
            return null; // completion never fails loudly
        }
    }
}
