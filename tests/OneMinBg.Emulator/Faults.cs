using System;
using System.Globalization;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace OneMinBg.Emulator;

/// <summary>The requests faults can be aimed at.</summary>
internal enum Route { Upload, Feature, Result, Download }

/// <summary>Turns a drawn <see cref="FaultRule"/> into what the client sees. Runs after the API gate
/// (user agent, key, rate limit), so only requests the service would accept are faulted.</summary>
internal static class FaultInjector
{
    /// <summary>"api" is every request to the API origin (upload, feature, result), "any" includes downloads too.</summary>
    internal static readonly string[] Endpoints = ["upload", "feature", "result", "download", "api", "any"];

    internal static readonly string[] Kinds =
    [
        "429", "500", "502", "503", "504", "522", "401", "403", "406", "insufficient-credits",
        "reset-before", "reset-after", "slow", "malformed-json", "ai-record-null",
        "truncated", "truncated-short-length", "redirect", "chunked", "not-image", "echo-key",
        "drip",
        "change-during-upload", "success-without-uuid",
    ];

    /// <summary>"echo-key" answers with the API key it received, so it is only drawn on the API (downloads carry no key).</summary>
    internal static bool Applies(FaultRule rule, Route route) =>
        (rule.Endpoint == "any" || (rule.Endpoint == "api" && route != Route.Download) || rule.Endpoint.Equals(route.ToString(), StringComparison.OrdinalIgnoreCase))
        && (rule.Kind != "echo-key" || route != Route.Download);

    internal static async Task Run(HttpContext ctx, RequestDelegate next, EmulatorServer server, Route route)
    {
        var rule = server.State.DrawFault(route);
        switch (rule?.Kind)
        {
            case null:
                await next(ctx);
                break;
            case "reset-before":
                ctx.Abort();
                break;
            case "slow":
                await Replies.Pause(ctx, rule.DelayMs);
                await next(ctx);
                break;
            case "change-during-upload":
                // Changes the file being sent, as an editor saving it would, once its first bytes have arrived.
                ctx.Request.Body = new ChangingBody(ctx.Request.Body, rule.Path ?? "");
                await next(ctx);
                break;
            case "success-without-uuid":
                await SuccessWithoutUuid(ctx, next);
                break;
            case "reset-after" or "truncated" or "truncated-short-length" or "chunked":
                await RunThenBreak(ctx, next, rule.Kind);
                break;
            case "drip":
                await Drip(ctx, next, rule.DelayMs > 0 ? rule.DelayMs : 100);
                break;
            case "redirect":
                // To /_redirected/ on the API origin, which counts requests that arrive there with API-KEY. A download
                // is redirected to the same object (302); an API call to a copy of its path (307 keeps the method and
                // body, as an attacker would want), which a correct client does not follow at all.
                var download = route == Route.Download;
                var rest = download ? ctx.Request.Path.ToUriComponent()[DownloadEndpoints.BucketPath.Length..] : ctx.Request.Path.ToUriComponent();
                ctx.Response.StatusCode = download ? 302 : 307;
                ctx.Response.Headers.Location = new Uri(server.ApiUri, "_redirected" + rest).AbsoluteUri;
                ctx.Response.ContentLength = 0;
                break;
            default:
                await Answer(ctx, rule, server.State, route == Route.Download);
                break;
        }
    }

    /// <summary>Runs the request in full (processed and charged) and returns the answer it wrote, unsent.</summary>
    static async Task<MemoryStream> Capture(HttpContext ctx, RequestDelegate next)
    {
        var original = ctx.Response.Body;
        var captured = new MemoryStream();
        ctx.Response.Body = captured;
        try
        {
            await next(ctx);
        }
        finally
        {
            ctx.Response.Body = original;
        }
        return captured;
    }

    /// <summary>Lets the request be processed (and charged) in full, then spoils the delivery of the answer.</summary>
    static async Task RunThenBreak(HttpContext ctx, RequestDelegate next, string kind)
    {
        var original = ctx.Response.Body;
        using var captured = await Capture(ctx, next);
        if (kind == "reset-after")
        {
            ctx.Abort();
            return;
        }
        var body = captured.GetBuffer().AsMemory(0, (int)captured.Length);
        if (kind == "chunked")
        {
            // The whole body, but without a Content-Length: the client learns the size only by reading to the end.
            ctx.Response.ContentLength = null;
            await original.WriteAsync(body, ctx.RequestAborted);
            return;
        }
        var half = body[..(body.Length / 2)];
        // "truncated" promises the whole body and breaks off; "truncated-short-length" looks complete but is cut.
        ctx.Response.ContentLength = kind == "truncated" ? body.Length : half.Length;
        await original.WriteAsync(half, ctx.RequestAborted);
        await original.FlushAsync(ctx.RequestAborted);
        if (kind != "truncated") return;
        // A flush hands the bytes to Kestrel's transport, not yet to the socket, and an abort drops what is
        // still queued: give the half body a moment to leave, so the client really sees a body that breaks off.
        await Task.Delay(100, ctx.RequestAborted);
        ctx.Abort();
    }

