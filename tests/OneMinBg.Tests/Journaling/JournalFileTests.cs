namespace OneMinBg.Tests;

/// <summary>The storage: a missing file, torn lines, long lines, a replaced file, the lock.</summary>
public sealed class JournalFileTests : TempDirTest
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private string JournalPath => Dir.File("journal.jsonl");

    [Fact]
    public void A_journal_that_does_not_exist_yet_is_empty_and_reading_does_not_create_it()
    {
        var journal = new Journal(Path.Combine(Dir.Path, "sub", "folder", "journal.jsonl"));

        Assert.Null(journal.Find(JournalSamples.Request().Fingerprint));
        Assert.Null(journal.FindByRecordId("nope"));
        Assert.Null(journal.FindUpload(JournalSamples.Service, JournalSamples.Sha("cat")));
        Assert.Empty(journal.Entries());
        Assert.True(Directory.Exists(Path.Combine(Dir.Path, "sub", "folder")));
        Assert.False(File.Exists(journal.Path));
    }

    [Fact]
    public void A_torn_last_line_is_skipped_and_the_next_append_lands_on_its_own_line()
    {
        var first = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        first.TryClaim(request, JournalSamples.Stale);
        first.RecordResult(request, JournalSamples.Record("rec-1"), "images/cat.png");
        string torn = "{\"v\":1,\"kind\":\"result\",\"at\":\"2026-01-15T14:00:30Z\",\"fp\":\"" + request.Fingerprint
            + "\",\"content\":\"ab";
        File.AppendAllText(JournalPath, torn);

        var second = new Journal(JournalPath);
        Assert.Equal(JournalState.Succeeded, second.Find(request.Fingerprint)!.State);
        Assert.Equal(JournalState.Succeeded, first.Find(request.Fingerprint)!.State);

        second.RecordUpload(JournalSamples.Service, JournalSamples.Sha("dog"), "images/dog.png");

        string[] lines = JournalSamples.Lines(JournalPath);
        Assert.Equal(torn, lines[^3]);
        Assert.Contains("\"kind\":\"upload\"", lines[^2]);
        Assert.Equal("", lines[^1]);

        Assert.Equal(1, second.SkippedLines);
        var third = new Journal(JournalPath);
        Assert.Equal("images/dog.png", third.FindUpload(JournalSamples.Service, JournalSamples.Sha("dog")));
        Assert.Equal(JournalState.Succeeded, third.Find(request.Fingerprint)!.State);
        Assert.Equal(1, third.SkippedLines);
        Assert.Equal("images/dog.png", first.FindUpload(JournalSamples.Service, JournalSamples.Sha("dog")));
        Assert.Equal(1, first.SkippedLines);
    }

    [Fact]
    public void A_line_longer_than_the_read_buffer_is_read_whole()
    {
        var writer = new Journal(JournalPath);
        ImageRequest request = JournalSamples.Request();
        writer.RecordUpload(JournalSamples.Service, JournalSamples.Sha("dog"), "images/dog.png");
        var reader = new Journal(JournalPath);
        Assert.Equal("images/dog.png", reader.FindUpload(JournalSamples.Service, JournalSamples.Sha("dog")));
        string message = new string('x', 3 * 1024 * 1024);

        writer.RecordFailure(request, "BadRequest", message, mayHaveBeenCharged: false);

        Assert.Equal(message, reader.Find(request.Fingerprint)!.FailureMessage);
        Assert.Equal(message, new Journal(JournalPath).Find(request.Fingerprint)!.FailureMessage);
    }

    [Fact]
    public void A_line_too_long_to_be_ours_is_skipped_with_a_warning_and_the_others_are_read()
    {
        var writer = new Journal(JournalPath);
        writer.RecordUpload(JournalSamples.Service, JournalSamples.Sha("dog"), "images/dog.png");
        using (var stream = new FileStream(JournalPath, FileMode.Append))
        {
            byte[] huge = new byte[JournalFile.MaxLineBytes * 2 + 17];
            Array.Fill(huge, (byte)'x');
            stream.Write(huge);
            stream.WriteByte((byte)'\n');
        }

        writer.RecordUpload(JournalSamples.Service, JournalSamples.Sha("cat"), "images/cat.png");
        var reader = new Journal(JournalPath);

        Assert.Equal("images/dog.png", reader.FindUpload(JournalSamples.Service, JournalSamples.Sha("dog")));
        Assert.Equal("images/cat.png", reader.FindUpload(JournalSamples.Service, JournalSamples.Sha("cat")));
        Assert.Equal(1, reader.SkippedLines);
        string warning = Assert.Single(reader.TakeWarnings());
        Assert.Contains(JournalPath, warning);
        Assert.Contains("skipped", warning);
        Assert.Empty(reader.TakeWarnings());
    }

    [Fact]
    public void A_journal_replaced_by_a_shorter_file_is_read_again()
    {
        var journal = new Journal(JournalPath);
        journal.TryClaim(JournalSamples.Numbered(1), JournalSamples.Stale);
        journal.TryClaim(JournalSamples.Numbered(2), JournalSamples.Stale);

        File.WriteAllText(JournalPath, JournalSamples.ClaimLine(JournalSamples.Numbered(3), "elsewhere", 1,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));

        Assert.Null(journal.Find(JournalSamples.Numbered(1).Fingerprint));
        Assert.NotNull(journal.Find(JournalSamples.Numbered(3).Fingerprint));
    }

    [Fact]
    public void An_exclusive_open_of_the_lock_file_shuts_out_a_second_one_in_the_same_process()
    {
        string path = Dir.File("journal.jsonl.lock");
        using (var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.ThrowsAny<IOException>(() => new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite,
                FileShare.None).Dispose());
        }

        new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None).Dispose();
    }

    [Fact]
    public async Task A_writer_waits_while_the_lock_is_held_and_writes_once_it_is_released()
    {
        var reader = new Journal(JournalPath);
        var writer = new Journal(JournalPath);
        using var waiting = new ManualResetEventSlim();
        writer.LockContended = _ => waiting.Set();
        string content = JournalSamples.Sha("cat");

        Task write;
        using (new FileStream(writer.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            write = Task.Run(() => writer.RecordUpload(JournalSamples.Service, content, "images/cat.png"));
            Assert.True(waiting.Wait(Guard), "The writer never found the lock held.");

            Assert.False(write.IsCompleted);
            Assert.Null(reader.FindUpload(JournalSamples.Service, content));
        }

        await write.WaitAsync(Guard);
        Assert.Equal("images/cat.png", reader.FindUpload(JournalSamples.Service, content));
    }

    [Fact]
    public void A_lock_held_too_long_fails_with_a_message_naming_the_lock_and_the_journal()
    {
        var journal = new Journal(JournalPath) { LockTimeout = TimeSpan.FromMilliseconds(50) };

        IOException error;
        using (new FileStream(journal.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            error = Assert.ThrowsAny<IOException>(() => journal.TryClaim(JournalSamples.Request(),
                JournalSamples.Stale));
        }

        Assert.Contains(journal.LockPath, error.Message);
        Assert.Contains(journal.Path, error.Message);
        Assert.Contains("another journal path", error.Message);
        Assert.False(File.Exists(journal.Path));
        Assert.Equal(ClaimOutcome.Claimed, journal.TryClaim(JournalSamples.Request(), JournalSamples.Stale).Outcome);
    }
}
