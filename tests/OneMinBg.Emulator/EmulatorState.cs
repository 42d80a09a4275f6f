using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneMinBg.Emulator;

/// <summary>How the emulator behaves. Serialised camelCase; POST /_emulator/config merges a partial object onto the current one.</summary>
public sealed class EmulatorConfig
{
    internal static readonly string[] Placements = ["aiRecord", "topLevel", "empty", "missing"];
    internal static readonly string[] UploadShapes = ["full", "assetOnly", "locationOnly"];

    /// <summary>How long a feature call works; with <see cref="FeatureLatencyP95Ms"/> above it, the median of a long tail.</summary>
    public int FeatureLatencyMs { get; set; }
    /// <summary>0 = every feature call takes <see cref="FeatureLatencyMs"/>; otherwise each one's time is drawn from a
    /// log-normal distribution with that median and this 95th percentile, as real image models answer.</summary>
    public int FeatureLatencyP95Ms { get; set; }
    public int UploadLatencyMs { get; set; }
    public int DownloadLatencyMs { get; set; }
    public int ResultLatencyMs { get; set; }
    /// <summary>The team's balance: each charged feature call takes <see cref="CreditCost"/> from it.</summary>
    public long Credits { get; set; } = 1_000_000;
    public long CreditCost { get; set; } = 10;
    /// <summary>0 = off; otherwise a sliding 60 s window per API key over every /api request.</summary>
    public int RateLimitPerMinute { get; set; }
    /// <summary>Whether the rate limiter's 429 carries Retry-After (whole seconds until the oldest slot frees up);
    /// false plays a service that sends none, as 1min.ai's has never been seen to.</summary>
    public bool RateLimitRetryAfter { get; set; } = true;
    /// <summary>Lifetime of temporaryUrl links; 0 hands out links that have already expired.</summary>
    public int LinkTtlSeconds { get; set; } = 604800;
    /// <summary>"aiRecord", "topLevel", "empty" or "missing".</summary>
    public string TemporaryUrlPlacement { get; set; } = "aiRecord";
    /// <summary>Anything but SUCCESS yields a record without result or temporaryUrl (still charged).</summary>
    public string RecordStatus { get; set; } = "SUCCESS";
    /// <summary>"full", "assetOnly" or "locationOnly".</summary>
    public string UploadShape { get; set; } = "full";
    public bool RequireUserAgent { get; set; } = true;
    /// <summary>Models the service no longer offers: a call naming one answers 400 UNSUPPORTED_MODEL (free).</summary>
    public List<string> RetiredModels { get; set; } = [];
    /// <summary>What a feature call with "async": true gets: "ignore" (answered when done, as without it),
    /// "honour" (PROCESSING at once, SUCCESS at /api/results after featureLatencyMs) or "refuse" (a 400).</summary>
    public string AsyncMode { get; set; } = "ignore";
    /// <summary>0 = off; otherwise a feature call still being processed after this long is answered 524 by the
    /// "gateway", and goes on (charged) in the background, as Cloudflare cuts a long request at ~100 s.</summary>
    public int GatewayCutMs { get; set; }
    public List<FaultRule> Faults { get; set; } = [];
    /// <summary>Seeds the fault dice; setting a config restarts them.</summary>
    public int Seed { get; set; } = 12345;

    internal EmulatorConfig Clone()
    {
        var copy = (EmulatorConfig)MemberwiseClone();
        copy.Faults = Faults.Select(f => f.Clone()).ToList();
        return copy;
    }

    /// <summary>A copy with a new balance that keeps the same fault list, so fault bookkeeping carries on.</summary>
    internal EmulatorConfig WithCredits(long credits)
    {
        var copy = (EmulatorConfig)MemberwiseClone();
        copy.Credits = credits;
        return copy;
    }

    /// <summary>Overlays the properties present in <paramref name="patch"/> (names in any case) onto <paramref name="current"/>.</summary>
    internal static EmulatorConfig Merge(EmulatorConfig current, JsonObject patch)
    {
        var merged = JsonSerializer.SerializeToNode(current, Replies.JsonOptions)!.AsObject();
        foreach (var (name, value) in patch)
        {
            var existing = merged.Select(p => p.Key).FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
            merged[existing ?? name] = value?.DeepClone();
        }
        var config = merged.Deserialize<EmulatorConfig>(Replies.StrictJsonOptions)!;
        config.Validate();
        return config;
    }

