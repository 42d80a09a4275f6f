using System;

namespace OneMinBg;

/// <summary>What Test-OneMinBgConnection found.</summary>
public sealed class ConnectionTest
{
    public string BaseUri { get; set; } = "";
    /// <summary>The service answered (whatever it said).</summary>
    public bool Reachable { get; set; }
    /// <summary>The service accepted the API key.</summary>
    public bool KeyAccepted { get; set; }
    public long? LatencyMs { get; set; }
    /// <summary>The team's credit limit, as the service reported it with the newest result in the journal.</summary>
    public decimal? TeamCreditLimit { get; set; }
    /// <summary>The team's used credits (a running total), as reported with the same result.</summary>
    public decimal? TeamCreditsUsed { get; set; }
    /// <summary>TeamCreditLimit minus TeamCreditsUsed.</summary>
    public decimal? TeamCreditsRemaining { get; set; }
    /// <summary>When the credit figures were reported (UTC; shown in local time): the API has no balance call.
    /// </summary>
    public DateTimeOffset? CreditsAsOf { get; set; }
    public string Message { get; set; } = "";
}
