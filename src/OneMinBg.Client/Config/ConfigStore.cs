using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OneMinBg.Client.Api;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Config;

/// <summary>
/// Where and how the per-user configuration lives: a JSON file, and on Linux and macOS the key in
/// a separate file; both readable only by the user from their first byte, in a folder only the user
/// can open (see <see cref="PrivateFiles"/>). A change is written whole and renamed into place, so a
/// crash or a failed step never leaves half a config.
/// </summary>
public static class ConfigStore
{
    public const string EnvConfigPath = "ONEMIN_CONFIG_PATH";
    private const string KeyFileName = "api-key";

    private static readonly JsonSerializerOptions Json = new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>
    /// $env:ONEMIN_CONFIG_PATH, else %APPDATA%\OneMinBg\config.json, else $XDG_CONFIG_HOME or ~/.config.
    /// </summary>
    public static string DefaultPath
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable(EnvConfigPath);
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return Path.GetFullPath(fromEnv);
            }
            string folder;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                folder = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
            }
            else
            {
                string? xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
                folder = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
                    ? xdg!
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            }
            return Path.Combine(folder, "OneMinBg", "config.json");
        }
    }

    public static bool ProtectsKeyWithDpapi => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>The file that holds the key on Linux and macOS, beside the config file.</summary>
    public static string KeyPath(string configPath) =>
        Path.Combine(Path.GetDirectoryName(configPath) ?? ".", KeyFileName);

    /// <summary>Reads the config; a missing file is an empty config.</summary>
    /// <exception cref="InvalidDataException">The file is not a config this module wrote.</exception>
    public static SavedConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            return new SavedConfig();
        }
        try
        {
            return JsonSerializer.Deserialize<SavedConfig>(File.ReadAllText(path, Encoding.UTF8), Json)
                ?? new SavedConfig();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The configuration file '{path}' is not valid JSON ({ex.Message}). "
                + "Fix it, or remove it with Set-OneMinBgConfig -Reset.", ex);
        }
    }

    public static string? ReadKey(string configPath)
    {
        string keyPath = KeyPath(configPath);
        return File.Exists(keyPath) ? File.ReadAllText(keyPath, Encoding.UTF8).Trim() : null;
    }

    /// <summary>
    /// Applies a change whole or not at all: both files are written beside their final names first
    /// (owner-only from the first byte), then renamed into place; if the config cannot be renamed, the
    /// key file is put back as it was.
    /// </summary>
    public static void Commit(string configPath, SavedConfig config, KeyChange key)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? ".";
        string keyPath = KeyPath(configPath);
        PrivateFiles.EnsureFolder(folder);
        string? newKey = null;
        string? newConfig = null;
        string? oldKey = null;
        try
        {
            if (key.Key != null)
            {
                newKey = PrivateFiles.WriteTemporary(keyPath, key.Key);
            }
            newConfig = PrivateFiles.WriteTemporary(configPath, JsonSerializer.Serialize(config, Json));
            if (key != KeyChange.Keep && File.Exists(keyPath))
            {
                oldKey = keyPath + "." + Path.GetRandomFileName() + ".old";
                File.Move(keyPath, oldKey);
            }
            try
            {
                if (newKey != null)
                {
                    File.Move(newKey, keyPath);
                }
                MoveOver(newConfig, configPath);
            }
            catch when (oldKey != null || newKey != null)
            {
                if (newKey != null && File.Exists(keyPath))
                {
                    File.Delete(keyPath);
                }
                if (oldKey != null)
                {
                    File.Move(oldKey, keyPath);
                    oldKey = null;
                }
                throw;
            }
        }
        finally
        {
            foreach (string? leftover in new[] { newKey, newConfig, oldKey })
            {
                if (leftover != null && File.Exists(leftover))
                {
                    File.Delete(leftover);
                }
            }
        }
    }

    private static void MoveOver(string temporary, string path)
    {
        if (File.Exists(path))
        {
            File.Replace(temporary, path, null);
        }
        else
        {
            File.Move(temporary, path);
        }
    }
}

/// <summary>What a config change does to the key file beside it.</summary>
public sealed class KeyChange
{
    public static readonly KeyChange Keep = new KeyChange(null);
    public static readonly KeyChange Remove = new KeyChange(null);

    private KeyChange(string? key)
    {
        Key = key;
    }

    /// <summary>The key to write, or null to keep or remove the file.</summary>
    internal string? Key { get; }

    public static KeyChange Write(string key) => new KeyChange(key ?? throw new ArgumentNullException(nameof(key)));
}
