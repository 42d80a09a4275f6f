using System;
using System.Management.Automation;
using System.Net;
using System.Security;

namespace OneMinBg.Parameters;

/// <summary>
/// Lets -ApiKey take a SecureString, a PSCredential (its password) or a plain string, so
/// scripts can pass (Get-Secret ...), (Get-Credential) or $env:SOMETHING alike.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ApiKeyTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            null => null,
            SecureString secure => secure,
            PSCredential credential => credential.Password,
            string text => ToSecureString(text),
            _ => throw new ArgumentTransformationMetadataException(
                $"-ApiKey takes a SecureString, a PSCredential or a string, not a {value.GetType().Name}."),
        };
    }

    private static SecureString ToSecureString(string text)
    {
        var secure = new SecureString();
        foreach (char c in text)
        {
            secure.AppendChar(c);
        }
        secure.MakeReadOnly();
        return secure;
    }

    internal static string ToPlainText(SecureString secure) => new NetworkCredential(string.Empty, secure).Password;
}
