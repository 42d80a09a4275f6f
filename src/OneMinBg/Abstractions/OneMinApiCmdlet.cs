using System;
using System.Collections.Concurrent;
using System.IO;
using System.Management.Automation;
using System.Security;
using OneMinBg.Client.Api;
using OneMinBg.Client.Http;
using OneMinBg.Client.Journaling;
using OneMinBg.Parameters;
using OneMinBg.Pipeline;
using OneMinBg.Settings;

namespace OneMinBg.Abstractions;

/// <summary>
/// A cmdlet that talks to 1min.ai: the connection parameters and how each setting is found.
/// Precedence, for every setting: parameter, then environment variable, then the saved
/// configuration (Set-OneMinBgConfig), then the built-in default.
/// </summary>
public abstract class OneMinApiCmdlet : OneMinCmdlet
{
    internal const string EnvApiKey = "ONEMIN_API_KEY";
    internal const string EnvBaseUrl = "ONEMIN_BASE_URL";
    internal const string EnvRequestsPerMinute = "ONEMIN_REQUESTS_PER_MINUTE";
    internal const string EnvJournalPath = "ONEMIN_JOURNAL_PATH";
    internal const int DefaultRequestsPerMinute = 180;

    /// <summary>The 1min.ai API key. Takes a SecureString, PSCredential or string.</summary>
    [Parameter]
    [ApiKeyTransformation]
    public SecureString? ApiKey { get; set; }

    /// <summary>The API's base URL.</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? BaseUri { get; set; }

    /// <summary>A proxy for every call, like Invoke-WebRequest's -Proxy. Default: the system proxy (and HTTPS_PROXY/NO_PROXY).</summary>
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
    public int TimeoutSec { get; set; } = 600;

    /// <summary>How often a failed call that is safe to repeat is retried.</summary>
    [Parameter]
    [ValidateRange(0, 20)]
    public int MaximumRetryCount { get; set; } = 5;

    /// <summary>API requests per minute for this key, shared by every command in the process; 0 = no limit.</summary>
    [Parameter]
    [ValidateRange(0, 1000000)]
    public int RequestsPerMinute { get; set; } = DefaultRequestsPerMinute;

    /// <summary>The journal of every request and result.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JournalPath { get; set; }

    /// <summary>The API to talk to.</summary>
    internal Uri ResolveBaseUri()
    {
        if (BaseUri != null)
        {
            return BaseUri;
        }
        return ParseUri(Environment.GetEnvironmentVariable(EnvBaseUrl), $"The environment variable {EnvBaseUrl}")
            ?? ParseUri(Config.BaseUri, $"The saved configuration ({ConfigPath})")
            ?? OneMinClientOptions.DefaultBaseUri;
    }

    /// <summary>
    /// Makes a client for this command. Its messages go to <paramref name="verbose"/> and
    /// <paramref name="debug"/>, which must hand them to the pipeline thread. No key is a terminating
    /// error (nothing can succeed without one) unless <paramref name="requireKey"/> is false:
    /// downloads need none, and a call that does then fails alone.
    /// </summary>
    internal OneMinClient CreateClient(Uri baseUri, Action<string> verbose, Action<string> debug, bool requireKey = true)
    {
        string? key = ResolveApiKey();
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
            RequestsPerMinute = ResolveRequestsPerMinute(),
            AllowInsecureHttp = AllowInsecureHttp,
            Proxy = ResolveProxy(),
            ProxyCredential = ProxyCredential?.GetNetworkCredential(),
            Verbose = verbose,
            Debug = debug,
        };
        try
        {
            return new OneMinClient(options);
        }
        catch (ArgumentException ex)
        {
            string message = options.BaseUri.Scheme == Uri.UriSchemeHttp
                ? $"{ex.Message} Use https, or pass -AllowInsecureHttp if you accept sending the key unencrypted."
                : ex.Message;
            ThrowTerminatingError(ErrorRecords.Create(ex, "InvalidBaseUri", ErrorCategory.InvalidArgument, options.BaseUri, message));
            throw;
        }
    }

    /// <summary>
    /// -Proxy; else the proxy environment variables (which the client's shared HttpClient applies per URL,
    /// so null here); else the saved proxy; else null, the system proxy.
    /// </summary>
    private Uri? ResolveProxy()
    {
        if (Proxy != null)
        {
            return Proxy;
        }
        if (EnvironmentProxy.IsConfigured(Environment.GetEnvironmentVariable))
        {
            return null;
        }
        return ParseUri(Config.Proxy, $"The saved configuration ({ConfigPath})");
    }

    /// <summary>The key: -ApiKey, $env:ONEMIN_API_KEY, then the saved configuration (a vault secret, DPAPI, or the key file).</summary>
    private string? ResolveApiKey()
    {
        if (ApiKey != null)
        {
            return ApiKeyTransformationAttribute.ToPlainText(ApiKey);
        }
        string? fromEnv = Environment.GetEnvironmentVariable(EnvApiKey);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return fromEnv;
        }
        return SavedKey.Read(this, Config, ConfigPath);
    }

    /// <summary>Opens the journal.</summary>
    internal Journal OpenJournal()
    {
        string? path = JournalPath ?? Environment.GetEnvironmentVariable(EnvJournalPath);
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Config.JournalPath;
        }
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Journal.DefaultPath;
        }
        else
        {
            string? resolved = PathHelper.ResolveForWriting(this, path!, "-JournalPath", out ErrorRecord? error);
            if (resolved == null)
            {
                ThrowTerminatingError(error!);
            }
            path = resolved!;
        }
        try
        {
            return Journal.Open(path!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            ThrowTerminatingError(ErrorRecords.Create(ex, "JournalUnavailable", ErrorCategory.OpenError, path,
                $"Cannot open the journal '{path}': {ex.Message} Pass -JournalPath (or set ${EnvJournalPath}) to a file in a folder you can write."));
            throw;
        }
    }

    private int ResolveRequestsPerMinute()
    {
        if (IsBound(nameof(RequestsPerMinute)))
        {
            return RequestsPerMinute;
        }
        string? fromEnv = Environment.GetEnvironmentVariable(EnvRequestsPerMinute);
        if (string.IsNullOrWhiteSpace(fromEnv))
        {
            return Config.RequestsPerMinute ?? DefaultRequestsPerMinute;
        }
        if (!int.TryParse(fromEnv, out int value) || value < 0)
        {
            ThrowTerminatingError(ErrorRecords.Create("InvalidRequestsPerMinute", ErrorCategory.InvalidArgument, fromEnv,
                $"The environment variable {EnvRequestsPerMinute} holds '{fromEnv}', which is not a whole number of 0 or more. Set it to e.g. 180, or remove it."));
        }
        return value;
    }

    private Uri? ParseUri(string? value, string where)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri))
        {
            ThrowTerminatingError(ErrorRecords.Create("InvalidBaseUri", ErrorCategory.InvalidArgument, value,
                $"{where} holds '{value}', which is not an absolute URL. Correct it or remove it."));
        }
        return uri;
    }
}
