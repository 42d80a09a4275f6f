using System.Collections.Generic;
using System.Text;

namespace OneMinBg.Tests;

/// <summary>The default name of a result, as Save-BgImage gives it when no other name is in the way.</summary>
internal static class DefaultName
{
    /// <param name="withId">The name with 8 characters of the record id, as a second result of the same source
    /// in one run gets.</param>
    public static string For(string id, string? sourcePath, string? imageUrl, IReadOnlyList<string> resultKeys,
        bool withId = false)
    {
        var parts = new NameParts(id, sourcePath, imageUrl, resultKeys, "id:" + id, null, null);
        return NameTemplate.Default.Expand(parts, withId ? "_" + parts.Id8 : "");
    }
}

/// <summary>Result names: templates, cut names, whose a name is (DestinationNames), -RelativeTo, link expiry.</summary>
public sealed class NamingTests : TempDirTest
{
    private static readonly string[] Png = { "images/r.png" };
    private static readonly string SourceA = new string('a', 64);
    private static readonly string SourceB = new string('b', 64);

    private static NameParts Parts(string record, string source, string sourcePath = "/in/a/photo.png",
        string? size = "1024x1024", string? prompt = "beach") =>
        new(record, sourcePath, null, Png, source, size, prompt);

    private JournalSave Saved(string name, string record, string source, byte[]? bytes = null)
    {
        string path = Dir.File(name);
        if (bytes != null)
        {
            File.WriteAllBytes(path, bytes);
        }
        return new JournalSave(path, record, source, bytes?.Length ?? 1,
            bytes == null ? null : ContentHash.ToHex(System.Security.Cryptography.SHA256.HashData(bytes)), null);
    }

    private DestinationNames Names(params JournalSave[] saves) =>
        new(saves.ToDictionary(s => s.Path, s => s, JournalIndex.PathComparer));

