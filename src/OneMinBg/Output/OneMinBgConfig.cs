using OneMinBg.Client.Config;
using OneMinBg.Settings;


namespace OneMinBg;

/// <summary>The saved per-user defaults as Get-OneMinBgConfig shows them. Never the key itself.</summary>
public sealed class OneMinBgConfig
{
    public string Path { get; set; } = "";
    public bool ApiKeyStored { get; set; }
    /// <summary>SecretManagement, DPAPI (current user), or a file readable only by the user.</summary>
    public string? ApiKeyStorage { get; set; }
    public string? ApiKeySecretName { get; set; }
    public string? BaseUri { get; set; }
    public int? ThrottleLimit { get; set; }
    public int? RequestsPerMinute { get; set; }
    public string? JournalPath { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }
    public string? Model { get; set; }
    public string? Proxy { get; set; }

    internal static OneMinBgConfig From(SavedConfig saved, string path)
    {
        string? storage = SavedKey.StorageOf(saved, path);
        return new OneMinBgConfig
        {
            Path = path,
            ApiKeyStored = storage != null,
            ApiKeyStorage = storage,
            ApiKeySecretName = saved.ApiKeySecretName,
            BaseUri = saved.BaseUri,
            ThrottleLimit = saved.ThrottleLimit,
            RequestsPerMinute = saved.RequestsPerMinute,
            JournalPath = saved.JournalPath,
            Size = saved.Size,
            Quality = saved.Quality,
            Background = saved.Background,
            Model = saved.Model,
            Proxy = saved.Proxy,
        };
    }
}
