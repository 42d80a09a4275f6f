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
/// a separate file that only the user can read (mode 600). Files are written whole and renamed
/// into place, so a crash never leaves half a config.
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

    public static void Save(string path, SavedConfig config) =>
        WriteWhole(path, JsonSerializer.Serialize(config, Json), ownerOnly: false);

    public static string? ReadKey(string configPath)
    {
        string keyPath = KeyPath(configPath);
        return File.Exists(keyPath) ? File.ReadAllText(keyPath, Encoding.UTF8).Trim() : null;
    }

    /// <summary>Stores the key in a file only the user can read; the mode is set before the key is written.</summary>
    public static void WriteKey(string configPath, string key) => WriteWhole(KeyPath(configPath), key, ownerOnly: true);

    public static void DeleteKey(string configPath)
    {
        string keyPath = KeyPath(configPath);
        if (File.Exists(keyPath))
        {
            File.Delete(keyPath);
        }
    }

    public static void Delete(string configPath)
    {
        DeleteKey(configPath);
        if (File.Exists(configPath))
        {
            File.Delete(configPath);
        }
    }

    private static void WriteWhole(string path, string content, bool ownerOnly)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, Path.GetFileName(path) + "." + Path.GetRandomFileName() + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                if (ownerOnly)
                {
                    RestrictToOwner(temporary);
                }
                byte[] bytes = new UTF8Encoding(false).GetBytes(content);
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(true);
            }
            if (File.Exists(path))
            {
                File.Replace(temporary, path, null);
            }
            else
            {
                File.Move(temporary, path);
            }
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>
    /// chmod 600 on Linux and macOS (netstandard2.0 has no File.SetUnixFileMode). Windows ACLs
    /// already limit %APPDATA% to the user.
    /// </summary>
    private static void RestrictToOwner(string path)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return;
        }
        const int OwnerReadWrite = 0x180; // octal 600
        if (chmod(path, OwnerReadWrite) != 0)
        {
            throw new IOException(
                $"Cannot make '{path}' readable only by its owner (errno {Marshal.GetLastWin32Error()}).");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int chmod(string pathname, int mode);
}
