using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using OneMinBg.Client.Api;
using OneMinBg.Client.Config;
using OneMinBg.Client.Journaling;
using OneMinBg.Parameters;
using OneMinBg.Pipeline;
using OneMinBg.Settings;

namespace OneMinBg.Abstractions;

/// <summary>
/// A cmdlet that talks to 1min.ai: the connection parameters, and the client and journal they
/// make. Which value each setting takes is decided by <see cref="SettingsResolver"/>.
/// </summary>
public abstract class OneMinApiCmdlet : OneMinCmdlet
{
    private const int DefaultTimeoutSec = 600;
    private const int DefaultMaximumRetryCount = 5;

    /// <summary>The 1min.ai API key. Takes a SecureString, PSCredential or string.</summary>
    [Parameter]
    [ApiKeyTransformation]
    public SecureString? ApiKey { get; set; }

    /// <summary>The API's base URL.</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? BaseUri { get; set; }

    /// <summary>
    /// A proxy for every call, like Invoke-WebRequest's -Proxy. Default: the system proxy (and
    /// HTTPS_PROXY/NO_PROXY).
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? Proxy { get; set; }

    /// <summary>Credentials for -Proxy.</summary>
    [Parameter]
    [Credential]
    [ValidateNotNull]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>
    /// Allow a plain http:// -BaseUri on another machine (the key would cross the network
    /// unencrypted). Loopback http:// (a local emulator) needs no switch.
    /// </summary>
    [Parameter]
    public SwitchParameter AllowInsecureHttp { get; set; }

    /// <summary>How long one HTTP call may take before it is abandoned. Image calls can take minutes.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = DefaultTimeoutSec;

    /// <summary>How often a failed call that is safe to repeat is retried.</summary>
    [Parameter]
    [ValidateRange(0, 20)]
    public int MaximumRetryCount { get; set; } = DefaultMaximumRetryCount;

    /// <summary>API requests per minute for this key, shared by every command in the process; 0 = no limit.</summary>
    [Parameter]
    [ValidateRange(0, 1000000)]
    public int RequestsPerMinute { get; set; } = SettingsResolver.DefaultRequestsPerMinute;

    /// <summary>The journal of every request and result.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JournalPath { get; set; }

    /// <summary>How long to wait for an image the service accepted (async); null: the library's default.</summary>
    private protected virtual TimeSpan? ResultWait => null;

    /// <summary>How long a call refused with 429 or 503 is tried again; null: the library's default (15 min).</summary>
    private protected virtual TimeSpan? RefusalWait => null;

    /// <summary>The API to talk to.</summary>
    internal Uri ResolveBaseUri() => Resolve(settings => settings.BaseUri(BaseUri));

    /// <summary>
    /// Makes a client for this command. Its messages go to <paramref name="verbose"/> and
    /// <paramref name="debug"/>, which must hand them to the pipeline thread. No key is a terminating
    /// error (nothing can succeed without one) unless <paramref name="requireKey"/> is false:
    /// downloads need none, and a call that does then fails alone.
    /// </summary>
    internal OneMinClient CreateClient(
        Uri baseUri, Action<string> verbose, Action<string> debug, bool requireKey = true)
    {
        string? key = Resolve(settings => settings.ApiKey(
            ApiKey == null ? null : ApiKeyTransformationAttribute.ToPlainText(ApiKey),
            () => SavedKey.Read(this, Config, ConfigPath)));
        if (string.IsNullOrWhiteSpace(key) && requireKey)
        {
            ThrowTerminatingError(ErrorRecords.ApiKeyMissing());
        }

        var options = new OneMinClientOptions
        {
            BaseUri = baseUri,
            ApiKey = key ?? string.Empty,
            Timeout = TimeSpan.FromSeconds(TimeoutSec),
            MaxRetryCount = MaximumRetryCount,
            RequestsPerMinute = Resolve(settings =>
                settings.RequestsPerMinute(Given(nameof(RequestsPerMinute), RequestsPerMinute))),
            AllowInsecureHttp = AllowInsecureHttp,
            Proxy = Resolve(settings => settings.Proxy(Proxy)),
            ProxyCredential = ProxyCredential?.GetNetworkCredential(),
            Verbose = verbose,
            Debug = debug,
        };
        options.ResultWait = ResultWait ?? options.ResultWait;
        options.RefusalWait = RefusalWait ?? options.RefusalWait;
        try
        {
            return new OneMinClient(options);
        }
        catch (ArgumentException ex)
        {
            // Without " (Parameter 'BaseUri')": it names a property of the library, not a parameter.
            string suffix = new ArgumentException("", ex.ParamName).Message;
            string message = ex.ParamName == null ? ex.Message : ex.Message.Replace(suffix, "");
            ThrowTerminatingError(
                ErrorRecords.Create(ex, "InvalidBaseUri", ErrorCategory.InvalidArgument, options.BaseUri, message));
            throw;
        }
    }

    /// <summary>
    /// Opens the journal; a path the user chose is resolved like any PowerShell path. A command that
    /// <paramref name="writes"/> to it stops at once when it cannot be written; one that only reads (a listing)
    /// can still read a read-only journal.
    /// </summary>
    internal Journal OpenJournal(bool writes)
    {
        string? path = Resolve(settings => settings.JournalPath(JournalPath));
        if (path == null)
        {
            path = Journal.DefaultPath;
        }
        else
        {
            string? resolved = PathHelper.ResolveForWriting(this, path, "-JournalPath", out ErrorRecord? error);
            if (resolved == null)
            {
                ThrowTerminatingError(error!);
            }
            path = resolved!;
        }
        try
        {
            Journal journal = Journal.Open(path);
            if (writes)
            {
                journal.CheckWritable();
            }
            else if (Directory.Exists(path))
            {
                throw new JournalWriteException(JournalProblem.NotAFile,
                    $"The journal '{path}' is a folder, not a file.", null);
            }
            return journal;
        }
        catch (Exception ex)
            when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            ThrowTerminatingError(ErrorRecords.JournalUnwritable(ex, path));
            throw;
        }
    }
}
