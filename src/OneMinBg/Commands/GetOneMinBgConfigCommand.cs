using System.Management.Automation;
using OneMinBg.Abstractions;

namespace OneMinBg.Commands;

/// <summary>Shows the saved per-user defaults (never the key itself).</summary>
[Cmdlet(VerbsCommon.Get, "OneMinBgConfig")]
[OutputType(typeof(OneMinBgConfig))]
public sealed class GetOneMinBgConfigCommand : OneMinCmdlet
{
    protected override void EndProcessing()
    {
        WriteObject(OneMinBgConfig.From(Config, ConfigPath));
    }
}