    internal void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Check(FeatureLatencyMs >= 0 && UploadLatencyMs >= 0 && DownloadLatencyMs >= 0 && ResultLatencyMs >= 0, "latencies must not be negative");
        Check(CreditCost >= 0 && RateLimitPerMinute >= 0, "creditCost and rateLimitPerMinute must not be negative");
        Check(Placements.Contains(TemporaryUrlPlacement), $"temporaryUrlPlacement must be one of {string.Join(", ", Placements)}");
        Check(UploadShapes.Contains(UploadShape), $"uploadShape must be one of {string.Join(", ", UploadShapes)}");
        Check(!string.IsNullOrEmpty(RecordStatus), "recordStatus must not be empty");
        Check(LongCalls.Modes.Contains(AsyncMode), $"asyncMode must be one of {string.Join(", ", LongCalls.Modes)}");
        Check(GatewayCutMs >= 0, "gatewayCutMs must not be negative");
        Check(FeatureLatencyP95Ms == 0 || FeatureLatencyP95Ms >= FeatureLatencyMs, "featureLatencyP95Ms must be 0 or at least featureLatencyMs");
        Check(Faults is not null && Faults.All(f => f is not null), "faults must be a list of rules");
        foreach (var f in Faults!)
        {
            Check(FaultInjector.Endpoints.Contains(f.Endpoint), $"fault endpoint must be one of {string.Join(", ", FaultInjector.Endpoints)}");
            Check(FaultInjector.Kinds.Contains(f.Kind), $"fault kind must be one of {string.Join(", ", FaultInjector.Kinds)}");
            Check(f.Rate is >= 0 and <= 1, "fault rate must be between 0 and 1");
            Check(f.Skip >= 0 && f.Count is null or >= 0 && f.DelayMs >= 0, "fault skip, count and delayMs must not be negative");
        }
    }
}

/// <summary>One kind of failure to inject on matching requests.</summary>
public sealed class FaultRule
{
    /// <summary>"upload", "feature", "result", "download", "api" (the first three) or "any".</summary>
    public string Endpoint { get; set; } = "any";
    /// <summary>See <see cref="FaultInjector.Kinds"/>.</summary>
    public string Kind { get; set; } = "";
    /// <summary>Chance (0..1) that an eligible request is hit.</summary>
    public double Rate { get; set; } = 1;
    /// <summary>Let this many matching requests pass first.</summary>
    public int Skip { get; set; }
    /// <summary>Fire at most this many times; null = unlimited.</summary>
    public int? Count { get; set; }
    /// <summary>Retry-After header value sent with status faults (seconds or an HTTP date); null = none.</summary>
    public string? RetryAfter { get; set; }
    /// <summary>For "slow": how long to wait before answering normally.</summary>
    public int DelayMs { get; set; }
    /// <summary>For "echo-key": this many filler characters before the key in the message and details, to put
    /// the key right at a client's cut.</summary>
    public int Padding { get; set; }
    /// <summary>For "change-during-upload": the file (on this machine) to change while it is being sent.</summary>
    public string? Path { get; set; }

    internal FaultRule Clone() => (FaultRule)MemberwiseClone();
}

