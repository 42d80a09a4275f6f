
namespace OneMinBg.Tests;

/// <summary>
/// A journal that cannot be written is told from one whose lock is only busy: the first fails at once with
/// its real cause (a folder, a file in the way, read-only, no permission), only the second is waited for.
/// </summary>
public sealed class JournalAccessTests : TempDirTest
{
    [Fact]
    public void A_folder_at_the_journal_path_is_not_a_file()
    {
        string journal = Dir.File("journal.jsonl");
        Directory.CreateDirectory(journal);

        var error = Assert.Throws<JournalWriteException>(() => new Journal(journal).CheckWritable());

        Assert.Equal(JournalProblem.NotAFile, error.Problem);
        Assert.Contains($"'{journal}' is a folder, not a file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_where_a_parent_folder_should_be_is_named()
    {
        string file = Dir.File("not-a-folder");
        File.WriteAllText(file, "x");

        var error = Assert.Throws<JournalWriteException>(() => Journal.Open(Path.Combine(file, "a", "journal.jsonl")));

        Assert.Equal(JournalProblem.NoFolder, error.Problem);
        Assert.Contains($"'{file}' is a file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_journal_that_could_not_be_opened_opens_once_the_cause_is_gone()
    {
        string file = Dir.File("in-the-way");
        File.WriteAllText(file, "x");
        string journal = Path.Combine(file, "journal.jsonl");
        Assert.Throws<JournalWriteException>(() => Journal.Open(journal));

        File.Delete(file);

        Journal.Open(journal).CheckWritable();
        Assert.True(Directory.Exists(file));
    }

    [Fact]
    public void A_busy_lock_is_not_a_reason_to_stop_and_is_the_only_thing_waited_for()
    {
        var journal = new Journal(Dir.File("journal.jsonl")) { LockTimeout = TimeSpan.FromMilliseconds(50) };
        int waits = 0;
        journal.LockContended = _ => waits++;
        using var held = new FileStream(journal.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        journal.CheckWritable();
        var error = Assert.Throws<IOException>(() => journal.RecordSent(Emu.Request("images/a.png").Request));

        Assert.True(waits > 0);
        Assert.Contains("waiting for the lock", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(UnauthorizedAccessException), JournalProblem.NoPermission)]
    [InlineData(typeof(DirectoryNotFoundException), JournalProblem.NoFolder)]
    [InlineData(typeof(IOException), JournalProblem.Other)]
    public void Failures_are_classified_by_what_the_user_can_do(Type exception, JournalProblem problem)
    {
        var error = (Exception)Activator.CreateInstance(exception, "it failed")!;

        Assert.Equal(problem, JournalAccess.Classify(error, Dir.File("journal.jsonl")));
        Assert.Contains(problem == JournalProblem.NoPermission ? "access is denied" : "journal",
            JournalAccess.Unwritable(error, Dir.File("journal.jsonl"), Dir.File("journal.jsonl")).Message,
            StringComparison.Ordinal);
    }

    [TmpfsFact]
    public void A_read_only_file_system_fails_the_first_write_at_once_without_waiting_for_the_lock()
    {
        using var disk = Tmpfs.MountReadOnly(Dir.File("ro"));
        var journal = new Journal(Path.Combine(disk.Path, "journal.jsonl")) { LockTimeout = TimeSpan.FromHours(1) };
        int waits = 0;
        journal.LockContended = _ => waits++;

        var atOpen = Assert.Throws<JournalWriteException>(journal.CheckWritable);
        var atWrite = Assert.Throws<JournalWriteException>(
            () => journal.RecordSent(Emu.Request("images/a.png").Request));

        Assert.Equal(JournalProblem.ReadOnly, atOpen.Problem);
        Assert.Equal(JournalProblem.ReadOnly, atWrite.Problem);
        Assert.Contains("read-only file system", atOpen.Message, StringComparison.Ordinal);
        Assert.Equal(0, waits);
        Assert.Empty(journal.Entries()); // reading needs no write
    }

    [TmpfsFact]
    public void A_folder_that_cannot_be_made_on_a_read_only_file_system_says_so()
    {
        using var disk = Tmpfs.MountReadOnly(Dir.File("ro"));

        var error = Assert.Throws<JournalWriteException>(() => Journal.Open(Path.Combine(disk.Path, "sub", "j.jsonl")));

        Assert.Equal(JournalProblem.ReadOnly, error.Problem);
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
    }
}
