using OneMinBg.Client.Reports;

namespace OneMinBg.Tests.Reports;

/// <summary>
/// An image a command's error record reported: failed whatever its status (a result Save-BgImage could not save
/// says SUCCESS), with the record's message, what to do and its error id on the card, escaped.
/// </summary>
public sealed class ReportWriterErrorTests
{
    [Fact]
    public void An_error_record_makes_a_failed_card_with_its_message_action_and_id_counted_in_the_summary()
    {
        var items = new[]
        {
            new ReportItem { Id = "a", Status = "SUCCESS", SourcePath = "/srv/night/a.png" },
            new ReportItem
            {
                Id = "b", Status = "SUCCESS", SourcePath = "/srv/night/b.png", ErrorId = "InvalidDownload",
                Error = "Result 'b' <of> b.png: not an image", RecommendedAction = "Run Save-BgImage again & see",
            },
        };
        Assert.Equal(ReportOutcome.Failed, items[1].Outcome);

        var writer = new StringWriter();
        ReportWriter.Write(writer, items, new ReportOptions { Folder = "/srv/night" });
        string html = writer.ToString();

        Assert.Contains("<li class=\"failed\"><b>1</b>failed</li>", html);
        Assert.Contains("<li class=\"done\"><b>1</b>done</li>", html);
        Assert.Contains("<p class=\"error\">Result &#39;b&#39; &lt;of&gt; b.png: not an image</p>", html);
        Assert.Contains("<p class=\"todo\">What to do: Run Save-BgImage again &amp; see</p>", html);
        Assert.Contains("<dt>Error id</dt><dd>InvalidDownload</dd>", html);
        Assert.Contains("<div class=\"missing\">No result</div>", html);
    }
}
