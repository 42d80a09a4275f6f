using System.Management.Automation;

namespace OneMinBg.Pipeline;

/// <summary>
/// What a -WhatIf run of Invoke-BackgroundReplace would have done, said in one line at the end: what it would
/// cost is the question -WhatIf answers before a large batch.
/// </summary>
internal sealed class WhatIfTally
{
    private readonly bool _whatIf;
    private int _wouldSend;
    private int _wouldReuse;

    /// <summary>-WhatIf as given, else $WhatIfPreference (which ShouldProcess follows too).</summary>
    public WhatIfTally(PSCmdlet cmdlet)
    {
        _whatIf = cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? whatIf)
            ? ((SwitchParameter)whatIf).IsPresent
            : LanguagePrimitives.IsTrue(cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference"));
    }

    /// <summary>An image ShouldProcess declined that would have been sent, spending credits.</summary>
    public void WouldSend() => _wouldSend += _whatIf ? 1 : 0;

    /// <summary>An image ShouldProcess declined that would have been reused from the journal, for free.</summary>
    public void WouldReuse() => _wouldReuse += _whatIf ? 1 : 0;

    /// <summary>The closing line under -WhatIf; null without it.</summary>
    public string? Summary(int failedChecks) => _whatIf
        ? $"What if: {Count(_wouldSend, "image")} would be sent (spending credits), {_wouldReuse} reused from the "
            + $"journal, {failedChecks} failed checks"
        : null;

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
