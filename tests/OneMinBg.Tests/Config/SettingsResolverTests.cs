using System.Collections.Generic;

namespace OneMinBg.Tests.Config;

/// <summary>
/// Every setting's precedence: parameter, environment variable, saved configuration, built-in
/// default. The environment is a dictionary here, so the process's own is never changed.
/// </summary>
public sealed class SettingsResolverTests
{
    private const string ConfigPath = "/home/someone/.config/OneMinBg/config.json";

    private readonly Dictionary<string, string?> _env = new(StringComparer.Ordinal);
    private SavedConfig _saved = new();
    private int _savedReads;

    private SettingsResolver Resolver() => new(name => _env.TryGetValue(name, out string? value) ? value : null,
        () =>
        {
            _savedReads++;
            return _saved;
        },
        ConfigPath);

    [Fact]
    public void BaseUri_takes_the_parameter_then_the_environment_then_the_saved_value_then_the_default()
    {
        var param = new Uri("https://param.example/");
        _env[SettingsResolver.EnvBaseUrl] = "https://env.example/";
        _saved = new SavedConfig { BaseUri = "https://saved.example/" };

        Assert.Equal(param, Resolver().BaseUri(param));
        Assert.Equal(new Uri("https://env.example/"), Resolver().BaseUri(null));
        _env[SettingsResolver.EnvBaseUrl] = "  ";
        Assert.Equal(new Uri("https://saved.example/"), Resolver().BaseUri(null));
        _saved = new SavedConfig();
        Assert.Equal(OneMinClientOptions.DefaultBaseUri, Resolver().BaseUri(null));
    }

    [Fact]
    public void The_saved_configuration_is_not_read_when_a_parameter_or_the_environment_decides()
    {
        _env[SettingsResolver.EnvJournalPath] = "/env/journal.jsonl";
        SettingsResolver resolver = Resolver();

        resolver.BaseUri(new Uri("https://param.example/"));
        resolver.JournalPath(null);
        resolver.RequestsPerMinute(0);
        resolver.ThrottleLimit(3);
        resolver.Size("1024x1024");
        Assert.Equal("k", resolver.ApiKey("k", () => throw new InvalidOperationException("not needed")));

        Assert.Equal(0, _savedReads);
    }

