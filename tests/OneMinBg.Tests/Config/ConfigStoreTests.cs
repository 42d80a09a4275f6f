using System.Collections.Concurrent;
using System.Runtime.Versioning;

namespace OneMinBg.Tests.Config;

/// <summary>
/// The saved key is never readable by another user, not even for an instant (issue 10, Must 3), and a
/// config change is applied whole or not at all.
/// </summary>
public sealed class ConfigStoreTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ConfigPath => Path.Combine(_dir.Path, "cfg", "OneMinBg", "config.json");

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Every_file_ever_seen_in_the_folder_is_readable_only_by_the_user()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the key is protected with DPAPI there
        }
        string folder = Path.GetDirectoryName(ConfigPath)!;
        var seen = new ConcurrentDictionary<string, UnixFileMode>();
        using var stop = new ManualResetEventSlim();
        var watcher = new Thread(() => Watch(folder, seen, stop));
        watcher.Start();
        try
        {
            for (int i = 0; i < 50; i++)
            {
                ConfigStore.Commit(ConfigPath, new SavedConfig { Quality = "high" }, KeyChange.Write($"sk-{i}-secret"));
            }
        }
        finally
        {
            stop.Set();
            watcher.Join();
        }
        Look(folder, seen);

        Assert.Equal(OwnerFolder, File.GetUnixFileMode(folder));
        Assert.Equal(OwnerFolder, File.GetUnixFileMode(Path.GetDirectoryName(folder)!));
        Assert.Contains("api-key", seen.Keys);
        Assert.Contains("config.json", seen.Keys);
        Assert.All(seen, file => Assert.Equal(OwnerFile, file.Value));
        Assert.Equal(new[] { "api-key", "config.json" },
            Directory.GetFiles(folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal("sk-49-secret", ConfigStore.ReadKey(ConfigPath));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void The_module_folder_an_earlier_version_made_0755_is_tightened_to_0700()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        string folder = Path.GetDirectoryName(ConfigPath)!;
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, OwnerFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        ConfigStore.Commit(ConfigPath, new SavedConfig(), KeyChange.Write("sk-secret"));

        Assert.Equal(OwnerFolder, File.GetUnixFileMode(folder));
        Assert.Equal(OwnerFile, File.GetUnixFileMode(ConfigStore.KeyPath(ConfigPath)));
    }

    [Fact]
    public void A_change_that_fails_half_way_leaves_the_key_and_config_as_they_were()
    {
        ConfigStore.Commit(ConfigPath, new SavedConfig(), KeyChange.Write("old-key"));
        File.Delete(ConfigPath);
        Directory.CreateDirectory(ConfigPath); // the config cannot be renamed into place

        Assert.ThrowsAny<IOException>(
            () => ConfigStore.Commit(ConfigPath, new SavedConfig { Quality = "low" }, KeyChange.Write("new-key")));

        Assert.Equal("old-key", ConfigStore.ReadKey(ConfigPath));
        string folder = Path.GetDirectoryName(ConfigPath)!;
        Assert.Equal(new[] { "api-key" }, Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Keep_leaves_the_key_and_Remove_deletes_it()
    {
        ConfigStore.Commit(ConfigPath, new SavedConfig(), KeyChange.Write("sk-kept"));
        ConfigStore.Commit(ConfigPath, new SavedConfig { Quality = "low" }, KeyChange.Keep);
        Assert.Equal("sk-kept", ConfigStore.ReadKey(ConfigPath));
        Assert.Equal("low", ConfigStore.Load(ConfigPath).Quality);

        ConfigStore.Commit(ConfigPath, new SavedConfig(), KeyChange.Remove);

        Assert.Null(ConfigStore.ReadKey(ConfigPath));
        Assert.True(File.Exists(ConfigPath));
    }

    [UnsupportedOSPlatform("windows")]
    private static void Watch(string folder, ConcurrentDictionary<string, UnixFileMode> seen, ManualResetEventSlim stop)
    {
        do
        {
            Look(folder, seen);
        }
        while (!stop.IsSet);
    }

    [UnsupportedOSPlatform("windows")]
    private static void Look(string folder, ConcurrentDictionary<string, UnixFileMode> seen)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }
        foreach (string path in Directory.EnumerateFileSystemEntries(folder))
        {
            try
            {
                UnixFileMode mode = File.GetUnixFileMode(path);
                // Keep the widest mode a name was ever seen with.
                seen.AddOrUpdate(Path.GetFileName(path), mode, (_, before) => before | mode);
            }
            catch (FileNotFoundException)
            {
                // Renamed into place between the listing and the look.
            }
        }
    }
}
