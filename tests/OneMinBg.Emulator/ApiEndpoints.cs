using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace OneMinBg.Emulator;

/// <summary>api.1min.ai: uploads, the Background Replacer, result lookups, plus the test-only control endpoints.</summary>
internal static class ApiEndpoints
{
    const long MaxUploadBytes = 50L * 1024 * 1024;
    const string FeatureType = "BACKGROUND_REPLACER";
    const string Model = "gpt-image-1-mini";
    const string UserId = "3f9e2c4a-7b1d-4e8a-9c55-0d2b6a1e7f10";
    const string TeamId = "8a1c5e77-2d4b-4f09-b3e6-91c0d4a25b3e";
    static readonly string[] Qualities = ["low", "medium", "high"];
    static readonly string[] Backgrounds = ["auto", "opaque", "transparent"];

    sealed record Problem(string Code, string Message, string? Details = null);

    internal static void Map(WebApplication app, EmulatorServer server)
    {
        app.MapPost("/api/assets", ctx => Upload(ctx, server));
        app.MapPost("/api/features", ctx => Feature(ctx, server));
        app.MapGet("/api/results/{uuid}", ctx => Lookup(ctx, server));
        app.MapGet("/api/ai-records/{uuid}", ctx => Lookup(ctx, server));
        app.Map("/_redirected/{**key}", ctx => DownloadEndpoints.Serve(ctx, server, redirected: true));

        app.MapGet("/_emulator/stats", ctx => Replies.Json(ctx, 200, server.State.Snapshot()));
        app.MapGet("/_emulator/config", ctx => Replies.Json(ctx, 200, server.State.Config));
        app.MapPost("/_emulator/config", ctx => Configure(ctx, server.State));
        app.MapPost("/_emulator/reset", ctx =>
        {
            server.State.Reset();
            return Replies.Json(ctx, 200, server.State.Snapshot());
        });
    }

    /// <summary>What the service checks before anything else on /api: a browser-like client, the key, the rate limit.
    /// Writes the refusal and returns false when the request may not go on.</summary>
    internal static async Task<bool> Admit(HttpContext ctx, EmulatorServer server)
    {
        var state = server.State;
        if (state.Current.RequireUserAgent && string.IsNullOrWhiteSpace(ctx.Request.Headers.UserAgent))
        {
            await Replies.Error(ctx, 406, null, "Not Acceptable");
            return false;
        }
        var key = ctx.Request.Headers[EmulatorServer.ApiKeyHeader].ToString();
        if (key != server.ApiKey)
        {
            await Replies.Error(ctx, 401, "HTTP_EXCEPTION", "API Key is not active or has been deleted");
            return false;
        }
        if (!state.TryTakeRateSlot(key, out var retryAfter))
        {
            if (state.Current.RateLimitRetryAfter) ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            await Replies.RateLimited(ctx);
            return false;
        }
        return true;
    }

    /// <summary>Streams the multipart body: hashes the file while reading and keeps none of it.</summary>
    static async Task Upload(HttpContext ctx, EmulatorServer server)
    {
        var state = server.State;
        var boundary = MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var contentType)
                       && contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(contentType.Boundary).ToString()
            : "";
        if (boundary.Length == 0)
        {
            await BadRequest(ctx, "UNKNOWN_ERROR", "Expected multipart/form-data with one file field named 'asset'");
            return;
        }

