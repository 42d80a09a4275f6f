namespace OneMinBg.Tests;

/// <summary>Temporary files of saves: named after their writer, and removed only when left by a dead one.</summary>
public sealed class PartialFilesTests : TempDirTest
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private string Make(string name, TimeSpan age)
    {
        string path = Dir.File(name);
        File.WriteAllBytes(path, new byte[100]);
        File.SetLastWriteTimeUtc(path, (Now - age).UtcDateTime);
        return name;
    }

    /// <summary>A name as this module writes it, for the given writer.</summary>
    private static string Owned(string destination, string host, int pid, DateTimeOffset started) =>
        destination + "." + Text.Sha256Hex(host.ToUpperInvariant()).Substring(0, 8) + "-" + pid + "-"
        + started.ToUnixTimeSeconds() + ".abcdefghijk.partial";

    [Fact]
    public void A_temporary_name_says_which_process_writes_it_and_a_running_save_keeps_its_file()
    {
        string mine = Path.GetFileName(PartialFiles.PathFor(Dir.File("cat_bg.png")));
        Assert.Matches(@"^cat_bg\.png\.[0-9a-f]{8}-\d+-\d+\.[a-z0-9]{11}\.partial$", mine);
        Make(mine, TimeSpan.FromDays(30));

        Assert.Equal((0, 0L), PartialFiles.RemoveStale(Dir.Path, Now));
        Assert.Contains(mine, Dir.Names());
    }

    [Fact]
    public void Files_left_by_dead_writers_are_removed_and_nothing_else()
    {
        // A process with this id that started a day earlier is not this one: it has ended.
        string dead = Make(Owned("a_bg.png", JournalProcess.Host, JournalProcess.Id,
            JournalProcess.StartedAt.AddDays(-1)), TimeSpan.Zero);
        string otherHostFresh = Make(Owned("b_bg.png", "another-machine", 4242, Now), TimeSpan.FromHours(1));
        string otherHostOld = Make(Owned("c_bg.png", "another-machine", 4242, Now), TimeSpan.FromHours(25));
        string legacyOld = Make("d_bg.jpg.abcdefghijk.partial", TimeSpan.FromHours(2));
        string legacyFresh = Make("e_bg.webp.abcdefghijk.partial", TimeSpan.FromMinutes(5));
        string notOurs = Make("notes.partial", TimeSpan.FromDays(400));
        string notOursEither = Make("movie.mkv.abcdefghijk.partial", TimeSpan.FromDays(400));

        var (count, bytes) = PartialFiles.RemoveStale(Dir.Path, Now);

        Assert.Equal((3, 300L), (count, bytes));
        string[] kept = { otherHostFresh, legacyFresh, notOursEither, notOurs };
        Assert.Equal(kept.OrderBy(n => n, StringComparer.Ordinal), Dir.Names());
        Assert.DoesNotContain(dead, Dir.Names());
        Assert.DoesNotContain(otherHostOld, Dir.Names());
        Assert.DoesNotContain(legacyOld, Dir.Names());
    }

    [Fact]
    public void The_save_workflow_says_what_it_removed()
    {
        Make(Owned("a_bg.png", JournalProcess.Host, JournalProcess.Id, JournalProcess.StartedAt.AddDays(-1)),
            TimeSpan.Zero);

        string? said = OneMinBg.Client.Workflow.SaveWorkflow.RemoveStaleDownloads(Dir.Path);

        Assert.Equal($"Removed 1 temporary file(s) (100 bytes) that interrupted saves left in '{Dir.Path}'.", said);
        Assert.Null(OneMinBg.Client.Workflow.SaveWorkflow.RemoveStaleDownloads(Dir.Path));
    }
}
