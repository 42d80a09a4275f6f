using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace OneMinBg.Parameters;

/// <summary>
/// Keeps -Path (which takes pipeline input by value) from swallowing whole objects. The binder tries
/// the default parameter set's by-name bindings, then coerces the whole object to a string for
/// -Path, so a CSV row would arrive as "@{Path=...; Prompt=...}". Here a string stays as it is, a
/// FileInfo or Resolve-Path result becomes its exact path (wildcards escaped), an object with a Path
/// property (a CSV row, Resolve-Path output) gives that. An object that binds to another parameter set
/// (a LiteralPath or ImageUrl property: a BgResult, a CSV row) is declined so that binding goes on to
/// that set; anything else is refused with a message saying what fits.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class PathTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>Properties that bind the object to another parameter set of the command.</summary>
    private static readonly string[] OtherSets = { "LiteralPath", "LP", "ImageUrl" };

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        if (inputData is IList list && !(inputData is string))
        {
            var paths = new List<string>(list.Count);
            foreach (object? item in list)
            {
                paths.Add(ToPath(item) ?? throw NotForPath(item));
            }
            return paths.ToArray();
        }
        return new[] { ToPath(inputData) ?? throw NotForPath(inputData) };
    }

    /// <summary>
    /// The one failure after which the binder goes on to the other parameter sets (any other exception
    /// here ends binding with an error); -Path must not coerce such an object to a string either.
    /// </summary>
    private static PSInvalidCastException NotForPath(object? item) =>
        new PSInvalidCastException($"A {Unwrap(item)?.GetType().Name} binds to -LiteralPath or -ImageUrl, not -Path.");

    private static object? Unwrap(object? value) => value is PSObject pso ? pso.BaseObject : value;

    /// <summary>The path the item names; null when it binds to another parameter set instead.</summary>
    private static string? ToPath(object? item)
    {
        object? value = item is PSObject pso ? pso.BaseObject : item;
        switch (value)
        {
            case string text:
                return text;
            case FileSystemInfo info:
                return WildcardPattern.Escape(info.FullName);
            case PathInfo resolved:
                // Resolve-Path output is already resolved: its brackets are literal.
                return WildcardPattern.Escape(resolved.Path);
            case null:
                break;
            default:
                // A calculated property (Select-Object @{n='Path';e={...}}) holds a wrapped value.
                PSObject wrapper = PSObject.AsPSObject(item);
                switch (Unwrap(wrapper.Properties["Path"]?.Value))
                {
                    case string path:
                        return path;
                    case FileSystemInfo file:
                        return WildcardPattern.Escape(file.FullName);
                }
                if (Unwrap(wrapper.Properties["PSPath"]?.Value) is string psPath)
                {
                    return WildcardPattern.Escape(psPath);
                }
                foreach (string name in OtherSets)
                {
                    if (Unwrap(wrapper.Properties[name]?.Value) is string other && other.Length > 0)
                    {
                        return null;
                    }
                }
                break;
        }
        throw new ArgumentTransformationMetadataException(
            $"Cannot use a {value?.GetType().Name ?? "null"} as a path. Pass file paths, files from "
            + "Get-ChildItem, or objects with a Path, LiteralPath or ImageUrl property (e.g. rows of Import-Csv, or "
            + "BgResults).");
    }
}
