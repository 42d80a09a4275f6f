using System;
using System.Security;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace OneMinBg.Emulator;

/// <summary>Writing responses the way the real hosts do, always with a Content-Length.</summary>
internal static class Replies
{
    /// <summary>camelCase out, any case in; quotes and apostrophes written plainly, as most servers do.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>For configuration: a misspelt property is an error, not a silent no-op.</summary>
    internal static readonly JsonSerializerOptions StrictJsonOptions = new(JsonOptions) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    internal static Task Bytes(HttpContext ctx, int status, string contentType, ReadOnlyMemory<byte> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        ctx.Response.ContentLength = body.Length;
        return ctx.Response.Body.WriteAsync(body, ctx.RequestAborted).AsTask();
    }

    internal static Task Json<T>(HttpContext ctx, int status, T value) =>
        Bytes(ctx, status, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(value, JsonOptions));

    /// <summary>The API's error shape; <paramref name="code"/> null gives a message-only body, which the API also sends.</summary>
    internal static Task Error(HttpContext ctx, int status, string? code, string message, string? details = null)
    {
        var body = new JsonObject();
        if (code is not null) body["errorCode"] = code;
        body["message"] = message;
        if (details is not null) body["details"] = details;
        return Json(ctx, status, body);
    }

    internal static Task RateLimited(HttpContext ctx) =>
        Error(ctx, 429, "RATE_LIMIT_EXCEEDED", "Too many requests, please slow down");

    /// <summary>S3's XML error document, as the download host sends it.</summary>
    internal static Task S3Error(HttpContext ctx, int status, string code, string message) =>
        Bytes(ctx, status, "application/xml", Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message>" +
            $"<RequestId>{Guid.NewGuid():N}</RequestId></Error>"));

    /// <summary>Cloudflare's page when the origin does not answer in time.</summary>
    internal static Task Cloudflare522(HttpContext ctx) =>
        Bytes(ctx, 522, "text/html; charset=UTF-8", Encoding.UTF8.GetBytes(
            "<!DOCTYPE html>\n<html><head><title>api.1min.ai | 522: Connection timed out</title></head>" +
            "<body><h1>Connection timed out</h1><span>Error code 522</span><p>Cloudflare</p></body></html>"));

    /// <summary>Waits, but ends early (with OperationCanceledException) when the client goes away.</summary>
    internal static Task Pause(HttpContext ctx, int milliseconds) =>
        milliseconds > 0 ? Task.Delay(milliseconds, ctx.RequestAborted) : Task.CompletedTask;
}
