using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;
using OneMinBg.Client.Config;
using OneMinBg.Parameters;
using OneMinBg.Pipeline;

namespace OneMinBg.Settings;

/// <summary>
/// The API key kept for scheduled tasks, so scripts need no plain-text key: a SecretManagement
/// secret (by name) when one is configured, else on Windows a DPAPI string (current user, via
/// ConvertFrom-SecureString), else a file beside the config that only the user can read.
/// </summary>
internal static class SavedKey
{
    public const string StorageSecret = "SecretManagement";
    public const string StorageDpapi = "DPAPI (current user)";
    public const string StorageFile = "File readable only by you (not encrypted)";

    /// <summary>Where the key is kept now, or null when none is saved.</summary>
    public static string? StorageOf(SavedConfig config, string configPath)
    {
        if (!string.IsNullOrEmpty(config.ApiKeySecretName))
        {
            return StorageSecret;
        }
        if (!string.IsNullOrEmpty(config.ApiKeyProtected))
        {
            return StorageDpapi;
        }
        return File.Exists(ConfigStore.KeyPath(configPath)) ? StorageFile : null;
    }

    public static string? Read(PSCmdlet cmdlet, SavedConfig config, string configPath)
    {
        if (!string.IsNullOrEmpty(config.ApiKeySecretName))
        {
            return ReadSecret(cmdlet, config.ApiKeySecretName!);
        }
        if (!string.IsNullOrEmpty(config.ApiKeyProtected))
        {
            Collection<PSObject> result = cmdlet.InvokeCommand.InvokeScript(
                "param($text) ConvertTo-SecureString -String $text",
                true, PipelineResultTypes.None, null, config.ApiKeyProtected);
            return result.Count == 1 && result[0].BaseObject is SecureString secure
                ? ApiKeyTransformationAttribute.ToPlainText(secure)
                : null;
        }
        try
        {
            return ConfigStore.ReadKey(configPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string keyPath = ConfigStore.KeyPath(configPath);
            cmdlet.ThrowTerminatingError(ErrorRecords.Create(ex, "ConfigUnreadable", ErrorCategory.ReadError, keyPath,
                $"Cannot read the saved API key '{keyPath}': {ex.Message}"));
            throw;
        }
    }

    /// <summary>
    /// Records the key in <paramref name="config"/>: DPAPI on Windows, else the owner-only key file that
    /// the returned change writes. Nothing is written here, so a later failure leaves the saved config as it was.
    /// </summary>
    public static KeyChange Protect(PSCmdlet cmdlet, SavedConfig config, SecureString key)
    {
        config.ApiKeySecretName = null;
        if (!ConfigStore.ProtectsKeyWithDpapi)
        {
            config.ApiKeyProtected = null;
            return KeyChange.Write(ApiKeyTransformationAttribute.ToPlainText(key));
        }
        Collection<PSObject> result = cmdlet.InvokeCommand.InvokeScript(
            "param($secure) ConvertFrom-SecureString -SecureString $secure",
            true, PipelineResultTypes.None, null, key);
        config.ApiKeyProtected = result[0].BaseObject as string;
        return KeyChange.Remove;
    }

    /// <summary>Forgets the key in <paramref name="config"/>; the returned change removes the key file.</summary>
    public static KeyChange Clear(SavedConfig config)
    {
        config.ApiKeySecretName = null;
        config.ApiKeyProtected = null;
        return KeyChange.Remove;
    }

    private static string? ReadSecret(PSCmdlet cmdlet, string name)
    {
        if (cmdlet.InvokeCommand.GetCommand("Get-Secret", CommandTypes.Cmdlet | CommandTypes.Function) == null)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.Create(
                "SecretManagementMissing", ErrorCategory.NotInstalled, name,
                $"The saved configuration reads the API key from the secret '{name}', but Get-Secret "
                + "(Microsoft.PowerShell.SecretManagement) is not available. Install that module and its vault, "
                + "or save the key with Set-OneMinBgConfig -ApiKey."));
        }
        try
        {
            Collection<PSObject> result = cmdlet.InvokeCommand.InvokeScript(
                "param($name) Get-Secret -Name $name -AsPlainText -ErrorAction Stop",
                true, PipelineResultTypes.None, null, name);
            return result.Count == 1 ? result[0].BaseObject?.ToString() : null;
        }
        catch (RuntimeException ex)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.Create(
                ex, "SecretUnavailable", ErrorCategory.AuthenticationError, name,
                $"Cannot read the API key from the secret '{name}': {ex.Message}"));
            throw;
        }
    }
}