        (string Name, string Sha256, long Size)? file = null;
        var reader = new MultipartReader(boundary, ctx.Request.Body);
        try
        {
            while (await reader.ReadNextSectionAsync(ctx.RequestAborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.IsFileDisposition()) continue; // plain form fields are ignored
                if (HeaderUtilities.RemoveQuotes(disposition.Name) != "asset" || file is not null)
                {
                    await BadRequest(ctx, "UNKNOWN_ERROR", "Expected exactly one file field, named 'asset'");
                    return;
                }
                var rawName = disposition.FileNameStar.HasValue ? disposition.FileNameStar : HeaderUtilities.RemoveQuotes(disposition.FileName);
                var name = Path.GetFileName(rawName.ToString());
                if (MimeType(name) is null)
                {
                    await BadRequest(ctx, "UNKNOWN_ERROR", "file type isn't supported");
                    return;
                }
                var (sha256, size) = await HashAsync(section.Body, ctx.RequestAborted);
                if (size > MaxUploadBytes)
                {
                    await BadRequest(ctx, "PAYLOAD_TOO_LARGE", "File too large: the limit is 50 MB");
                    return;
                }
                file = (name, sha256, size);
            }
        }
        catch (InvalidDataException e) // malformed multipart
        {
            await BadRequest(ctx, "UNKNOWN_ERROR", e.Message);
            return;
        }
        if (file is not { } upload)
        {
            await BadRequest(ctx, "UNKNOWN_ERROR", "Expected exactly one file field, named 'asset'");
            return;
        }

        await Replies.Pause(ctx, state.Current.UploadLatencyMs);
        var stamp = state.NextStamp();
        var (fileName, sha, length) = upload;
        var key = $"images/{stamp:yyyy_MM_dd_HH_mm_ss_fff}_{fileName}";
        state.Assets[key] = new UploadedAsset(fileName, sha, length);