    [Theory]
    [InlineData("api.1min.ai")]
    [InlineData("localhost:5000")]
    [InlineData("127.0.0.1:5000/v1")]
    public void A_base_URL_without_its_scheme_is_an_InvalidBaseUri_that_shows_it_with_one(string value)
    {
        Uri parameter = new(value, UriKind.RelativeOrAbsolute); // as PowerShell binds -BaseUri api.1min.ai
        _env[SettingsResolver.EnvBaseUrl] = value;

        var fromParameter = Assert.Throws<InvalidSettingException>(() => Resolver().BaseUri(parameter));
        var fromEnvironment = Assert.Throws<InvalidSettingException>(() => Resolver().BaseUri(null));

        foreach (InvalidSettingException ex in new[] { fromParameter, fromEnvironment })
        {
            Assert.Equal("InvalidBaseUri", ex.ErrorId);
            Assert.Equal(value, ex.Value);
            Assert.Contains($"for example https://{value}", ex.Message, StringComparison.Ordinal);
        }
        Assert.StartsWith($"-BaseUri '{value}' is not an absolute URL", fromParameter.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("env")]
    [InlineData("saved")]
    public void A_value_that_is_not_an_absolute_URL_is_an_InvalidBaseUri_naming_where_it_came_from(string where)
    {
        if (where == "env")
        {
            _env[SettingsResolver.EnvBaseUrl] = "not a url";
        }
        else
        {
            _saved = new SavedConfig { BaseUri = "not a url" };
        }

        var ex = Assert.Throws<InvalidSettingException>(() => Resolver().BaseUri(null));

        Assert.Equal("InvalidBaseUri", ex.ErrorId);
        Assert.Equal("not a url", ex.Value);
        string expected = where == "env"
            ? "The environment variable ONEMIN_BASE_URL holds 'not a url', which is not an absolute URL."
            : $"The saved configuration ({ConfigPath}) holds 'not a url', which is not an absolute URL.";
        Assert.StartsWith(expected, ex.Message);
    }

    [Fact]
    public void RequestsPerMinute_takes_the_parameter_then_the_environment_then_the_saved_value_then_180()
    {
        _env[SettingsResolver.EnvRequestsPerMinute] = "30";
        _saved = new SavedConfig { RequestsPerMinute = 60 };

        Assert.Equal(0, Resolver().RequestsPerMinute(0));
        Assert.Equal(30, Resolver().RequestsPerMinute(null));
        _env.Remove(SettingsResolver.EnvRequestsPerMinute);
        Assert.Equal(60, Resolver().RequestsPerMinute(null));
        _saved = new SavedConfig();
        Assert.Equal(180, Resolver().RequestsPerMinute(null));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("-1")]
    [InlineData("1.5")]
    public void An_environment_rate_that_is_not_a_whole_number_of_0_or_more_is_InvalidRequestsPerMinute(string value)
    {
        _env[SettingsResolver.EnvRequestsPerMinute] = value;

        var ex = Assert.Throws<InvalidSettingException>(() => Resolver().RequestsPerMinute(null));

        Assert.Equal("InvalidRequestsPerMinute", ex.ErrorId);
        Assert.Equal(value, ex.Value);
        Assert.Equal($"The environment variable ONEMIN_REQUESTS_PER_MINUTE holds '{value}', which is not a whole "
            + "number of 0 or more. Set it to e.g. 180, or remove it.", ex.Message);
        Assert.Equal(5, Resolver().RequestsPerMinute(5));
    }

    [Fact]
    public void ApiKey_takes_the_parameter_then_the_environment_then_the_saved_key()
    {
        _env[SettingsResolver.EnvApiKey] = "env-key";

        Assert.Equal("param-key", Resolver().ApiKey("param-key", () => "saved-key"));
        Assert.Equal("env-key", Resolver().ApiKey(null, () => "saved-key"));
        _env[SettingsResolver.EnvApiKey] = " ";
        Assert.Equal("saved-key", Resolver().ApiKey(null, () => "saved-key"));
        Assert.Null(Resolver().ApiKey(null, () => null));
    }

    [Fact]
    public void JournalPath_takes_the_parameter_then_the_environment_then_the_saved_path_else_null_for_the_default()
    {
        _env[SettingsResolver.EnvJournalPath] = "/env/journal.jsonl";
        _saved = new SavedConfig { JournalPath = "/saved/journal.jsonl" };

        Assert.Equal("./mine.jsonl", Resolver().JournalPath("./mine.jsonl"));
        Assert.Equal("/env/journal.jsonl", Resolver().JournalPath(null));
        _env[SettingsResolver.EnvJournalPath] = "";
        Assert.Equal("/saved/journal.jsonl", Resolver().JournalPath(null));
        _saved = new SavedConfig { JournalPath = " " };
        Assert.Null(Resolver().JournalPath(null));
    }

    [Fact]
    public void The_proxy_is_the_parameter_else_left_to_dotnet_when_a_proxy_variable_is_set_else_the_saved_one()
    {
        var param = new Uri("http://param-proxy:8080/");
        _saved = new SavedConfig { Proxy = "http://saved-proxy:3128/" };

        Assert.Equal(param, Resolver().Proxy(param));
        Assert.Equal(new Uri("http://saved-proxy:3128/"), Resolver().Proxy(null));
        _env["https_proxy"] = "http://env-proxy:3128/";
        Assert.Null(Resolver().Proxy(null));
        _env.Clear();
        _saved = new SavedConfig();
        Assert.Null(Resolver().Proxy(null));
        _saved = new SavedConfig { Proxy = "proxy" };
        Assert.Equal("InvalidBaseUri", Assert.Throws<InvalidSettingException>(() => Resolver().Proxy(null)).ErrorId);
    }

    [Fact]
    public void ThrottleLimit_takes_the_parameter_then_the_saved_value_then_64()
    {
        _saved = new SavedConfig { ThrottleLimit = 4 };

        Assert.Equal(2, Resolver().ThrottleLimit(2));
        Assert.Equal(4, Resolver().ThrottleLimit(null));
        _saved = new SavedConfig();
        Assert.Equal(64, Resolver().ThrottleLimit(null));
    }

    [Fact]
    public void Image_settings_take_the_parameter_then_the_saved_value_then_the_default()
    {
        _saved = new SavedConfig { Size = "1536x1024", Quality = "high", Background = "opaque", Model = "saved-model" };
        SettingsResolver resolver = Resolver();

        Assert.Equal(("1024x1024", "low", "transparent", "m"),
            (resolver.Size("1024x1024"), resolver.Quality("LOW"), resolver.Background("Transparent"),
                resolver.Model("m")));
        Assert.Equal(("1536x1024", "high", "opaque", "saved-model"),
            (resolver.Size(null), resolver.Quality(null), resolver.Background(null), resolver.Model(null)));

        _saved = new SavedConfig { Size = "", Quality = " " };
        resolver = Resolver();
        Assert.Equal((SettingsResolver.AutoSize, "medium", "auto", BackgroundReplacer.DefaultModel),
            (resolver.Size(null), resolver.Quality(null), resolver.Background(null), resolver.Model(null)));
    }

    [Theory]
    [InlineData("auto", "Auto")]
    [InlineData("AUTO", "Auto")]
    [InlineData("1024X1536", "1024x1536")]
    [InlineData("1536x1024", "1536x1024")]
    public void A_size_in_any_case_comes_out_as_the_service_spells_it(string given, string expected)
    {
        Assert.Equal(expected, Resolver().Size(given));
        _saved = new SavedConfig { Size = given };
        Assert.Equal(expected, Resolver().Size(null));
    }
}
