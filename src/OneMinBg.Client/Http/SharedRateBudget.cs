using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using OneMinBg.Client.Common;
using OneMinBg.Client.Config;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Http;

/// <summary>Where a <see cref="RateLimiter"/> keeps its <see cref="RateBudget"/>.</summary>
internal interface IRateBudgetStore
{
    /// <summary>
    /// Runs <paramref name="change"/> on the budget, alone. <paramref name="note"/> is a line for -Verbose when
    /// the budget could not be shared this time (the change was made to this process's own copy).
    /// </summary>
    T Update<T>(long now, Func<RateBudget, T> change, out string? note);
}

/// <summary>A budget of this process only (tests, or when no shared file can be used).</summary>
internal sealed class LocalRateBudget : IRateBudgetStore
{
    private RateBudget _state = new RateBudget();

    public T Update<T>(long now, Func<RateBudget, T> change, out string? note)
    {
        note = null;
        if (_state.IsFromTheFuture(now))
        {
            _state = new RateBudget();
        }

        return change(_state);
    }
}

/// <summary>
/// One budget per (API origin, key) for every process of the user on this machine: a small file in the user's
/// data folder (beside the default journal: %LOCALAPPDATA%\OneMinBg\ratelimit, or $XDG_DATA_HOME or
/// ~/.local/share/OneMinBg/ratelimit), named by the SHA-256 of origin and key (the key is never written).
/// <para>
/// Each booking opens it with FileShare.None (an OS lock, which the OS drops when a process dies, so no lock
/// outlives its holder), reads it, books, writes it back and closes it: the lock is held for microseconds.
/// A file that cannot be read as a budget (empty, corrupt, another version) or that was written "in the future"
/// (the clock went back) is rebuilt; one not written for over a minute holds nothing that still matters. A lock
/// not obtained within <see cref="LockTimeout"/>, or a file that cannot be opened at all, never stops a run:
/// the booking is made on this process's own copy, with a note for -Verbose, and the file is left alone for
/// <see cref="AvoidFor"/>.
/// </para>
/// </summary>
internal sealed class SharedRateBudget : IRateBudgetStore
{
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan AvoidFor = TimeSpan.FromSeconds(30);

    /// <summary>Files not written for this long belong to keys or emulators no longer used: deleted.</summary>
    private static readonly TimeSpan Abandoned = TimeSpan.FromDays(7);

    private readonly TimeSpan _lockTimeout;
    private RateBudget _mirror = new RateBudget();
    private long _avoidUntil = long.MinValue;

    public SharedRateBudget(string path, TimeSpan lockTimeout)
    {
        Path = path;
        _lockTimeout = lockTimeout;
    }

    public string Path { get; }

    public TimeSpan LockTimeout => _lockTimeout;

    /// <summary>The folder of the budget files, beside the default journal.</summary>
    public static string DefaultFolder() =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(JournalRescue.DefaultPath())!, "ratelimit");

    /// <summary>The file's name: what identifies the budget, and nothing from which the key can be read.</summary>
    public static string FileName(string origin, string apiKey) => Text.Sha256Hex(origin + "|" + apiKey) + ".budget";

    /// <summary>The shared budget of (origin, key); a local one, with a note, when the folder cannot be made.</summary>
    public static IRateBudgetStore Create(string folder, string origin, string apiKey, out string? note)
    {
        note = null;
        try
        {
            PrivateFiles.EnsureFolder(folder);
            DeleteAbandoned(folder);
            return new SharedRateBudget(System.IO.Path.Combine(folder, FileName(origin, apiKey)), DefaultLockTimeout);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException
            || ex is ArgumentException || ex is NotSupportedException)
        {
            note = $"The rate limit is not shared with other processes: its folder '{folder}' cannot be used "
                + $"({ex.Message}).";
            return new LocalRateBudget();
        }
    }

    public T Update<T>(long now, Func<RateBudget, T> change, out string? note)
    {
        note = null;
        if (now >= Interlocked.Read(ref _avoidUntil))
        {
            var waited = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return UpdateFile(now, change);
                }
                catch (IOException) when (waited.Elapsed < _lockTimeout)
                {
                    // Most likely another process holds the lock (for microseconds): try again shortly.
                    Thread.Sleep(1);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    Interlocked.Exchange(ref _avoidUntil, now + AvoidFor.Ticks);
                    note = $"The rate limit shared with other processes could not be used ({ex.Message}); for "
                        + $"{Text.FormatSeconds(AvoidFor)} this process keeps to the limit on its own.";
                    break;
                }
            }
        }

        if (_mirror.IsFromTheFuture(now))
        {
            _mirror = new RateBudget();
        }

        return change(_mirror);
    }

    private T UpdateFile<T>(long now, Func<RateBudget, T> change)
    {
        using var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1,
            FileOptions.None);
        var read = new byte[file.Length];
        int done = 0;
        while (done < read.Length)
        {
            int n = file.Read(read, done, read.Length - done);
            if (n == 0)
            {
                break;
            }

            done += n;
        }

        RateBudget? state = RateBudget.Read(new MemoryStream(read, 0, done));
        if (state == null || state.IsFromTheFuture(now))
        {
            state = new RateBudget();
        }

        T result = change(state);
        var written = new MemoryStream();
        state.Write(written);
        file.Position = 0;
        file.Write(written.GetBuffer(), 0, (int)written.Length);
        file.SetLength(written.Length);
        _mirror = state;
        return result;
    }

    private static void DeleteAbandoned(string folder)
    {
        DateTime before = DateTime.UtcNow - Abandoned;
        foreach (string file in Directory.GetFiles(folder, "*.budget"))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) < before)
                {
                    File.Delete(file);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Best effort: another process may be using it after all.
            }
        }
    }
}
