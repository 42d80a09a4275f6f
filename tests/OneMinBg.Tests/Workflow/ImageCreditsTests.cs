using System.Collections.Generic;
using System.IO;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>What each image cost, as a batch measures it against the emulator and the journal keeps it.</summary>
public sealed class ImageCreditsTests : WorkflowTest
{
    [Fact]
    public async Task Images_sent_one_after_another_each_cost_the_emulators_charge_but_the_first_is_unknown()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { CreditCost = 7 });
        var client = Emu.Client(emulator);
        var batch = new ReplaceWorkflow(Journal, client, StaleAfter);
        var costs = new List<decimal?>();
        for (int i = 0; i < 3; i++)
        {
            var (image, request) = Image(emulator, $"cat{i}.png", $"beach {i}");
            ReplaceResult result = await batch.RunAsync(request, image, false, Sink, default, default);
            costs.Add(result.Entry.Credits);
        }

        Assert.Equal(new decimal?[] { null, 7m, 7m }, costs);
        // Kept in the journal ("cost"), so a later run that reuses the results still knows.
        var reread = new Journal(Journal.Path).Entries().Select(entry => entry.Credits).ToArray();
        Assert.Equal(new decimal?[] { null, 7m, 7m }, reread);
        Assert.Equal(2, File.ReadAllLines(Journal.Path).Count(line => line.Contains("\"cost\":7", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_call_whose_answer_was_lost_leaves_the_next_image_unmeasured()
    {
        await using var emulator = await Emu.StartAsync(new EmulatorConfig { CreditCost = 7 });
        var client = Emu.Client(emulator);
        var batch = new ReplaceWorkflow(Journal, client, StaleAfter);
        var (first, firstRequest) = Image(emulator, "a.png", "one");
        await batch.RunAsync(firstRequest, first, false, Sink, default, default);
        EmulatorConfig config = emulator.State.Config;
        config.Faults = new List<FaultRule> { Emu.Fault("feature", "reset-after", count: 1) };
        emulator.State.Config = config; // the team's used credit goes on from where it was
        var (lost, lostRequest) = Image(emulator, "b.png", "two");
        await Assert.ThrowsAsync<OneMinApiException>(() => batch.RunAsync(lostRequest, lost, false, Sink, default, default));

        var (next, nextRequest) = Image(emulator, "c.png", "three");
        ReplaceResult after = await batch.RunAsync(nextRequest, next, false, Sink, default, default);
        var (last, lastRequest) = Image(emulator, "d.png", "four");
        ReplaceResult later = await batch.RunAsync(lastRequest, last, false, Sink, default, default);

        Assert.Null(after.Entry.Credits); // the lost call was charged too: 14 would be two images
        Assert.Equal(7m, later.Entry.Credits);
    }

    [Fact]
    public void A_lookups_renewal_keeps_what_the_image_cost_and_a_line_without_cost_reads_as_unknown()
    {
        ImageRequest measured = JournalSamples.Numbered(1);
        ImageRequest old = JournalSamples.Numbered(2);
        Journal.TryClaim(measured, JournalSamples.Stale);
        Journal.RecordResult(measured, JournalSamples.Record("rec-1"), "images/1.png", credits: 12.5m);
        Journal.TryClaim(old, JournalSamples.Stale);
        Journal.RecordResult(old, JournalSamples.Record("rec-2"), "images/2.png");
        Journal.RecordRefresh("rec-1", JournalSamples.Record("rec-1"));

        var reader = new Journal(Journal.Path);

        Assert.Equal(12.5m, reader.Find(measured.Fingerprint)!.Credits);
        Assert.Null(reader.Find(old.Fingerprint)!.Credits);
        RequestHistory history = reader.Histories().Single(h => h.Entry.Fingerprint == measured.Fingerprint);
        Assert.Equal(12.5m, history.Attempts.Single().Credits);
    }
}
