using System;
using OneMinBg.Client.Api;
using OneMinBg.Client.Http;

namespace OneMinBg.Client.Config;

/// <summary>
/// The one place that decides each setting's value. Precedence, for every setting: the parameter
/// (null when not given), then the environment variable (for those that have one), then the saved
/// configuration (Set-OneMinBgConfig), then the built-in default. Blank values count as not set.
/// </summary>
public sealed class SettingsResolver
{
    public const string EnvApiKey = "ONEMIN_API_KEY";
    public const string EnvBaseUrl = "ONEMIN_BASE_URL";
    public const string EnvRequestsPerMinute = "ONEMIN_REQUESTS_PER_MINUTE";
    public const string EnvJournalPath = "ONEMIN_JOURNAL_PATH";
    public const int DefaultRequestsPerMinute = 180;
    public const int DefaultThrottleLimit = 64;
    public const string AutoSize = "Auto";
    public const string DefaultQuality = "medium";
    public const string DefaultBackground = "auto";

    /// <summary>The proxy variables .NET's default proxy applies by itself.</summary>
    private readonly Func<string, string?> _environment;
    private readonly Func<SavedConfig> _saved;
    private readonly string _configPath;

    /// <param name="environment">Reads an environment variable (the process's, or a test's).</param>
    /// <param name="saved">The saved configuration; called only when a setting gets that far.</param>
    /// <param name="configPath">Where the saved configuration lives, for error messages.</param>
    public SettingsResolver(Func<string, string?> environment, Func<SavedConfig> saved, string configPath)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _saved = saved ?? throw new ArgumentNullException(nameof(saved));
        _configPath = configPath ?? throw new ArgumentNullException(nameof(configPath));
    }

    /// <summary>Resolves against this process's environment.</summary>
    public static SettingsResolver ForProcess(Func<SavedConfig> saved, string configPath) =>
        new SettingsResolver(Environment.GetEnvironmentVariable, saved, configPath);

    private string SavedWhere => $"The saved configuration ({_configPath})";

    /// <exception cref="InvalidSettingException">The value is not an absolute URL (written without https://,
    /// say).</exception>
    public Uri BaseUri(Uri? parameter) =>
        Absolute(parameter)
        ?? ParseUri(_environment(EnvBaseUrl), $"The environment variable {EnvBaseUrl}")
        ?? ParseUri(_saved().BaseUri, SavedWhere)
        ?? OneMinClientOptions.DefaultBaseUri;

    /// <summary>
    /// The proxy; null means .NET's default proxy, which already applies the proxy environment
    /// variables when one is set, else the system proxy.
    /// </summary>
    /// <exception cref="InvalidSettingException">The saved proxy is not an absolute URL.</exception>
    public Uri? Proxy(Uri? parameter)
    {
        if (parameter != null)
        {
            return parameter;
        }
        // The environment's proxy variables are applied per URL by the client's shared HttpClient
        // (EnvironmentProxy, also on .NET Framework, which ignores them itself), so null here.
        if (EnvironmentProxy.IsConfigured(_environment))
        {
            return null;
        }
        return ParseUri(_saved().Proxy, SavedWhere);
    }

    /// <summary>The key: the parameter, $env:ONEMIN_API_KEY, else <paramref name="readSaved"/>.</summary>
    /// <param name="readSaved">Reads the saved key (a vault, DPAPI or the key file); called only when needed.</param>
    public string? ApiKey(string? parameter, Func<string?> readSaved)
    {
        if (parameter != null)
        {
            return parameter;
        }
        string? fromEnv = _environment(EnvApiKey);
        return !string.IsNullOrWhiteSpace(fromEnv) ? fromEnv : readSaved();
    }

    /// <summary>The journal's path as given (not yet resolved), or null for the default journal.</summary>
    public string? JournalPath(string? parameter) =>
        NonBlank(parameter) ?? NonBlank(_environment(EnvJournalPath)) ?? NonBlank(_saved().JournalPath);

    /// <exception cref="InvalidSettingException">
    /// The environment variable is not a whole number of 0 or more.
    /// </exception>
    public int RequestsPerMinute(int? parameter)
    {
        if (parameter != null)
        {
            return parameter.Value;
        }
        string? fromEnv = _environment(EnvRequestsPerMinute);
        if (string.IsNullOrWhiteSpace(fromEnv))
        {
            return _saved().RequestsPerMinute ?? DefaultRequestsPerMinute;
        }
        if (!int.TryParse(fromEnv, out int value) || value < 0)
        {
            throw new InvalidSettingException("InvalidRequestsPerMinute", fromEnv!,
                $"The environment variable {EnvRequestsPerMinute} holds '{fromEnv}', which is not a whole number "
                + "of 0 or more. Set it to e.g. 180, or remove it.");
        }
        return value;
    }

    public int ThrottleLimit(int? parameter) => parameter ?? _saved().ThrottleLimit ?? DefaultThrottleLimit;

    /// <summary>The output size; "Auto" means the caller picks the one closest to the image.</summary>
    public string Size(string? parameter) =>
        BackgroundReplacer.NormalizeSize(parameter ?? NonBlank(_saved().Size) ?? AutoSize);

    public string Quality(string? parameter) =>
        (parameter ?? NonBlank(_saved().Quality) ?? DefaultQuality).ToLowerInvariant();

    public string Background(string? parameter) =>
        (parameter ?? NonBlank(_saved().Background) ?? DefaultBackground).ToLowerInvariant();

    public string Model(string? parameter) => parameter ?? NonBlank(_saved().Model) ?? BackgroundReplacer.DefaultModel;

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static Uri? ParseUri(string? value, string where)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || WithoutScheme(uri))
        {
            throw new InvalidSettingException("InvalidBaseUri", value!,
                $"{where} holds '{value}', which is not an absolute URL{SchemeHint(value!)}. "
                + "Correct it or remove it.");
        }
        return uri;
    }

    /// <summary>A -BaseUri given without its scheme ('api.1min.ai') binds as a relative URL: refused here.</summary>
    private static Uri? Absolute(Uri? parameter)
    {
        if (parameter == null || (parameter.IsAbsoluteUri && !WithoutScheme(parameter)))
        {
            return parameter;
        }
        string text = parameter.OriginalString;
        throw new InvalidSettingException("InvalidBaseUri", text,
            $"-BaseUri '{text}' is not an absolute URL{SchemeHint(text)}.");
    }

    /// <summary>'localhost:5000' parses as a URL of the scheme 'localhost', with no host.</summary>
    private static bool WithoutScheme(Uri uri) =>
        uri.Host.Length == 0 && !uri.OriginalString.Contains("://");

    /// <summary>For 'api.1min.ai' or 'localhost:5000': the same with https:// in front, which is a URL.</summary>
    private static string SchemeHint(string value)
    {
        string withScheme = "https://" + value.Trim().TrimStart('/');
        return !value.Contains("://") && !value.Trim().Contains(" ")
            && Uri.TryCreate(withScheme, UriKind.Absolute, out Uri? uri) && uri.Host.Length > 0
            ? $": write it with its scheme, for example {withScheme}"
            : "";
    }
}

/// <summary>An environment variable or saved setting holds a value the module cannot use.</summary>
public sealed class InvalidSettingException : InvalidOperationException
{
    public InvalidSettingException(string errorId, string value, string message)
        : base(message)
    {
        ErrorId = errorId;
        Value = value;
    }

    /// <summary>The stable ErrorId the cmdlet reports it under.</summary>
    public string ErrorId { get; }

    /// <summary>The offending value (never a key).</summary>
    public string Value { get; }
}
