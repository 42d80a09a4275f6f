using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using OneMinBg.Abstractions;
using OneMinBg.Client.Api;
using OneMinBg.Client.Config;
using OneMinBg.Parameters;
using OneMinBg.Pipeline;
using OneMinBg.Settings;

namespace OneMinBg.Commands;

/// <summary>
/// Saves per-user defaults (API URL, throttle, rate limit, journal, image settings, proxy) and the
/// API key, kept protected, so scheduled tasks need no key in their scripts.
/// </summary>
[Cmdlet(VerbsCommon.Set, "OneMinBgConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OneMinBgConfig))]
public sealed class SetOneMinBgConfigCommand : OneMinCmdlet
{
    /// <summary>The key to keep: DPAPI on Windows, a file only you can read elsewhere.</summary>
    [Parameter]
    [ApiKeyTransformation]
    [ValidateNotNull]
    public SecureString? ApiKey { get; set; }

    /// <summary>Read the key from this SecretManagement secret instead of keeping it here.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiKeySecretName { get; set; }

    [Parameter]
    [ValidateNotNull]
    public Uri? BaseUri { get; set; }

    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; }

    [Parameter]
    [ValidateRange(0, 1000000)]
    public int RequestsPerMinute { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JournalPath { get; set; }

    [Parameter]
    [ValidateReplacerChoice(nameof(Size))]
    [ArgumentCompleter(typeof(SizeCompleter))]
    public string? Size { get; set; }

    [Parameter]
    [ValidateReplacerChoice(nameof(Quality))]
    [ArgumentCompleter(typeof(QualityCompleter))]
    public string? Quality { get; set; }

    [Parameter]
    [ValidateReplacerChoice(nameof(Background))]
    [ArgumentCompleter(typeof(BackgroundCompleter))]
    public string? Background { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelCompleter))]
    public string? Model { get; set; }

    [Parameter]
    [ValidateNotNull]
    public Uri? Proxy { get; set; }

    /// <summary>Forget the saved key (and secret name).</summary>
    [Parameter]
    public SwitchParameter ClearApiKey { get; set; }

    /// <summary>Remove the whole saved configuration, key included, before applying the other parameters.</summary>
    [Parameter]
    public SwitchParameter Reset { get; set; }

    /// <summary>Write the resulting configuration.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        string path = ConfigPath;
        if (!ShouldProcess(path, "Save OneMinBg defaults"))
        {
            return;
        }
        try
        {
            // Everything is decided (and the warning shown, which may prompt) before anything is written.
            SavedConfig config = Reset ? new SavedConfig() : Config;
            KeyChange key = Reset ? KeyChange.Remove : KeyChange.Keep;
            Apply(config);
            if (ClearApiKey)
            {
                key = SavedKey.Clear(config);
            }
            if (ApiKeySecretName != null)
            {
                key = SavedKey.Clear(config);
                config.ApiKeySecretName = ApiKeySecretName;
            }
            if (ApiKey != null)
            {
                key = SavedKey.Protect(this, config, ApiKey);
                if (!ConfigStore.ProtectsKeyWithDpapi)
                {
                    WriteWarning($"The API key is kept in '{ConfigStore.KeyPath(path)}', readable only by you "
                        + "but not encrypted. To encrypt it, keep it in a SecretManagement vault and use "
                        + "-ApiKeySecretName.");
                }
            }
            ConfigStore.Commit(path, config, key);
            if (PassThru)
            {
                WriteObject(OneMinBgConfig.From(config, path));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(ErrorRecords.Create(ex, "ConfigUnwritable", ErrorCategory.WriteError, path,
                $"Cannot save the configuration '{path}': {ex.Message} "
                + $"Set $env:{ConfigStore.EnvConfigPath} to a file in a folder you can write."));
        }
    }

    private void Apply(SavedConfig config)
    {
        if (BaseUri != null) { config.BaseUri = Resolve(settings => settings.BaseUri(BaseUri)).AbsoluteUri; }
        if (IsBound(nameof(ThrottleLimit))) { config.ThrottleLimit = ThrottleLimit; }
        if (IsBound(nameof(RequestsPerMinute))) { config.RequestsPerMinute = RequestsPerMinute; }
        if (JournalPath != null)
        {
            config.JournalPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(JournalPath);
        }
        // Saved in the service's spelling, whatever the case typed (validation accepted it).
        if (Size != null) { config.Size = ReplacerChoice.Size.Find(Size); }
        if (Quality != null) { config.Quality = ReplacerChoice.Quality.Find(Quality); }
        if (Background != null) { config.Background = ReplacerChoice.Background.Find(Background); }
        if (Model != null) { config.Model = Model; }
        if (Proxy != null) { config.Proxy = Proxy.AbsoluteUri; }
        // A saved size the saved model cannot make would fail every image of every run: refused now.
        if ((Size != null || Model != null) && ImageModels.SizeProblem(config.Model ?? BackgroundReplacer.DefaultModel,
            config.Size ?? BackgroundReplacer.AutoSize, measurable: true) is string problem)
        {
            ThrowTerminatingError(ErrorRecords.InvalidArgument(Size != null ? nameof(Size) : nameof(Model),
                $"The size {config.Size} and the model {config.Model ?? BackgroundReplacer.DefaultModel} do not go "
                + $"together: {problem}", null, Size ?? Model));
        }
    }
}
