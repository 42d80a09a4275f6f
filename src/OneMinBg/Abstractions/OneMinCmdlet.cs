using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using OneMinBg.Client.Config;
using OneMinBg.Pipeline;

namespace OneMinBg.Abstractions;

/// <summary>
/// What every OneMinBg cmdlet shares: one cancellation token that Ctrl+C (StopProcessing)
/// cancels, and the saved per-user configuration.
/// </summary>
public abstract class OneMinCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new CancellationTokenSource();
    private SavedConfig? _config;

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
                    ThrowTerminatingError(ErrorRecords.Create(ex, "ConfigUnreadable", ErrorCategory.ReadError, ConfigPath, ex.Message));
                }
            }
            return _config!;
        }
    }

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