    /// <summary>The whole answer with its full Content-Length, but one byte every <paramref name="delayMs"/>, as a
    /// stalled host or network sends it: until the body is done or the client gives up.</summary>
    static async Task Drip(HttpContext ctx, RequestDelegate next, int delayMs)
    {
        var original = ctx.Response.Body;
        using var captured = await Capture(ctx, next);
        ctx.Response.ContentLength = captured.Length;
        var body = captured.GetBuffer().AsMemory(0, (int)captured.Length);
        try
        {
            for (var i = 0; i < body.Length; i++)
            {
                await original.WriteAsync(body.Slice(i, 1), ctx.RequestAborted);
                await original.FlushAsync(ctx.RequestAborted);
                await Task.Delay(delayMs, ctx.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client hung up.
        }
    }

    /// <summary>Processes (and charges) the request in full, then answers with the record's uuid removed.</summary>
    static async Task SuccessWithoutUuid(HttpContext ctx, RequestDelegate next)
    {
        using var captured = await Capture(ctx, next);
        var body = JsonNode.Parse(captured.ToArray());
        if (body?["aiRecord"] is JsonObject record) record.Remove("uuid");
        await Replies.Json(ctx, ctx.Response.StatusCode, body);
    }

    /// <summary>Answers in place of the service, without processing or charging.</summary>
    static Task Answer(HttpContext ctx, FaultRule rule, EmulatorState state, bool download)
    {
        if (rule.Kind == "malformed-json")
            return Replies.Bytes(ctx, 200, "application/json; charset=utf-8", "{\"aiRecord\":{\"uuid\":\"6f1c2a"u8.ToArray());
        if (rule.Kind == "ai-record-null")
            return Replies.Json(ctx, 200, new JsonObject { ["aiRecord"] = null });
        if (rule.Kind == "not-image")
            // 200 with an HTML page, as a captive portal or a misconfigured proxy answers.
            return Replies.Bytes(ctx, 200, "text/html; charset=utf-8",
                "<!DOCTYPE html>\n<html><head><title>Sign in to continue</title></head><body><p>Please sign in to use this network.</p></body></html>"u8.ToArray());
        if (rule.Kind == "echo-key")
        {
            // A careless server that repeats the credential in its error: the client must not pass it on.
            var received = ctx.Request.Headers[EmulatorServer.ApiKeyHeader].ToString();
            var filler = new string('x', Math.Max(0, rule.Padding));
            return Replies.Error(ctx, 400, "UNKNOWN_ERROR",
                $"{filler}API key {received} is not allowed to use this feature", $"{filler}apiKey={received}");
        }

        if (rule.RetryAfter is not null) ctx.Response.Headers.RetryAfter = rule.RetryAfter; // on every error status
        var config = state.Current;
        switch (rule.Kind)
        {
            case "insufficient-credits":
                var available = Math.Clamp(config.Credits, 0, Math.Max(0, config.CreditCost - 1));
                return Replies.Error(ctx, 400, "INSUFFICIENT_CREDITS", EmulatorState.InsufficientCredits(config.CreditCost, available));
            case "401":
                return Replies.Error(ctx, 401, "HTTP_EXCEPTION", "API Key has been deleted");
            case "406":
                return Replies.Error(ctx, 406, null, "Not Acceptable");
            case "429":
                return Replies.RateLimited(ctx);
            case "522":
                return Replies.Cloudflare522(ctx);
            case "403" when download:
                return Replies.S3Error(ctx, 403, "AccessDenied", "Request has expired");
        }
        var status = int.Parse(rule.Kind, CultureInfo.InvariantCulture);
        var reason = ReasonPhrases.GetReasonPhrase(status); // e.g. "Service Unavailable"
        return download
            ? Replies.S3Error(ctx, status, reason.Replace(" ", ""), reason)
            : Replies.Error(ctx, status, reason.ToUpperInvariant().Replace(' ', '_'), reason);
    }
}

/// <summary>
/// A request body that, once 64 KB have been read, flips the last byte of a file on disk: the client is still
/// sending, and with the file larger than every buffer between the two (socket buffers: a few MB, at most
/// tcp_wmem + tcp_rmem), the client has not read that byte yet.
/// </summary>
internal sealed class ChangingBody(Stream inner, string path) : Stream
{
    const int After = 64 * 1024;
    long _read;
    bool _changed;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await inner.ReadAsync(buffer, cancellationToken);
        Count(read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        int read = inner.Read(buffer, offset, count);
        Count(read);
        return read;
    }

    void Count(int read)
    {
        _read += read;
        if (_changed || _read < After || path.Length == 0) return;
        _changed = true;
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite,
            FileShare.ReadWrite | FileShare.Delete);
        file.Position = file.Length - 1;
        int last = file.ReadByte();
        file.Position = file.Length - 1;
        file.WriteByte((byte)(last ^ 0xFF));
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
