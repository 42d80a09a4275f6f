using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OneMinBg.Emulator;

public sealed class EmulatorOptions
{
    public string ApiKey { get; set; } = "test-key";
    /// <summary>0 = pick a free port.</summary>
    public int ApiPort { get; set; }
    /// <summary>0 = pick a free port.</summary>
    public int DownloadPort { get; set; }
    /// <summary>The configuration to start with, and to go back to on reset.</summary>
    public EmulatorConfig Config { get; set; } = new();
}

/// <summary>Two Kestrel servers on 127.0.0.1 sharing one <see cref="EmulatorState"/>: the API origin
/// (api.1min.ai) and the download origin (the S3 bucket behind temporaryUrl), on separate ports because
/// they are separate hosts for the client.</summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    internal const string ApiKeyHeader = "API-KEY";

    readonly WebApplication _api;
    readonly WebApplication _download;

    EmulatorServer(EmulatorOptions options)
    {
        ApiKey = options.ApiKey;
        State = new EmulatorState(options.Config);
        _api = Build(options.ApiPort, api: true);
        _download = Build(options.DownloadPort, api: false);
    }

    public Uri ApiUri { get; private set; } = null!;
    public Uri DownloadUri { get; private set; } = null!;
    public EmulatorState State { get; }
    internal string ApiKey { get; }

    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var server = new EmulatorServer(options);
        try
        {
            await server._api.StartAsync(ct);
            await server._download.StartAsync(ct);
            server.ApiUri = new Uri(server._api.Urls.Single() + "/");
            server.DownloadUri = new Uri(server._download.Urls.Single() + "/");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in new[] { _api, _download })
        {
            // In-flight delays end when Kestrel aborts their connections at the end of this grace period.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await app.StopAsync(grace.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
            {
                // not started, or did not stop in time: disposing still closes the sockets
            }
            await app.DisposeAsync();
        }
    }

    WebApplication Build(int port, bool api)
    {
        // The empty builder reads no appsettings or environment (ASPNETCORE_URLS and the like cannot interfere).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // the upload endpoint enforces the API's own 50 MB limit
        });
        builder.Services.AddRoutingCore();
        // The host must not take Ctrl+C or SIGTERM for itself: the CLI (or the test) decides when to stop.
        builder.Services.AddSingleton<IHostLifetime, PassiveLifetime>();
        // Warnings and errors only, and on stderr: stdout carries the CLI's one JSON line.
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        var app = builder.Build();
        app.Use((ctx, next) => Pipeline(ctx, next, api));
        if (api) ApiEndpoints.Map(app, this);
        else DownloadEndpoints.Map(app, this);
        return app;
    }

    /// <summary>Around every request: counting, the API gate, fault injection, and quiet handling of clients that hang up.</summary>
    async Task Pipeline(HttpContext ctx, RequestDelegate next, bool api)
    {
        if (ctx.Request.Path.StartsWithSegments("/_emulator"))
        {
            await next(ctx); // control calls are not part of what is measured
            return;
        }
        var route = Classify(ctx.Request, api);
        var withKey = ctx.Request.Headers.ContainsKey(ApiKeyHeader);
        State.Count(s =>
        {
            s.Requests++;
            s.MaxConcurrentRequests = Math.Max(s.MaxConcurrentRequests, ++s.CurrentConcurrentRequests);
            if (withKey) s.RequestsWithKey++;
            switch (route)
            {
                case Route.Upload: s.Uploads++; break;
                case Route.Feature: s.FeatureCalls++; break;
                case Route.Result: s.ResultLookups++; break;
                case Route.Download:
                    s.Downloads++;
                    if (withKey) s.DownloadRequestsWithKey++;
                    break;
            }
        });
        try
        {
            if (api && ctx.Request.Path.StartsWithSegments("/api") && !await ApiEndpoints.Admit(ctx, this)) return;
            if (route is { } r) await FaultInjector.Run(ctx, next, this, r);
            else await next(ctx);
        }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away (or a fault cut the connection): nothing to answer, nothing to log.
        }
        finally
        {
            State.Count(s => s.CurrentConcurrentRequests = Math.Max(0, s.CurrentConcurrentRequests - 1));
        }
    }

    sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    static Route? Classify(HttpRequest request, bool api)
    {
        var path = request.Path;
        if (!api) return HttpMethods.IsGet(request.Method) && path.StartsWithSegments(DownloadEndpoints.BucketPath) ? Route.Download : null;
        if (HttpMethods.IsPost(request.Method))
            return path.Equals("/api/assets") ? Route.Upload : path.Equals("/api/features") ? Route.Feature : null;
        return HttpMethods.IsGet(request.Method) && (path.StartsWithSegments("/api/results") || path.StartsWithSegments("/api/ai-records"))
            ? Route.Result
            : null;
    }
}
