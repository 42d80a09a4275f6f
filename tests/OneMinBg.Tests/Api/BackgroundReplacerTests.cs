namespace OneMinBg.Tests;

/// <summary>The one check of each choice (issue 12 item 5): any case in, the service's spelling out.</summary>
public sealed class BackgroundReplacerTests
{
    [Theory]
    [InlineData("Auto", "Auto")]
    [InlineData("auto", "Auto")]
    [InlineData("AUTO", "Auto")]
    [InlineData("1024X1024", "1024x1024")]
    [InlineData(" 1024x1536 ", "1024x1536")]
    [InlineData("1536x1024", "1536x1024")]
    [InlineData("source", "Source")]
    [InlineData("2048X1152", "2048x1152")]
    public void FindSize_gives_the_service_spelling(string typed, string expected) =>
        Assert.Equal(expected, BackgroundReplacer.FindSize(typed));

    [Theory]
    [InlineData("1024")]
    [InlineData("x1024")]
    [InlineData("-16x16")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("1024 x 1024")]
    public void FindSize_refuses_what_is_not_Auto_Source_or_WxH(string? typed) =>
        Assert.Null(BackgroundReplacer.FindSize(typed));

    [Theory]
    [InlineData("HIGH", "high")]
    [InlineData("Low", "low")]
    [InlineData("medium", "medium")]
    public void FindQuality_gives_lower_case(string typed, string expected) =>
        Assert.Equal(expected, BackgroundReplacer.FindQuality(typed));

    [Theory]
    [InlineData("Opaque", "opaque")]
    [InlineData("TRANSPARENT", "transparent")]
    [InlineData("Auto", "auto")]
    public void FindBackground_gives_lower_case(string typed, string expected) =>
        Assert.Equal(expected, BackgroundReplacer.FindBackground(typed));

    [Fact]
    public void Quality_and_background_refuse_values_of_other_settings()
    {
        Assert.Null(BackgroundReplacer.FindQuality("ultra"));
        Assert.Null(BackgroundReplacer.FindQuality("auto"));
        Assert.Null(BackgroundReplacer.FindBackground("green"));
        Assert.Null(BackgroundReplacer.FindBackground("high"));
    }

    [Fact]
    public void Every_listed_value_is_found_as_itself()
    {
        foreach (string size in BackgroundReplacer.Sizes)
        {
            Assert.Equal(size, BackgroundReplacer.FindSize(size.ToUpperInvariant()));
        }
        foreach (string quality in BackgroundReplacer.Qualities)
        {
            Assert.Equal(quality, BackgroundReplacer.FindQuality(quality));
        }
        foreach (string background in BackgroundReplacer.Backgrounds)
        {
            Assert.Equal(background, BackgroundReplacer.FindBackground(background));
        }
        Assert.Contains(BackgroundReplacer.DefaultQuality, BackgroundReplacer.Qualities);
        Assert.Contains(BackgroundReplacer.DefaultBackground, BackgroundReplacer.Backgrounds);
    }

    [Theory]
    [InlineData("", "blank")]
    [InlineData("   ", "blank")]
    [InlineData(null, "blank")]
    public void PromptProblem_refuses_a_blank_prompt(string? prompt, string says) =>
        Assert.Contains(says, BackgroundReplacer.PromptProblem(prompt));

    [Fact]
    public void PromptProblem_takes_up_to_the_longest_prompt_and_no_more()
    {
        Assert.Null(BackgroundReplacer.PromptProblem("white studio backdrop"));
        Assert.Null(BackgroundReplacer.PromptProblem(new string('a', BackgroundReplacer.MaxPromptLength)));
        Assert.Contains("4001 characters", BackgroundReplacer.PromptProblem(new string('a', 4001)));
    }

    [Fact]
    public void NormalizeSize_keeps_an_unknown_size_for_the_service_to_refuse() =>
        Assert.Equal("999x999", BackgroundReplacer.NormalizeSize("999X999"));
}
