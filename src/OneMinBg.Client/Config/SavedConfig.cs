namespace OneMinBg.Client.Config;

/// <summary>The per-user defaults Set-OneMinBgConfig stores. Every setting is optional.</summary>
public sealed class SavedConfig
{
    public string? BaseUri { get; set; }
    public int? ThrottleLimit { get; set; }
    public int? RequestsPerMinute { get; set; }
    public string? JournalPath { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }
    public string? Model { get; set; }
    public string? Proxy { get; set; }
    /// <summary>The name of a SecretManagement secret that holds the key.</summary>
    public string? ApiKeySecretName { get; set; }
    /// <summary>Windows only: the key protected with DPAPI for the current user (ConvertFrom-SecureString).</summary>
    public string? ApiKeyProtected { get; set; }
}
