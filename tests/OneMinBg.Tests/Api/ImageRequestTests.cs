using System.Security.Cryptography;

namespace OneMinBg.Tests;

public sealed class ImageRequestTests : TempDirTest
{
    [Fact]
    public void Same_content_and_settings_give_the_same_fingerprint()
    {
        string a = JournalSamples.Request().Fingerprint;
        string b = JournalSamples.Request().Fingerprint;

        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{64}$", a);
    }

    [Theory]
    [InlineData("prompt")]
    [InlineData("size")]
    [InlineData("quality")]
    [InlineData("background")]
    [InlineData("model")]
    [InlineData("base")]
    [InlineData("content")]
    public void Any_other_setting_content_or_service_gives_another_fingerprint(string what)
    {
        ImageRequest other = what switch
        {
            "prompt" => JournalSamples.Request(prompt: "a snowy forest"),
            "size" => JournalSamples.Request(size: "1536x1024"),
            "quality" => JournalSamples.Request(quality: "high"),
            "background" => JournalSamples.Request(background: "transparent"),
            "model" => JournalSamples.Request(model: "gpt-image-1"),
            "base" => JournalSamples.Request(baseUri: new Uri("http://127.0.0.1:5000/")),
            _ => JournalSamples.Request(content: JournalSamples.Sha("another image")),
        };

        Assert.NotEqual(JournalSamples.Request().Fingerprint, other.Fingerprint);
    }

    [Fact]
    public void The_source_path_and_image_url_do_not_matter()
    {
        var moved = JournalSamples.Request(source: "/elsewhere/renamed.png");
        var none = JournalSamples.Request(source: null);

        Assert.Equal(JournalSamples.Request().Fingerprint, moved.Fingerprint);
        Assert.Equal(JournalSamples.Request().Fingerprint, none.Fingerprint);
    }

    [Theory]
    [InlineData("https://api.1min.ai")]
    [InlineData("https://API.1min.ai/")]
    [InlineData("https://api.1min.ai:443/")]
    public void One_service_however_its_url_is_spelt(string spelling)
    {
        Assert.Equal(JournalSamples.Request().Fingerprint, JournalSamples.Request(baseUri: new Uri(spelling)).Fingerprint);
    }

    [Fact]
    public void Token_settings_are_compared_without_case_but_the_prompt_is_exact()
    {
        Assert.Equal(JournalSamples.Request().Fingerprint, JournalSamples.Request(quality: "Medium", background: "AUTO", model: "GPT-Image-1-Mini").Fingerprint);
        Assert.NotEqual(JournalSamples.Request().Fingerprint, JournalSamples.Request(prompt: "A quiet beach at dawn").Fingerprint);
    }

    [Fact]
    public void Moving_characters_from_one_part_to_the_next_changes_the_fingerprint()
    {
        var a = JournalSamples.Request(prompt: "sunset", size: "x");
        var b = JournalSamples.Request(prompt: "sunse", size: "tx");

        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
    }

    [Fact]
    public void HashFile_is_the_lower_case_sha256_of_the_content()
    {
        string path = Dir.File("cat.png");
        byte[] bytes = Images.Bytes(ImageFormat.Png);
        File.WriteAllBytes(path, bytes);

        Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), ImageRequest.HashFile(path));
    }

    [Fact]
    public void A_renamed_file_hashes_the_same_and_an_edited_one_does_not()
    {
        string path = Dir.File("cat.png");
        File.WriteAllBytes(path, Images.Bytes(ImageFormat.Png));
        string before = ImageRequest.HashFile(path);

        string renamed = Dir.File("renamed.png");
        File.Move(path, renamed);
        Assert.Equal(before, ImageRequest.HashFile(renamed));

        File.AppendAllText(renamed, "edit");
        Assert.NotEqual(before, ImageRequest.HashFile(renamed));
    }
}
