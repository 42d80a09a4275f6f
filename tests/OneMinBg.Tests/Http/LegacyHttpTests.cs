using System.Net;

namespace OneMinBg.Tests;

#pragma warning disable SYSLIB0014 // ServicePointManager: what .NET Framework's HttpClient runs on

/// <summary>
/// .NET Framework's HttpClient settings (TLS 1.2, connection limits, no Expect: 100-continue). ServicePointManager
/// still works on .NET 10, so the code path is forced here; on Mono it runs for real (tests/OneMinBg.NetFx).
/// </summary>
[Collection(nameof(LegacyHttpTests))] // the settings are process-wide
public sealed class LegacyHttpTests
{
    private const SecurityProtocolType Tls = SecurityProtocolType.Tls;
    private const SecurityProtocolType Tls11 = SecurityProtocolType.Tls11;
    private const SecurityProtocolType Tls12 = SecurityProtocolType.Tls12;
    private const SecurityProtocolType Tls13 = SecurityProtocolType.Tls13;

    [Theory]
    [InlineData(Tls, Tls | Tls12)]
    [InlineData(Tls | Tls11, Tls | Tls11 | Tls12)]
    [InlineData(Tls12, Tls12)]
    [InlineData(Tls13, Tls13 | Tls12)]
    [InlineData(Tls12 | Tls13, Tls12 | Tls13)]
    [InlineData(SecurityProtocolType.SystemDefault, SecurityProtocolType.SystemDefault)]
    public void TLS_1_2_is_added_unless_the_system_chooses_and_nothing_set_is_removed(
        SecurityProtocolType set, SecurityProtocolType expected) =>
        Assert.Equal(expected, LegacyHttp.WithTls12(set));

    [Fact]
    public void Preparing_the_process_adds_TLS_1_2_and_raises_the_default_connection_limit()
    {
        SecurityProtocolType protocols = ServicePointManager.SecurityProtocol;
        int limit = ServicePointManager.DefaultConnectionLimit;
        try
        {
            ServicePointManager.SecurityProtocol = SecurityProtocolType.Tls;
            ServicePointManager.DefaultConnectionLimit = 2;
            LegacyHttp.Prepare();
            Assert.Equal(SecurityProtocolType.Tls | SecurityProtocolType.Tls12, ServicePointManager.SecurityProtocol);
            Assert.Equal(256, ServicePointManager.DefaultConnectionLimit);
        }
        finally
        {
            ServicePointManager.SecurityProtocol = protocols;
            ServicePointManager.DefaultConnectionLimit = limit;
        }
    }

    [Fact]
    public void A_host_used_earlier_in_the_session_gets_the_limit_too_and_a_higher_one_is_kept()
    {
        // An earlier Invoke-RestMethod made this host's service point with the old default of two.
        var used = new Uri("https://used-earlier.example/api/assets");
        ServicePointManager.FindServicePoint(used).ConnectionLimit = 2;
        LegacyHttp.RaiseConnectionLimit(used, proxy: null);
        Assert.Equal(256, ServicePointManager.FindServicePoint(used).ConnectionLimit);

        var generous = new Uri("https://generous.example/");
        ServicePointManager.FindServicePoint(generous).ConnectionLimit = 1000;
        LegacyHttp.RaiseConnectionLimit(generous, proxy: null);
        Assert.Equal(1000, ServicePointManager.FindServicePoint(generous).ConnectionLimit);
    }

    [Fact]
    public void Through_a_proxy_the_proxy_service_point_is_raised()
    {
        var proxy = new WebProxy("http://limited-proxy.example:3128");
        var api = new Uri("https://api.through-proxy.example/");
        ServicePointManager.FindServicePoint(api, proxy).ConnectionLimit = 2;
        LegacyHttp.RaiseConnectionLimit(api, proxy);
        Assert.Equal(256, ServicePointManager.FindServicePoint(api, proxy).ConnectionLimit);
    }

    [Fact]
    public void The_limit_covers_the_largest_ThrottleLimit() => Assert.Equal(256, LegacyHttp.ConnectionsPerHost);

    [Theory]
    [InlineData(".NET Framework 4.8.9232.0", true)]
    [InlineData("Mono 6.8.0.105 (Debian 6.8.0.105+dfsg-3.3+deb12u1)", true)]
    [InlineData(".NET 10.0.0", false)]
    [InlineData(".NET Core 3.1.32", false)]
    public void Only_NET_Framework_and_Mono_use_ServicePointManager(string description, bool legacy) =>
        Assert.Equal(legacy, LegacyHttp.IsLegacy(description));

    [Fact]
    public void No_client_asks_for_100_continue()
    {
        Assert.False(Transport.Client.DefaultRequestHeaders.ExpectContinue);
        Assert.False(Transport.For(new Uri("http://proxy.example:3128"), null).DefaultRequestHeaders.ExpectContinue);
    }
}
