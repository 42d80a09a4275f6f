using OneMinBg.Client.Reports;

namespace OneMinBg.Tests.Reports;

/// <summary>
/// The report's picture links and its escaping: what a browser follows from the report's folder, on Unix and
/// Windows paths (the Windows rules are checked here on any system).
/// </summary>
public sealed class ReportLinksTests
{
    [Theory]
    [InlineData("/srv/night", "/srv/night/photos/a.png", "photos/a.png")]
    [InlineData("/srv/night/", "/srv/night/a.png", "a.png")]
    [InlineData("/srv/night/reports", "/srv/night/photos/a.png", "../photos/a.png")]
    [InlineData("/srv/night", "/srv/other/x/a.png", "../other/x/a.png")]
    [InlineData("/srv/night", "/srv/night/shot #1 [v2] 50% ?.png", "shot%20%231%20%5Bv2%5D%2050%25%20%3F.png")]
    [InlineData("/srv/night", "/srv/night/caf\u00e9 \u732b.png", "caf%C3%A9%20%E7%8C%AB.png")]
    [InlineData("/", "/a b/c.png", "a%20b/c.png")]
    public void Unix_paths_link_relative_to_the_report_with_every_segment_escaped(string folder, string file,
        string expected) =>
        Assert.Equal(expected, ReportLinks.Href(folder, file, windows: false));

    [Theory]
    [InlineData(@"C:\Reports", @"C:\Reports\photos\a.png", "photos/a.png")]
    [InlineData(@"C:\Reports\night", @"c:\reports\photos\A.png", "../photos/A.png")]
    [InlineData(@"C:\Reports", @"D:\Photos\a b.png", "file:///D:/Photos/a%20b.png")]
    [InlineData(@"\\nas\share\reports", @"\\nas\share\photos\a.png", "../photos/a.png")]
    [InlineData(@"\\nas\share\reports", @"\\other\share\a.png", "file://other/share/a.png")]
    [InlineData(@"C:\Reports", @"\\nas\share\a.png", "file://nas/share/a.png")]
    public void Windows_paths_link_relative_on_the_same_drive_and_by_file_URL_across_drives(string folder,
        string file, string expected) =>
        Assert.Equal(expected, ReportLinks.Href(folder, file, windows: true));

    [Fact]
    public void Every_character_that_could_end_a_text_or_an_attribute_is_escaped()
    {
        Assert.Equal("&lt;img src=x onerror=&quot;a()&quot;&gt; &amp; &#39;b&#39;",
            Html.Escape("<img src=x onerror=\"a()\"> & 'b'"));
        Assert.Equal("a\uFFFDb\tc\nd", Html.Escape("a\u0001b\tc\nd"));
        Assert.Equal("", Html.Escape(null));
    }

    [Fact]
    public void A_page_escapes_the_prompt_and_the_title_and_has_no_script()
    {
        var item = new ReportItem
        {
            Id = "1", Status = "FAILED", SourcePath = "/nowhere/a.png", Prompt = "</dd><script>x()</script>",
            Error = "<b>bad</b>", Time = new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero), Credits = 2.5m,
        };
        var writer = new StringWriter();
        ReportWriter.Write(writer, new[] { item }, new ReportOptions
        {
            Title = "<T>", Folder = "/nowhere",
            TimeZone = TimeZoneInfo.CreateCustomTimeZone("NY", TimeSpan.FromHours(-5), "NY", "NY"),
        });
        string html = writer.ToString();

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;/dd&gt;&lt;script&gt;x()&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<p class=\"error\">&lt;b&gt;bad&lt;/b&gt;</p>", html, StringComparison.Ordinal);
        Assert.Contains("<title>&lt;T&gt;</title>", html, StringComparison.Ordinal);
        Assert.Contains("<time datetime=\"2026-12-01T20:00:00-05:00\">2026-12-01 20:00:00 -05:00</time>", html,
            StringComparison.Ordinal);
        Assert.Contains("<div class=\"missing\">Source file not found: /nowhere/a.png</div>", html,
            StringComparison.Ordinal);
        Assert.Contains("<li class=\"failed\"><b>1</b>failed</li>", html, StringComparison.Ordinal);
        Assert.Contains("<li class=\"credits\"><b>2.5</b>credits spent</li>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reused_image_adds_nothing_to_the_credits_spent()
    {
        var items = new[]
        {
            new ReportItem { Id = "1", Status = "SUCCESS", Credits = 3m },
            new ReportItem { Id = "2", Status = "SUCCESS", Credits = 3m, Reused = true },
        };
        var writer = new StringWriter();
        ReportWriter.Write(writer, items, new ReportOptions { Folder = "/x" });
        string html = writer.ToString();

        Assert.Contains("<li class=\"done\"><b>1</b>done</li>", html, StringComparison.Ordinal);
        Assert.Contains("<li class=\"reused\"><b>1</b>reused", html, StringComparison.Ordinal);
        Assert.Contains("<li class=\"credits\"><b>3</b>credits spent</li>", html, StringComparison.Ordinal);
    }
}
