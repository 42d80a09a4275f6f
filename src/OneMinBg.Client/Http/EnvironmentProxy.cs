using System;
using System.Collections.Generic;
using System.Net;

namespace OneMinBg.Client.Http;

/// <summary>
/// HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (either case), read by the library itself: .NET applies them
/// in HttpClientHandler, .NET Framework ignores them, and the module's precedence (-Proxy, then these, then the
/// saved proxy, then the system proxy) must hold on both editions. The proxy is chosen per request URL: https
/// URLs use HTTPS_PROXY, http URLs HTTP_PROXY, either falls back to ALL_PROXY; NO_PROXY lists hosts to reach
/// directly ("*" for all; "example.com" or ".example.com" also covers its subdomains; an entry may carry a port).
/// </summary>
public sealed class EnvironmentProxy : IWebProxy, ICredentials
{
    private static readonly string[] Names = { "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY" };

    private readonly WebProxy? _https;
    private readonly WebProxy? _http;
    private readonly string[] _bypass;

    private EnvironmentProxy(WebProxy? https, WebProxy? http, string[] bypass)
    {
        _https = https;
        _http = http;
        _bypass = bypass;
    }

    /// <summary>The user info of the proxy URL (http://user:password@proxy:8080) for the proxy asked about.</summary>
    public ICredentials? Credentials
    {
        get => this;
        set => throw new NotSupportedException("The credentials come from the proxy URL.");
    }

    /// <summary>
    /// True when any proxy variable is set: then they decide (a saved proxy is not used), even for a host
    /// NO_PROXY sends direct. This is what the settings resolver asks.
    /// </summary>
    public static bool IsConfigured(Func<string, string?> environment)
    {
        foreach (string name in Names)
        {
            if (Read(environment, name) != null && name != "NO_PROXY")
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The proxy the variables describe; null unless HTTPS_PROXY, HTTP_PROXY or ALL_PROXY is set.</summary>
    /// <remarks>A value that is not an http(s) URL is ignored, as .NET ignores it.</remarks>
    public static EnvironmentProxy? From(Func<string, string?> environment)
    {
        WebProxy? all = Parse(environment, "ALL_PROXY");
        WebProxy? https = Parse(environment, "HTTPS_PROXY") ?? all;
        WebProxy? http = Parse(environment, "HTTP_PROXY") ?? all;
        if (https == null && http == null)
        {
            return null;
        }

        string[] bypass = (Read(environment, "NO_PROXY") ?? "")
            .Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries);
        return new EnvironmentProxy(https, http, bypass);
    }

    /// <summary>From the process environment.</summary>
    public static EnvironmentProxy? FromProcess() => From(Environment.GetEnvironmentVariable);

    public Uri? GetProxy(Uri destination)
    {
        WebProxy? proxy = For(destination);
        return proxy == null ? destination : proxy.Address;
    }

    public bool IsBypassed(Uri host) => For(host) == null;

    public NetworkCredential? GetCredential(Uri uri, string authType)
    {
        foreach (WebProxy? proxy in new[] { _https, _http })
        {
            if (proxy?.Address != null && Uri.Compare(proxy.Address, uri, UriComponents.HostAndPort,
                UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                return proxy.Credentials?.GetCredential(uri, authType);
            }
        }
        return null;
    }

    private WebProxy? For(Uri destination)
    {
        WebProxy? proxy = destination.Scheme == Uri.UriSchemeHttps ? _https : _http;
        return proxy == null || Bypassed(destination) ? null : proxy;
    }

    private bool Bypassed(Uri destination)
    {
        string host = destination.IdnHost.Trim('[', ']');
        foreach (string raw in _bypass)
        {
            string entry = raw.Trim();
            if (entry == "*")
            {
                return true;
            }

            int? port = null;
            int colon = entry.LastIndexOf(':');
            if (colon > 0 && entry.IndexOf(':') == colon && int.TryParse(entry.Substring(colon + 1), out int p))
            {
                port = p; // host:port; an IPv6 address has several colons and no port here
                entry = entry.Substring(0, colon);
            }

            entry = entry.Trim('[', ']');
            if (entry.StartsWith("*.", StringComparison.Ordinal))
            {
                entry = entry.Substring(1);
            }

            string domain = entry.TrimStart('.');
            bool hostMatches = string.Equals(host, domain, StringComparison.OrdinalIgnoreCase)
                || host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
            if (hostMatches && (port == null || port == destination.Port))
            {
                return true;
            }
        }
        return false;
    }

    private static WebProxy? Parse(Func<string, string?> environment, string name)
    {
        string? value = Read(environment, name);
        if (value == null)
        {
            return null;
        }

        // "proxy:3128" without a scheme means http, as curl and .NET read it.
        string text = value.Contains("://") ? value : "http://" + value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }

        var proxy = new WebProxy(new UriBuilder(uri) { UserName = "", Password = "" }.Uri);
        int at = uri.UserInfo.IndexOf(':');
        if (uri.UserInfo.Length > 0)
        {
            string user = Uri.UnescapeDataString(at < 0 ? uri.UserInfo : uri.UserInfo.Substring(0, at));
            string password = at < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo.Substring(at + 1));
            proxy.Credentials = new NetworkCredential(user, password);
        }
        return proxy;
    }

    private static string? Read(Func<string, string?> environment, string name)
    {
        string? value = environment(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            value = environment(name.ToLowerInvariant());
        }
        return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
    }
}