        var location = DownloadEndpoints.ObjectUrl(server.DownloadUri, key);
        var asset = new JsonObject
        {
            ["bucket"] = DownloadEndpoints.Bucket,
            ["key"] = key,
            ["size"] = length,
            ["mimetype"] = MimeType(fileName),
            ["location"] = location,
            ["etag"] = $"\"{sha[..32]}\"",
        };
        var body = state.Current.UploadShape switch
        {
            "locationOnly" => new JsonObject { ["asset"] = new JsonObject { ["location"] = location } },
            "assetOnly" => new JsonObject { ["asset"] = asset },
            _ => new JsonObject
            {
                ["asset"] = asset,
                ["fileContent"] = new JsonObject
                {
                    ["uuid"] = Guid.NewGuid().ToString(),
                    ["path"] = key,
                    ["type"] = Path.GetExtension(fileName).TrimStart('.').ToLowerInvariant(),
                    ["name"] = fileName,
                    ["status"] = "ACTIVE",
                    ["createdAt"] = Iso(stamp),
                },
            },
        };
        await Replies.Json(ctx, 200, body);
    }

    static string? MimeType(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".webp" => "image/webp",
        _ => null,
    };

    /// <summary>SHA-256 and length of a stream, read in pooled 80 KB pieces; stops counting past the upload limit.</summary>
    static async Task<(string Sha256, long Size)> HashAsync(Stream body, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long size = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                size += read;
                if (size > MaxUploadBytes) return ("", size);
                hash.AppendData(buffer, 0, read);
            }
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    static async Task Feature(HttpContext ctx, EmulatorServer server)
    {
        server.State.Count(s => s.MaxConcurrentFeatures = Math.Max(s.MaxConcurrentFeatures, ++s.CurrentConcurrentFeatures));
        try
        {
            await RunFeature(ctx, server);
        }
        finally
        {
            server.State.Count(s => s.CurrentConcurrentFeatures = Math.Max(0, s.CurrentConcurrentFeatures - 1));
        }
    }

    static async Task RunFeature(HttpContext ctx, EmulatorServer server)
    {
        var state = server.State;
        JsonObject? body = null;
        Problem? problem = null;
        string? source = null, sha256 = null;
        try
        {
            body = await ParseAsync(ctx) as JsonObject;
        }
        catch (JsonException e)
        {
            problem = new("UNKNOWN_ERROR", $"The request body is not valid JSON: {e.Message}");
        }
        problem ??= Validate(body, state, out source, out sha256);
        // The balance is checked before the work and charged after it; the charge re-checks in case others got there first.
        problem ??= EmulatorState.CreditShortfall(state.Current) is { } shortfall ? new Problem("INSUFFICIENT_CREDITS", shortfall) : null;
        if (problem is null && LongCalls.Applies(body!, state.Current))
        {
            await LongCalls.Run(ctx, server, body!, source!, sha256);
            return;
        }
        if (problem is null)
        {
            await Replies.Pause(ctx, state.DrawFeatureLatencyMs(state.Current));
            problem = state.TryCharge(source!, sha256) is { } refused ? new Problem("INSUFFICIENT_CREDITS", refused) : null;
        }
        if (problem is not null)
        {
            await BadRequest(ctx, problem.Code, problem.Message, problem.Details);
            return;
        }

        var record = Finish(state, body!["promptObject"]!, Guid.NewGuid().ToString());
        await Replies.Json(ctx, 200, Envelope(record, server));
    }

    /// <summary>The record of a call processed (and charged) in full, stored under <paramref name="uuid"/>.</summary>
    internal static AiRecord Finish(EmulatorState state, JsonNode promptObject, string uuid, DateTime? createdAt = null)
    {
        var config = state.Current;
        var stamp = state.NextStamp();
        string? resultKey = null;
        if (config.RecordStatus == "SUCCESS")
        {
            resultKey = $"images/{stamp:yyyy_MM_dd_HH_mm_ss_fff}_background_replaced.png";
            state.Results[resultKey] = ResultFor(promptObject);
        }
        var record = new AiRecord(uuid, config.RecordStatus, createdAt ?? stamp, promptObject.DeepClone(), resultKey);
        state.Records[record.Uuid] = record;
        return record;
    }

    /// <summary>The checks the service makes before doing any work (and so before charging).</summary>
    static Problem? Validate(JsonObject? body, EmulatorState state, out string? source, out string? sha256)
    {
        source = sha256 = null;
        if (body is null) return new("UNKNOWN_ERROR", "The request body must be a JSON object");
        if (Text(body["type"]) != FeatureType) return new("UNKNOWN_ERROR", "Unsupported feature type");
        if (body["promptObject"] is not JsonObject prompt) return new("UNKNOWN_ERROR", "promptObject is required");
        if (ModelRules.Check(Text(body["model"]), prompt, state.Current) is var (code, message))
            return new(code, message);

        var imageUrl = Text(prompt["imageUrl"]) ?? "";
        var asset = FindAsset(state, imageUrl);
        var isUrl = Uri.TryCreate(imageUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
        if (asset is null && !isUrl)
            return new("EXTERNAL_API_RESPONSE_WITH_ERROR", "The provider rejected the request: the input image could not be fetched",
                $"promptObject.imageUrl '{imageUrl}' is neither an uploaded asset key nor an absolute http(s) URL");

        var text = Text(prompt["prompt"]);
        if (string.IsNullOrWhiteSpace(text) || text.Length > 4000)
            return new("UNKNOWN_ERROR", "promptObject.prompt is required and must be at most 4000 characters");
        var problem = OneOf(prompt, "quality", Qualities) ?? OneOf(prompt, "background", Backgrounds);
        if (problem is not null) return problem;

        source = asset?.Name ?? Uri.UnescapeDataString(url!.Segments[^1]);
        sha256 = asset?.Sha256;
        return null;
    }

    static Problem? OneOf(JsonObject prompt, string field, string[] allowed, bool required = false)
    {
        if (prompt[field] is null && !required) return null;
        return allowed.Contains(Text(prompt[field]))
            ? null
            : new("UNKNOWN_ERROR", $"promptObject.{field} must be one of {string.Join(", ", allowed)}");
    }

    /// <summary>An uploaded asset named by its key, or by its unsigned S3 address (what asset.location holds).</summary>
    static UploadedAsset? FindAsset(EmulatorState state, string imageUrl)
    {
        var marker = DownloadEndpoints.BucketPath + "/";
        var at = imageUrl.IndexOf(marker, StringComparison.Ordinal);
        var key = at >= 0 && imageUrl.StartsWith("http", StringComparison.OrdinalIgnoreCase)
            ? Uri.UnescapeDataString(imageUrl[(at + marker.Length)..].Split('?')[0])
            : imageUrl;
        return state.Assets.GetValueOrDefault(key);
    }

    /// <summary>A result of exactly the requested size whose colour depends on the prompt (4 levels per channel).</summary>
    static ResultImage ResultFor(JsonNode promptObject)
    {
        var size = Text(promptObject["size"])!.Split('x');
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Text(promptObject["prompt"])!));
        static byte Level(byte b) => (byte)((b & 0xC0) | 0x20);
        return new ResultImage(int.Parse(size[0], CultureInfo.InvariantCulture), int.Parse(size[1], CultureInfo.InvariantCulture),
            Level(hash[0]), Level(hash[1]), Level(hash[2]));
    }

    static async Task Lookup(HttpContext ctx, EmulatorServer server)
    {
        var state = server.State;
        await Replies.Pause(ctx, state.Current.ResultLatencyMs);
        var uuid = ctx.Request.RouteValues["uuid"] as string ?? "";
        await Replies.Json(ctx, 200, state.Records.TryGetValue(uuid, out var record)
            ? Envelope(record, server)
            : new JsonObject { ["aiRecord"] = null });
    }

    /// <summary>{"aiRecord": ...} with a freshly signed temporaryUrl where the configuration puts it.</summary>
    internal static JsonObject Envelope(AiRecord record, EmulatorServer server)
    {
        var config = server.State.Current;
        var (creditLimit, usedCredit) = server.State.TeamCredits();
        var aiRecord = new JsonObject
        {
            ["uuid"] = record.Uuid,
            ["userId"] = UserId,
            ["teamId"] = TeamId,
            ["model"] = Model,
            ["type"] = FeatureType,
            ["status"] = record.Status,
            ["createdAt"] = Iso(record.CreatedAt),
            ["teamUser"] = new JsonObject { ["creditLimit"] = creditLimit, ["usedCredit"] = usedCredit },
            ["aiRecordDetail"] = new JsonObject
            {
                ["promptObject"] = record.PromptObject.DeepClone(),
                ["resultObject"] = record.ResultKey is null ? new JsonArray() : new JsonArray(record.ResultKey),
            },
        };
        var envelope = new JsonObject { ["aiRecord"] = aiRecord };
        if (record.ResultKey is null) return envelope;
        var url = DownloadEndpoints.PresignedUrl(server.DownloadUri, record.ResultKey, config.LinkTtlSeconds);
        switch (config.TemporaryUrlPlacement)
        {
            case "aiRecord": aiRecord["temporaryUrl"] = url; break;
            case "topLevel": envelope["temporaryUrl"] = url; break;
            case "empty": aiRecord["temporaryUrl"] = ""; break;
        }
        return envelope;
    }

    static async Task Configure(HttpContext ctx, EmulatorState state)
    {
        try
        {
            var patch = await ParseAsync(ctx) as JsonObject
                        ?? throw new ArgumentException("the body must be a JSON object");
            await Replies.Json(ctx, 200, state.Merge(patch));
        }
        catch (Exception e) when (e is ArgumentException or JsonException)
        {
            await Replies.Error(ctx, 400, "INVALID_CONFIG", e.Message);
        }
    }

    /// <summary>Parses the body; a repeated property is a JsonException here rather than a surprise later.</summary>
    static Task<JsonNode?> ParseAsync(HttpContext ctx) =>
        JsonNode.ParseAsync(ctx.Request.Body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }, cancellationToken: ctx.RequestAborted);

    internal static Task BadRequest(HttpContext ctx, string code, string message, string? details = null) =>
        Replies.Error(ctx, 400, code, message, details);

    static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
