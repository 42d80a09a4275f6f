using System.Text;

namespace OneMinBg.Tests;

public sealed class JournalKeyTests
{
    [Theory]
    [InlineData("4fc600aebc6f4674bd39358d676451feff23df168f070c6bd9a64bbab8b25481", "4FC600AEBC6F4674BD39358D676451FEFF23DF168F070C6BD9A64BBAB8B25481")]
    [InlineData("b6f7c3d2-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "B6F7C3D2-1A2B-4C3D-8E9F-0A1B2C3D4E5F")]
    [InlineData("rec-1", "REC-1")]
    [InlineData("https://api.1min.ai:443/", "https://api.1min.ai:443/")]
    public void Keys_ignore_ascii_case(string a, string b)
    {
        Assert.Equal(JournalKey.Of(a), JournalKey.Of(b));
        Assert.Equal(JournalKey.Of(a), JournalKey.Of(Encoding.UTF8.GetBytes(a)));
        Assert.Equal(JournalKey.Of(a).GetHashCode(), JournalKey.Of(b).GetHashCode());
    }

    [Theory]
    [InlineData("4fc600aebc6f4674bd39358d676451feff23df168f070c6bd9a64bbab8b25481", "4fc600aebc6f4674bd39358d676451feff23df168f070c6bd9a64bbab8b25482")]
    [InlineData("b6f7c3d2-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "b6f7c3d2-1a2b-4c3d-8e9f-0a1b2c3d4e50")]
    [InlineData("b6f7c3d2-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "b6f7c3d21a2b4c3d8e9f0a1b2c3d4e5f")]
    [InlineData("rec-1", "rec-2")]
    [InlineData("url:https://example.com/cat.png", "url:https://example.com/Cat.png?")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "00000000-0000-0000-0000-000000000000")]
    public void Different_values_have_different_keys(string a, string b)
    {
        Assert.NotEqual(JournalKey.Of(a), JournalKey.Of(b));
    }

    [Fact]
    public void Hex_guid_and_other_text_never_share_a_key()
    {
        string hex = new string('a', 64);
        string almostHex = new string('a', 63) + "g";
        Assert.NotEqual(JournalKey.Of(hex), JournalKey.Of(almostHex));
        Assert.Equal(JournalKey.Of(almostHex), JournalKey.Of(almostHex.ToUpperInvariant()));
    }
}