/// <summary>Counters since the last reset. "Received" counts include requests that were then rejected or faulted.</summary>
public sealed class EmulatorStats
{
    /// <summary>Every request received by either origin (control calls under /_emulator excepted), also to
    /// routes the service does not have: a client that is pointed at the wrong path shows here.</summary>
    public int Requests { get; set; }
    /// <summary>POST /api/assets requests received.</summary>
    public int Uploads { get; set; }
    /// <summary>POST /api/features requests received.</summary>
    public int FeatureCalls { get; set; }
    public int Charges { get; set; }
    public Dictionary<string, int> ChargesBySource { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> ChargesBySha256 { get; set; } = new(StringComparer.Ordinal);
    /// <summary>GET /api/results/{uuid} and /api/ai-records/{uuid} requests received.</summary>
    public int ResultLookups { get; set; }
    /// <summary>Requests received by the download origin.</summary>
    public int Downloads { get; set; }
    /// <summary>Download-origin requests that carried an API-KEY header: a correct client keeps this 0.</summary>
    public int DownloadRequestsWithKey { get; set; }
    /// <summary>Requests to /_redirected/ on the API origin (the "redirect" fault's target).</summary>
    public int RedirectedDownloads { get; set; }
    public int RedirectedRequestsWithKey { get; set; }
    public int RequestsWithKey { get; set; }
    public int MaxConcurrentFeatures { get; set; }
    public int CurrentConcurrentFeatures { get; set; }
    public int MaxConcurrentRequests { get; set; }
    public int CurrentConcurrentRequests { get; set; }
    /// <summary>429s sent by the rate limiter (not by faults).</summary>
    public int RateLimited { get; set; }
    public int FaultsInjected { get; set; }
    public long CreditsRemaining { get; set; }
    public long UsedCredit { get; set; }

    internal EmulatorStats Copy()
    {
        var copy = (EmulatorStats)MemberwiseClone();
        copy.ChargesBySource = new(ChargesBySource, StringComparer.Ordinal);
        copy.ChargesBySha256 = new(ChargesBySha256, StringComparer.Ordinal);
        return copy;
    }
}

internal sealed record UploadedAsset(string Name, string Sha256, long Size);

internal sealed record AiRecord(string Uuid, string Status, DateTime CreatedAt, JsonNode PromptObject, string? ResultKey);

internal readonly record struct ResultImage(int Width, int Height, byte R, byte G, byte B);

/// <summary>Everything the emulator remembers. Thread-safe: one lock guards config, counters, credits,
/// the fault dice and the rate windows; stored objects live in concurrent dictionaries.</summary>
public sealed class EmulatorState
{
    readonly object _gate = new();
    readonly EmulatorConfig _startup;
    readonly Dictionary<string, Queue<long>> _rateWindows = new(StringComparer.Ordinal);
    EmulatorConfig _config = new();
    EmulatorStats _stats = new();
    Random _dice = new(0);
    Random _latencyDice = new(0); // apart from the fault dice, so a latency draw never shifts which request a fault hits
    int[] _seen = [], _fired = []; // per fault rule, by index
    DateTime _lastStamp;

    public EmulatorState() : this(new EmulatorConfig()) { }

    internal EmulatorState(EmulatorConfig startup)
    {
        startup.Validate();
        _startup = startup.Clone();
        Reset();
    }

    internal ConcurrentDictionary<string, UploadedAsset> Assets { get; } = new(StringComparer.Ordinal);
    internal ConcurrentDictionary<string, AiRecord> Records { get; } = new(StringComparer.Ordinal);
    internal ConcurrentDictionary<string, ResultImage> Results { get; } = new(StringComparer.Ordinal);

    /// <summary>A copy of the configuration; setting it replaces it whole and restarts the fault dice and Skip/Count bookkeeping.</summary>
    public EmulatorConfig Config
    {
        get { lock (_gate) return _config.Clone(); }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            lock (_gate) Install(value.Clone());
        }
    }

    /// <summary>The live configuration, for reading only.</summary>
    internal EmulatorConfig Current
    {
        get { lock (_gate) return _config; }
    }

    public EmulatorStats Snapshot()
    {
        lock (_gate)
        {
            var stats = _stats.Copy();
            stats.CreditsRemaining = _config.Credits;
            return stats;
        }
    }

