using System;
using System.Management.Automation;

namespace OneMinBg.Parameters;

/// <summary>
/// Refuses an empty or all-blank string at parameter binding, before anything is uploaded
/// (ValidateNotNullOrWhiteSpace is not in PowerShell 5.1).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateNotBlankAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        object? value = arguments is PSObject pso ? pso.BaseObject : arguments;
        if (value is string text && string.IsNullOrWhiteSpace(text))
        {
            throw new ValidationMetadataException(
                "The argument is blank. Describe the new background in words (1 to 4000 characters).");
        }
    }
}