    [Theory]
    [InlineData("{BaseName}_bg", "photo_bg.png")]
    [InlineData("{basename}-{SIZE}", "photo-1024x1024.png")]
    [InlineData("{BaseName}.{Extension}_{Id8}", "photo.png_rec-1234.png")]
    [InlineData("{RecordId}", "rec-1234-5678.png")]
    [InlineData("{Hash8}", "aaaaaaaa.png")]
    [InlineData("x_{Prompt8}", "x_<prompt8>.png")]
    [InlineData("con", "_con.png")]
    [InlineData("a:b*c", "a_b_c.png")]
    public void A_template_gives_a_sanitised_name_from_its_tokens(string template, string expected)
    {
        NameParts parts = Parts("rec-1234-5678", SourceA);

        string name = NameTemplate.Parse(template).Expand(parts, "");

        Assert.Equal(expected.Replace("<prompt8>", ResultFileName.Hash8("beach"), StringComparison.Ordinal), name);
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("{Name}", "'{Name}' is not a token")]
    [InlineData("{BaseName", "is not closed")]
    [InlineData("{Base{Name}", "is not closed")]
    [InlineData("x}", "closes no token")]
    [InlineData("sub/{BaseName}", "path separator")]
    [InlineData("sub\\{BaseName}", "path separator")]
    public void A_bad_template_is_refused_up_front_with_the_tokens_listed(string template, string problem)
    {
        var error = Assert.Throws<FormatException>(() => NameTemplate.Parse(template));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("{BaseName}, {Extension}, {RecordId}, {Id8}, {Hash8}, {Size}, {Prompt8}", error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Two_long_names_that_share_their_start_stay_two_names_and_each_stays_the_same()
    {
        string shared = new string('x', 150);
        string first = DefaultName.For("r1", $"/in/{shared}-front.png", null, Png);
        string second = DefaultName.For("r2", $"/in/{shared}-back.png", null, Png);

        Assert.NotEqual(first, second);
        Assert.Equal(first, DefaultName.For("r9", $"/in/{shared}-front.png", null, Png));
        Assert.Equal(120 + "_bg.png".Length, Encoding.UTF8.GetByteCount(first));
        Assert.Matches("^x{111}_[0-9a-f]{8}_bg\\.png$", first);
        // A name that fits is not touched.
        Assert.Equal(new string('x', 120) + "_bg.png", DefaultName.For("r1", $"/in/{new string('x', 120)}.png",
            null, Png));
    }

    [Fact]
    public void A_name_given_to_one_source_is_never_given_to_another_even_with_force()
    {
        byte[] theirs = Images.Bytes(ImageFormat.Png);
        DestinationNames names = Names(Saved("photo_bg.png", "r-a", SourceA, theirs));

        foreach (bool force in new[] { false, true })
        {
            NamePlan plan = names.Plan(Dir.Path, Parts("r-b", SourceB, "/in/b/photo.png"), NameTemplate.Default,
                force);

            Assert.Equal(NameDecision.Download, plan.Decision);
            Assert.Equal(new[] { (Dir.File("photo_bbbbbbbb_bg.png"), false) },
                plan.Targets.Select(t => (t.Path, t.Overwrite)));
        }
    }

    [Fact]
    public void The_same_sources_get_the_same_names_whatever_order_they_come_in_on_later_runs()
    {
        JournalSave[] night1 =
        {
            Saved("photo_bg.png", "r-a", SourceA, Images.Bytes(ImageFormat.Png, 10, 10)),
            Saved("photo_bbbbbbbb_bg.png", "r-b", SourceB, Images.Bytes(ImageFormat.Png, 20, 20)),
        };
        string Plans(params string[] order)
        {
            DestinationNames names = Names(night1);
            return string.Join(",", order
                .Select(r => (r, plan: names.Plan(Dir.Path, Parts(r, r == "r-a" ? SourceA : SourceB),
                    NameTemplate.Default, false)))
                .OrderBy(p => p.r, StringComparer.Ordinal)
                .Select(p => $"{p.plan.Decision}:{Path.GetFileName(p.plan.Path)}"));
        }

        Assert.Equal("AlreadySaved:photo_bg.png,AlreadySaved:photo_bbbbbbbb_bg.png", Plans("r-a", "r-b"));
        Assert.Equal(Plans("r-a", "r-b"), Plans("r-b", "r-a"));
    }

    [Fact]
    public void Force_replaces_only_an_earlier_result_of_the_same_source()
    {
        DestinationNames names = Names(Saved("photo_bg.png", "r-old", SourceA, Images.Bytes(ImageFormat.Png)));
        NameParts newer = Parts("r-new", SourceA);

        NamePlan kept = names.Plan(Dir.Path, newer, NameTemplate.Default, force: false);
        NamePlan replaced = names.Plan(Dir.Path, newer, NameTemplate.Default, force: true);

        Assert.Equal((NameDecision.Exists, ExistsReason.EarlierResult), (kept.Decision, kept.Reason));
        Assert.Equal(new[] { (Dir.File("photo_bg.png"), true) }, replaced.Targets.Select(t => (t.Path, t.Overwrite)));
    }

    [Fact]
    public void A_file_the_journal_does_not_know_is_never_overwritten_and_an_image_is_compared()
    {
        File.WriteAllText(Dir.File("photo_bg.png"), "not an image");
        NamePlan text = Names().Plan(Dir.Path, Parts("r-a", SourceA), NameTemplate.Default, force: true);
        File.WriteAllBytes(Dir.File("photo_bg.png"), Images.Bytes(ImageFormat.Png));
        NamePlan image = Names().Plan(Dir.Path, Parts("r-a", SourceA), NameTemplate.Default, force: true);

        Assert.Equal(new[] { (Dir.File("photo_aaaaaaaa_bg.png"), false) },
            text.Targets.Select(t => (t.Path, t.Overwrite)));
        Assert.Equal(new[] { Dir.File("photo_bg.png"), Dir.File("photo_aaaaaaaa_bg.png") },
            image.Targets.Select(t => t.Path));
        Assert.All(image.Targets, t => Assert.False(t.Overwrite));
    }

    [Fact]
    public void In_one_run_two_results_of_one_source_and_a_result_piped_twice_keep_their_names()
    {
        DestinationNames names = Names();
        NameParts first = Parts("r-1", SourceA), second = Parts("r-2", SourceA);

        NamePlan a = names.Plan(Dir.Path, first, NameTemplate.Default, false);
        names.Claim(a.Path, first);
        NamePlan b = names.Plan(Dir.Path, second, NameTemplate.Default, false);
        names.Claim(b.Path, second);
        NamePlan again = names.Plan(Dir.Path, first, NameTemplate.Default, false);

        Assert.Equal(Dir.File("photo_bg.png"), a.Path);
        Assert.Equal(Dir.File("photo_aaaaaaaa_bg.png"), b.Path);
        Assert.Equal(a.Path, again.Path);
    }

    [Fact]
    public void A_changed_file_of_this_very_result_is_kept_unless_forced()
    {
        JournalSave save = Saved("photo_bg.png", "r-a", SourceA, Images.Bytes(ImageFormat.Png));
        File.WriteAllText(save.Path, "edited");

        NamePlan kept = Names(save).Plan(Dir.Path, Parts("r-a", SourceA), NameTemplate.Default, false);
        NamePlan forced = Names(save).Plan(Dir.Path, Parts("r-a", SourceA), NameTemplate.Default, true);

        Assert.Equal((NameDecision.Exists, ExistsReason.ChangedSinceSaved), (kept.Decision, kept.Reason));
        Assert.True(forced.Targets.Single().Overwrite);
    }

    [Theory]
    [InlineData("/cat/a/b/x.png", "/out/a/b")]
    [InlineData("/cat/x.png", "/out")]
    [InlineData("/cat/a/../b/x.png", "/out/b")]
    [InlineData("/cat/CON/x.png", "/out/_CON")]
    [InlineData("/cat/.hidden/x.png", "/out/hidden")]
    [InlineData("/catalog/x.png", null)]
    [InlineData("/cat/../etc/x.png", null)]
    [InlineData("/other/x.png", null)]
    [InlineData("/cat", null)]
    public void RelativeTo_keeps_the_folders_below_it_and_nothing_outside(string source, string? expected)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the cases are written with Unix paths
        }

        Assert.Equal(expected, RelativeFolders.Under("/out", "/cat", source));
    }

    [Fact]
    public void A_link_that_says_it_has_expired_is_known_to_before_it_is_tried()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var s3 = new Uri("https://s3.example/b/k.png?X-Amz-Algorithm=A&X-Amz-Date=20261124T120000Z"
            + "&X-Amz-Expires=604800&X-Amz-Signature=00");
        var fresh = new Uri("https://s3.example/b/k.png?X-Amz-Date=20261201T115900Z&X-Amz-Expires=604800");
        var epoch = new Uri($"https://cdn.example/k.png?Expires={now.AddMinutes(-1).ToUnixTimeSeconds()}&Sig=1");

        Assert.Equal(now, LinkExpiry.Of(s3));
        Assert.True(LinkExpiry.HasExpired(s3, now));
        Assert.False(LinkExpiry.HasExpired(fresh, now));
        Assert.True(LinkExpiry.HasExpired(epoch, now));
        Assert.Null(LinkExpiry.Of(new Uri("https://cdn.example/k.png?X-Amz-Date=garbage&X-Amz-Expires=1")));
        Assert.False(LinkExpiry.HasExpired(new Uri("https://cdn.example/k.png"), now));
    }
}
