using System.Collections.Generic;
using System.Net;
using System.Net.Http;

namespace OneMinBg.Tests;

/// <summary>
/// HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY as the library reads them itself (.NET Framework's handler ignores
/// them), so -Proxy > environment > saved proxy > system proxy holds on both editions.
/// </summary>
public sealed class EnvironmentProxyTests
{
    private static readonly Uri Api = new("https://api.1min.ai/api/features");

    private static EnvironmentProxy? From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return EnvironmentProxy.From(name => map.TryGetValue(name, out string? value) ? value : null);
    }

    private static bool Configured(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return EnvironmentProxy.IsConfigured(name => map.TryGetValue(name, out string? value) ? value : null);
    }

    [Fact]
    public void No_variable_means_no_environment_proxy_and_the_saved_proxy_applies()
    {
        Assert.Null(From());
        Assert.False(Configured());
        Assert.False(Configured(("NO_PROXY", "example.com")));
        Assert.False(Configured(("HTTPS_PROXY", "  ")));
    }

    [Theory]
    [InlineData("HTTPS_PROXY")]
    [InlineData("https_proxy")]
    [InlineData("HTTP_PROXY")]
    [InlineData("http_proxy")]
    [InlineData("ALL_PROXY")]
    [InlineData("all_proxy")]
    public void Any_proxy_variable_takes_precedence_over_the_saved_proxy(string name) =>
        Assert.True(Configured((name, "http://proxy.example:3128")));

    [Fact]
    public void Https_urls_use_HTTPS_PROXY_and_http_urls_HTTP_PROXY()
    {
        EnvironmentProxy proxy = From(
            ("HTTPS_PROXY", "http://secure.example:3128"), ("HTTP_PROXY", "plain.example:8080"))!;
        Assert.Equal(new Uri("http://secure.example:3128/"), proxy.GetProxy(Api));
        Assert.Equal(new Uri("http://plain.example:8080/"), proxy.GetProxy(new Uri("http://cdn.example/r.png")));
    }

    [Fact]
    public void An_https_url_without_HTTPS_PROXY_goes_direct_unless_ALL_PROXY_is_set()
    {
        Assert.True(From(("HTTP_PROXY", "http://plain.example:8080"))!.IsBypassed(Api));
        EnvironmentProxy all = From(
            ("HTTP_PROXY", "http://plain.example:8080"), ("ALL_PROXY", "http://all.example:1080"))!;
        Assert.Equal(new Uri("http://all.example:1080/"), all.GetProxy(Api));
    }

    [Theory]
    [InlineData("*", "https://api.1min.ai/", true)]
    [InlineData("1min.ai", "https://api.1min.ai/", true)]
    [InlineData(".1min.ai", "https://api.1min.ai/", true)]
    [InlineData("*.1min.ai", "https://api.1min.ai/", true)]
    [InlineData("api.1min.ai", "https://API.1min.ai/", true)]
    [InlineData("min.ai", "https://api.1min.ai/", false)]
    [InlineData("other.example, api.1min.ai", "https://api.1min.ai/", true)]
    [InlineData("api.1min.ai:443", "https://api.1min.ai/", true)]
    [InlineData("api.1min.ai:8443", "https://api.1min.ai/", false)]
    [InlineData("127.0.0.1", "https://127.0.0.1:5001/", true)]
    [InlineData("[::1]", "https://[::1]:5001/", true)]
    [InlineData("::1", "https://[::1]:5001/", true)]
    [InlineData("", "https://api.1min.ai/", false)]
    public void NO_PROXY_sends_its_hosts_direct(string noProxy, string url, bool direct)
    {
        EnvironmentProxy proxy = From(("HTTPS_PROXY", "http://proxy.example:3128"), ("no_proxy", noProxy))!;
        Assert.Equal(direct, proxy.IsBypassed(new Uri(url)));
        Assert.Equal(direct ? new Uri(url) : new Uri("http://proxy.example:3128/"), proxy.GetProxy(new Uri(url)));
    }

    [Fact]
    public void Credentials_come_from_the_proxy_url_and_are_offered_only_to_that_proxy()
    {
        EnvironmentProxy proxy = From(("HTTPS_PROXY", "http://ops%40corp:p%3Ass@proxy.example:3128"))!;
        Assert.Equal(new Uri("http://proxy.example:3128/"), proxy.GetProxy(Api));
        NetworkCredential? credential =
            proxy.Credentials!.GetCredential(new Uri("http://proxy.example:3128/"), "Basic");
        Assert.Equal("ops@corp", credential?.UserName);
        Assert.Equal("p:ss", credential?.Password);
        Assert.Null(proxy.Credentials.GetCredential(new Uri("http://elsewhere.example:3128/"), "Basic"));
    }

    [Fact]
    public void A_value_that_is_not_an_http_url_is_ignored_as_dotnet_ignores_it() =>
        Assert.Null(From(("HTTPS_PROXY", "socks5://proxy.example:1080")));

    [Fact]
    public async Task A_client_made_with_it_sends_requests_through_the_proxy_and_NO_PROXY_hosts_direct()
    {
        await using EmulatorServer emulator = await Emu.StartAsync();
        // The emulator answers proxy requests too; the host below resolves only through it.
        var target = new Uri("http://api.onemin.invalid/_emulator/stats");
        using HttpClient proxied = Transport.Create(From(("HTTP_PROXY", emulator.ApiUri.AbsoluteUri)));
        using HttpResponseMessage response = await proxied.GetAsync(target);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using HttpClient direct = Transport.Create(
            From(("HTTP_PROXY", emulator.ApiUri.AbsoluteUri), ("NO_PROXY", "onemin.invalid")));
        await Assert.ThrowsAsync<HttpRequestException>(() => direct.GetAsync(target));
    }
}