    /// <summary>Clears counters, records, assets and rate windows, and goes back to the configuration the server started with.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _stats = new EmulatorStats();
            _rateWindows.Clear();
            Assets.Clear();
            Records.Clear();
            Results.Clear();
            Install(_startup.Clone());
        }
    }

    internal EmulatorConfig Merge(JsonObject patch)
    {
        lock (_gate)
        {
            Install(EmulatorConfig.Merge(_config, patch));
            return _config.Clone();
        }
    }

    void Install(EmulatorConfig config)
    {
        _config = config;
        _dice = new Random(config.Seed);
        _latencyDice = new Random(config.Seed);
        _seen = new int[config.Faults.Count];
        _fired = new int[config.Faults.Count];
    }

    internal void Count(Action<EmulatorStats> update)
    {
        lock (_gate) update(_stats);
    }

    /// <summary>How long this feature call works: fixed, or drawn from the long tail (log-normal: median m, p95 at m·e^(1.645σ)).</summary>
    internal int DrawFeatureLatencyMs(EmulatorConfig config)
    {
        if (config.FeatureLatencyP95Ms <= config.FeatureLatencyMs || config.FeatureLatencyMs <= 0) return config.FeatureLatencyMs;
        double sigma = Math.Log((double)config.FeatureLatencyP95Ms / config.FeatureLatencyMs) / 1.6448536;
        double u1, u2;
        lock (_gate)
        {
            u1 = 1.0 - _latencyDice.NextDouble();
            u2 = _latencyDice.NextDouble();
        }
        double normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2); // Box-Muller
        return (int)Math.Min(int.MaxValue, Math.Round(config.FeatureLatencyMs * Math.Exp(sigma * normal)));
    }

    /// <summary>Takes a slot in the key's sliding window, or says in whole seconds when the oldest slot frees up.</summary>
    internal bool TryTakeRateSlot(string apiKey, out int retryAfterSeconds)
    {
        const long WindowMs = 60_000;
        retryAfterSeconds = 0;
        lock (_gate)
        {
            var limit = _config.RateLimitPerMinute;
            if (limit <= 0) return true;
            var now = Environment.TickCount64;
            if (!_rateWindows.TryGetValue(apiKey, out var window)) _rateWindows[apiKey] = window = new Queue<long>();
            while (window.Count > 0 && now - window.Peek() >= WindowMs) window.Dequeue();
            if (window.Count < limit)
            {
                window.Enqueue(now);
                return true;
            }
            retryAfterSeconds = (int)Math.Max(1, Math.Ceiling((window.Peek() + WindowMs - now) / 1000.0));
            _stats.RateLimited++;
            return false;
        }
    }

    /// <summary>The first rule that fires for this request, if any. Each eligible rule past its Skip rolls the dice once.</summary>
    internal FaultRule? DrawFault(Route route)
    {
        lock (_gate)
        {
            var rules = _config.Faults;
            for (var i = 0; i < rules.Count; i++)
            {
                var rule = rules[i];
                if (!FaultInjector.Applies(rule, route)) continue;
                if (++_seen[i] <= rule.Skip || _fired[i] >= (rule.Count ?? int.MaxValue)) continue;
                if (_dice.NextDouble() >= rule.Rate) continue;
                _fired[i]++;
                _stats.FaultsInjected++;
                return rule;
            }
            return null;
        }
    }

    internal static string? CreditShortfall(EmulatorConfig config) =>
        config.Credits < config.CreditCost ? InsufficientCredits(config.CreditCost, config.Credits) : null;

    internal static string InsufficientCredits(long cost, long available) =>
        $"The feature requires {cost} credits, but the Team only has {available} credits";

    /// <summary>Charges one feature run, or returns the insufficient-credits message and charges nothing.</summary>
    internal string? TryCharge(string source, string? sha256)
    {
        lock (_gate)
        {
            if (CreditShortfall(_config) is { } shortfall) return shortfall;
            _config = _config.WithCredits(_config.Credits - _config.CreditCost);
            _stats.Charges++;
            _stats.UsedCredit += _config.CreditCost;
            _stats.ChargesBySource[source] = _stats.ChargesBySource.GetValueOrDefault(source) + 1;
            if (sha256 is not null) _stats.ChargesBySha256[sha256] = _stats.ChargesBySha256.GetValueOrDefault(sha256) + 1;
            return null;
        }
    }

    /// <summary>teamUser as the API reports it: the limit is what the team had before any charge.</summary>
    internal (long CreditLimit, long UsedCredit) TeamCredits()
    {
        lock (_gate) return (_config.Credits + _stats.UsedCredit, _stats.UsedCredit);
    }

    /// <summary>Millisecond timestamps for storage keys, strictly increasing so keys never collide.</summary>
    internal DateTime NextStamp()
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
            return _lastStamp = now > _lastStamp ? now : _lastStamp.AddMilliseconds(1);
        }
    }
}
