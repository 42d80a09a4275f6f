using System;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace OneMinBg.Emulator;

/// <summary>
/// Image calls that take long (issue 13): the opt-in "async": true (honoured, ignored or refused) and a gateway
/// that cuts a request still being processed after <see cref="EmulatorConfig.GatewayCutMs"/>.
/// </summary>
internal static class LongCalls
{
    internal static readonly string[] Modes = ["ignore", "honour", "refuse"];

    /// <summary>Whether this valid, affordable call is one for this class rather than the plain path.</summary>
    internal static bool Applies(JsonObject body, EmulatorConfig config) =>
        (IsAsync(body) && config.AsyncMode != "ignore") || config.GatewayCutMs > 0;

    static bool IsAsync(JsonObject body) => body["async"] is JsonValue value && value.TryGetValue(out bool on) && on;

    internal static async Task Run(HttpContext ctx, EmulatorServer server, JsonObject body, string source, string? sha256)
    {
        var state = server.State;
        var config = state.Current;
        var async = IsAsync(body) && config.AsyncMode != "ignore";
        if (async && config.AsyncMode == "refuse")
        {
            await ApiEndpoints.BadRequest(ctx, "UNKNOWN_ERROR", "property async should not exist");
            return;
        }

        var uuid = Guid.NewGuid().ToString();
        var promptObject = body["promptObject"]!.DeepClone();
        // The work goes on whatever happens to this request (the client or the gateway hanging up).
        var work = Task.Run(() => Work(state, promptObject, uuid, source, sha256, state.DrawFeatureLatencyMs(config)));
        if (async)
        {
            var processing = new AiRecord(uuid, "PROCESSING", state.NextStamp(), promptObject.DeepClone(), null);
            state.Records.TryAdd(uuid, processing);
            await Replies.Json(ctx, 200, ApiEndpoints.Envelope(processing, server));
            return;
        }

        var cut = config.GatewayCutMs > 0 ? Task.Delay(config.GatewayCutMs, CancellationToken.None) : Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        if (await Task.WhenAny(work, cut) != work)
        {
            await Replies.Bytes(ctx, 524, "text/html; charset=UTF-8", Encoding.UTF8.GetBytes(
                "<!DOCTYPE html>\n<html><head><title>api.1min.ai | 524: A timeout occurred</title></head>" +
                "<body><h1>A timeout occurred</h1><span>Error code 524</span><p>Cloudflare</p></body></html>"));
            return;
        }
        var (record, refused) = await work;
        if (refused is not null)
            await ApiEndpoints.BadRequest(ctx, "INSUFFICIENT_CREDITS", refused);
        else
            await Replies.Json(ctx, 200, ApiEndpoints.Envelope(record!, server));
    }

    /// <summary>Processes and charges the call; the record replaces its PROCESSING one (a refused charge: FAILURE).</summary>
    static async Task<(AiRecord? Record, string? Refused)> Work(EmulatorState state, JsonNode promptObject, string uuid,
        string source, string? sha256, int latencyMs)
    {
        if (latencyMs > 0) await Task.Delay(latencyMs);
        var createdAt = state.Records.TryGetValue(uuid, out var processing) ? processing.CreatedAt : (DateTime?)null;
        if (state.TryCharge(source, sha256) is { } refused)
        {
            if (processing is not null) state.Records[uuid] = processing with { Status = "FAILURE" };
            return (null, refused);
        }
        return (ApiEndpoints.Finish(state, promptObject, uuid, createdAt), null);
    }
}
