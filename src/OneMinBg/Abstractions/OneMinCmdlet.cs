using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using OneMinBg.Client.Config;
using OneMinBg.Pipeline;

namespace OneMinBg.Abstractions;

/// <summary>
/// What every OneMinBg cmdlet shares: one cancellation token that Ctrl+C (StopProcessing)
/// cancels, the saved per-user configuration, and the resolver that decides each setting.
/// </summary>
public abstract class OneMinCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new CancellationTokenSource();
    private SavedConfig? _config;
    private SettingsResolver? _settings;

    protected CancellationToken StopToken => _stop.Token;

    /// <summary>The config file: $env:ONEMIN_CONFIG_PATH, else the per-user default.</summary>
    internal static string ConfigPath => ConfigStore.DefaultPath;

    /// <summary>The saved defaults (read once per command); a broken file stops the command.</summary>
    internal SavedConfig Config
    {
        get
        {
            if (_config == null)
            {
                try
                {
                    _config = ConfigStore.Load(ConfigPath);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    ThrowTerminatingError(
                        ErrorRecords.Create(ex, "ConfigUnreadable", ErrorCategory.ReadError, ConfigPath, ex.Message));
                }
            }
            return _config!;
        }
    }

    /// <summary>
    /// One setting's value (parameter, environment, saved, default). A bad environment or saved
    /// value stops the command: nothing it would do can use it.
    /// </summary>
    internal T Resolve<T>(Func<SettingsResolver, T> setting)
    {
        _settings ??= SettingsResolver.ForProcess(() => Config, ConfigPath);
        try
        {
            return setting(_settings);
        }
        catch (InvalidSettingException ex)
        {
            ThrowTerminatingError(
                ErrorRecords.Create(ex, ex.ErrorId, ErrorCategory.InvalidArgument, ex.Value, ex.Message));
            throw;
        }
    }

    /// <summary>The parameter's value when the user gave it, else null (so the resolver looks further).</summary>
    internal T? Given<T>(string parameterName, T value)
        where T : struct =>
        IsBound(parameterName) ? value : null;

    /// <summary>The parameter's value when the user gave it, else null (so the resolver looks further).</summary>
    internal string? Given(string parameterName, string value) => IsBound(parameterName) ? value : null;

    protected override void StopProcessing()
    {
        _stop.Cancel();
    }

    /// <summary>True when the user gave this parameter (on the command line or from the pipeline).</summary>
    internal bool IsBound(string parameterName) => MyInvocation.BoundParameters.ContainsKey(parameterName);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Dispose();
        }
    }
}
