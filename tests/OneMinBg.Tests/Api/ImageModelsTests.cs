namespace OneMinBg.Tests;

/// <summary>The model table and its size math (issue 13 items 1 and 2).</summary>
public sealed class ImageModelsTests
{
    private const string Two = "gpt-image-2";

    public static TheoryData<int, int> Sources => new()
    {
        { 4000, 3000 }, { 1600, 1200 }, { 640, 480 }, // 4:3
        { 3840, 2160 }, { 1920, 1080 }, { 1280, 720 }, // 16:9
        { 2000, 2000 }, { 1024, 1024 }, { 300, 300 }, // 1:1
        { 1080, 1920 }, { 2160, 3840 }, // 9:16
        { 3000, 1000 }, { 6000, 2000 }, { 900, 300 }, { 1000, 3000 }, // 3:1 and 1:3
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void Auto_and_Source_on_gpt_image_2_keep_the_aspect_ratio_within_the_rule(int width, int height)
    {
        foreach (string size in new[] { "Auto", "Source" })
        {
            string sent = ImageModels.Resolve(Two, size, width, height);
            (int w, int h) = ImageModels.Parse(sent)!.Value;
            Assert.Null(ImageModels.RuleProblem(w, h));
            double error = Math.Abs((double)w / h / ((double)width / height) - 1);
            Assert.True(error <= 0.02, $"{size} for {width}x{height} gave {sent}, {error:P1} off its aspect ratio");
        }
    }

    [Fact]
    public void Auto_aims_at_about_one_and_a_half_megapixels_and_fewer_for_small_sources()
    {
        (int w, int h) = ImageModels.Parse(ImageModels.Resolve(Two, "Auto", 4000, 3000))!.Value;
        Assert.InRange(w * h, 1_400_000, 1_700_000);
        (w, h) = ImageModels.Parse(ImageModels.Resolve(Two, "Auto", 1100, 1100))!.Value;
        Assert.InRange(w * h, 1_150_000, 1_300_000);
        (w, h) = ImageModels.Parse(ImageModels.Resolve(Two, "Auto", 300, 300))!.Value;
        Assert.True(w * h >= ImageModels.MinPixels);
    }

    [Theory]
    [InlineData(2000, 2000, "2000x2000")]
    [InlineData(3840, 2160, "3840x2160")]
    [InlineData(8000, 8000, "2880x2880")]
    public void Source_is_the_source_resolution_rounded_to_16_up_to_the_limits(int width, int height,
        string expected) =>
        Assert.Equal(expected, ImageModels.Resolve(Two, "Source", width, height));

    [Fact]
    public void Fixed_size_models_pick_the_closest_of_three_for_Auto_and_refuse_Source()
    {
        Assert.Equal("1536x1024", ImageModels.Resolve("gpt-image-1-mini", "Auto", 1600, 1200));
        Assert.Equal("1024x1536", ImageModels.Resolve("GPT-IMAGE-1", "Auto", 1080, 1920));
        Assert.Contains("-Model gpt-image-2", ImageModels.SizeProblem("gpt-image-1", "Source", true));
        Assert.Contains("does not make 2048x1152; it makes only 1024x1024, 1024x1536, 1536x1024",
            ImageModels.SizeProblem("gpt-image-1-mini", "2048x1152", true));
        Assert.Null(ImageModels.SizeProblem("gpt-image-1", "1024x1536", true));
    }

    [Theory]
    [InlineData("1000x1000", "divisible by 16")]
    [InlineData("512x512", "655,360 to 8,294,400")]
    [InlineData("4096x1024", "longest edge")]
    [InlineData("3072x976", "3:1")]
    public void Gpt_image_2_names_the_rule_broken_and_a_size_that_works(string size, string rule)
    {
        string problem = ImageModels.SizeProblem(Two, size, true)!;
        Assert.Contains(rule, problem);
        string works = problem.Substring(problem.IndexOf("would work: ", StringComparison.Ordinal) + 12).TrimEnd('.');
        (int w, int h) = ImageModels.Parse(works)!.Value;
        Assert.Null(ImageModels.RuleProblem(w, h));
    }

    [Fact]
    public void The_size_that_would_work_is_the_nearest_valid_one() =>
        Assert.EndsWith("would work: 1008x1008.", ImageModels.SizeProblem(Two, "1000x1000", true));

    [Fact]
    public void An_unknown_model_takes_any_size_but_Source_and_Auto_is_the_closest_of_three()
    {
        Assert.Null(ImageModels.Find("dall-e-9"));
        Assert.Null(ImageModels.SizeProblem("dall-e-9", "999x999", true));
        Assert.NotNull(ImageModels.SizeProblem("dall-e-9", "Source", true));
        Assert.Equal("1024x1024", ImageModels.Resolve("dall-e-9", "Auto", 500, 500));
    }

    [Fact]
    public void Without_a_local_file_Auto_is_square_and_Source_is_refused()
    {
        Assert.Equal("1024x1024", ImageModels.Resolve(Two, "Auto", null, null));
        Assert.Contains("-ImageUrl", ImageModels.SizeProblem(Two, "Source", measurable: false));
    }

    [Fact]
    public void Gpt_image_2_requires_quality_and_the_default_is_the_retired_mini()
    {
        Assert.True(ImageModels.Find(Two)!.QualityRequired);
        Assert.Equal(BackgroundReplacer.DefaultModel, ImageModels.GptImage1Mini.Name);
        Assert.Contains("2026-12-01", ImageModels.GptImage1Mini.Note);
    }
}
