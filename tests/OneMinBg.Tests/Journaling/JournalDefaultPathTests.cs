namespace OneMinBg.Tests;

[CollectionDefinition(nameof(JournalDefaultPathTests), DisableParallelization = true)]
public sealed class JournalDefaultPathTestsCollection
{
}

/// <summary>Changes XDG_DATA_HOME for the whole process, so it runs alone.</summary>
[Collection(nameof(JournalDefaultPathTests))]
public sealed class JournalDefaultPathTests
{
    [Fact]
    public void The_default_path_follows_the_platform_convention()
    {
        string? saved = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        try
        {
            string xdg = Path.Combine(Path.GetTempPath(), "xdg-data-" + Guid.NewGuid().ToString("N"));
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", xdg);
            if (OperatingSystem.IsWindows())
            {
                string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
                Assert.Equal(Path.Combine(local, "OneMinBg", "journal.jsonl"), Journal.DefaultPath);
                return;
            }

            Assert.Equal(Path.Combine(xdg, "OneMinBg", "journal.jsonl"), Journal.DefaultPath);

            string home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            string fallback = Path.Combine(home, ".local", "share", "OneMinBg", "journal.jsonl");
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", null);
            Assert.Equal(fallback, Journal.DefaultPath);

            Environment.SetEnvironmentVariable("XDG_DATA_HOME", "relative/data");
            Assert.Equal(fallback, Journal.DefaultPath);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", saved);
        }
    }
}
