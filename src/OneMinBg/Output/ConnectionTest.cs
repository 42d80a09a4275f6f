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
    public decimal? CreditLimit { get; set; }
    public decimal? UsedCredit { get; set; }
    public decimal? RemainingCredit { get; set; }
    /// <summary>When the credit figures were reported: the API has no balance call.</summary>
    public DateTime? CreditsAsOf { get; set; }
    public string Message { get; set; } = "";
}
