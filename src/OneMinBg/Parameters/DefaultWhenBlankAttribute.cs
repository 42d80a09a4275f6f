using System;
using System.Management.Automation;

namespace OneMinBg.Parameters;

/// <summary>
/// For settings that bind by property name: a blank value (an empty CSV column) means the
/// default. So does an Int64, because on Linux and macOS pwsh gives every FileInfo a numeric
/// Size property (its length in bytes), which would otherwise bind to -Size from Get-ChildItem.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class DefaultWhenBlankAttribute : ArgumentTransformationAttribute
{
    private readonly string _default;

    public DefaultWhenBlankAttribute(string defaultValue) => _default = defaultValue;

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            null => _default,
            string text when string.IsNullOrWhiteSpace(text) => _default,
            long => _default,
            _ => inputData,
        };
    }
}
