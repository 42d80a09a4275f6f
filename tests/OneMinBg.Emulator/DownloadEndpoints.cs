using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OneMinBg.Emulator;

/// <summary>The S3 bucket behind temporaryUrl: presigned links that expire, and the result PNGs.</summary>
internal static class DownloadEndpoints
{
    internal const string Bucket = "asset.1min.ai";
    internal const string BucketPath = "/" + Bucket;
    const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    // Per process, so links from an earlier run never verify.
    static readonly byte[] Secret = RandomNumberGenerator.GetBytes(32);

    // Result colours come from a small palette, so this stays a few hundred small entries at most.
    static readonly ConcurrentDictionary<ResultImage, byte[]> Pngs = new();

    internal static void Map(WebApplication app, EmulatorServer server) =>
        app.MapGet(BucketPath + "/{**key}", ctx => Serve(ctx, server, redirected: false));

    /// <summary>The object's unsigned address, as in asset.location.</summary>
    internal static string ObjectUrl(Uri origin, string key) =>
        $"{origin.AbsoluteUri}{Bucket}/{string.Join('/', key.Split('/').Select(Uri.EscapeDataString))}";

    internal static string PresignedUrl(Uri origin, string key, int ttlSeconds)
    {
        var date = DateTime.UtcNow.ToString(DateFormat, CultureInfo.InvariantCulture);
        var expires = ttlSeconds.ToString(CultureInfo.InvariantCulture);
        return $"{ObjectUrl(origin, key)}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires={expires}&X-Amz-Signature={Sign(key, date, expires)}";
    }

    static string Sign(string key, string date, string expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Secret, Encoding.UTF8.GetBytes($"{key}\n{date}\n{expires}")));

    /// <summary>Serves a result. <paramref name="redirected"/>: reached through the "redirect" fault, on the API origin, unsigned.</summary>
    internal static async Task Serve(HttpContext ctx, EmulatorServer server, bool redirected)
    {
        var key = ctx.Request.RouteValues["key"] as string ?? "";
        var state = server.State;
        if (redirected)
        {
            var withKey = ctx.Request.Headers.ContainsKey(EmulatorServer.ApiKeyHeader);
            state.Count(s =>
            {
                s.RedirectedDownloads++;
                if (withKey) s.RedirectedRequestsWithKey++;
            });
        }
        else if (CheckLink(ctx.Request.Query, key) is { } refusal)
        {
            await Replies.S3Error(ctx, 403, refusal.Code, refusal.Message);
            return;
        }
        await Replies.Pause(ctx, state.Current.DownloadLatencyMs);
        if (!state.Results.TryGetValue(key, out var image))
        {
            await Replies.S3Error(ctx, 404, "NoSuchKey", "The specified key does not exist.");
            return;
        }
        var png = Pngs.GetOrAdd(image, i => PngWriter.Encode(i.Width, i.Height, i.R, i.G, i.B));
        await Replies.Bytes(ctx, 200, "image/png", png);
    }

    static (string Code, string Message)? CheckLink(IQueryCollection query, string key)
    {
        string date = query["X-Amz-Date"].ToString(), expires = query["X-Amz-Expires"].ToString();
        if (query["X-Amz-Signature"].ToString() != Sign(key, date, expires))
            return ("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        var signedAt = DateTime.ParseExact(date, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var ttl = int.Parse(expires, CultureInfo.InvariantCulture); // both were signed by us, so they parse
        return DateTime.UtcNow >= signedAt.AddSeconds(ttl) ? ("AccessDenied", "Request has expired") : null;
    }
}
