using System;
using System.Net;
using System.Runtime.InteropServices;

namespace OneMinBg.Client.Http;

/// <summary>
/// What HttpClient needs on .NET Framework (Windows PowerShell 5.1), where it runs over HttpWebRequest and
/// ServicePointManager: TLS 1.2 where the process's protocols lack it, and a per-host connection limit that lets
/// every item of the largest -ThrottleLimit have a connection. Mono works the same way and gets the same.
/// </summary>
internal static class LegacyHttp
{
    /// <summary>-ThrottleLimit's maximum: every item in flight may hold a connection to the API.</summary>
    public const int ConnectionsPerHost = 256;

    /// <summary>True on .NET Framework and Mono; .NET's SocketsHttpHandler ignores ServicePointManager.</summary>
    public static readonly bool Applies = IsLegacy(RuntimeInformation.FrameworkDescription);

    public static bool IsLegacy(string frameworkDescription) =>
        frameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase)
        || frameworkDescription.StartsWith("Mono", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The protocols with TLS 1.2 added, unless they are the system default (0: the OS chooses, which on a
    /// current Windows includes TLS 1.2) or already have it. Nothing that is set is removed.
    /// </summary>
    public static SecurityProtocolType WithTls12(SecurityProtocolType current) =>
        current == 0 || (current & SecurityProtocolType.Tls12) != 0 ? current : current | SecurityProtocolType.Tls12;

    /// <summary>The process-wide settings, made before the first client: older .NET Framework defaults to TLS 1.0,
    /// and to two connections per host.</summary>
    public static void Prepare()
    {
        ServicePointManager.SecurityProtocol = WithTls12(ServicePointManager.SecurityProtocol);
        if (ServicePointManager.DefaultConnectionLimit < ConnectionsPerHost)
        {
            ServicePointManager.DefaultConnectionLimit = ConnectionsPerHost;
        }
    }

    /// <summary>
    /// The default limit covers only hosts first used after it was set; a host this session already used
    /// (an earlier Invoke-RestMethod, say) keeps its old limit on its service point, so raise that too. Through
    /// a proxy the service point is the proxy's.
    /// </summary>
    public static void RaiseConnectionLimit(Uri destination, IWebProxy? proxy)
    {
        ServicePoint point = proxy == null
            ? ServicePointManager.FindServicePoint(destination)
            : ServicePointManager.FindServicePoint(destination, proxy);
        if (point.ConnectionLimit < ConnectionsPerHost)
        {
            point.ConnectionLimit = ConnectionsPerHost;
        }
    }
}
