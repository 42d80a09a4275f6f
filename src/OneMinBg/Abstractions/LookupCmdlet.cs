using System;
using System.Management.Automation;
using System.Security;
using OneMinBg.Parameters;

namespace OneMinBg.Abstractions;

/// <summary>
/// A batch cmdlet with an offline parameter set: its connection and batch parameters belong to
/// <see cref="ConnectedSet"/> only, so the sets that never call the service do not offer them.
/// </summary>
/// <remarks>
/// PowerShell reads parameter sets from attributes, whose arguments are constants, so the set
/// cannot be passed down to the base classes' declarations: these hide them (PowerShell binds the
/// most derived one) and keep their values where the base classes read them. The help build reads
/// only static parameters, which rules out dynamic parameters. Keep the validation in step with
/// <see cref="OneMinApiCmdlet"/> and <see cref="BatchCmdlet"/>.
/// </remarks>
public abstract class LookupCmdlet : BatchCmdlet
{
    /// <summary>The parameter set that talks to the service.</summary>
    internal const string ConnectedSet = "Id";

    [Parameter(ParameterSetName = ConnectedSet)]
    [ApiKeyTransformation]
    public new SecureString? ApiKey { get => base.ApiKey; set => base.ApiKey = value; }

    [Parameter(ParameterSetName = ConnectedSet)]
    [ValidateNotNull]
    public new Uri? BaseUri { get => base.BaseUri; set => base.BaseUri = value; }

    [Parameter(ParameterSetName = ConnectedSet)]
    [ValidateNotNull]
    public new Uri? Proxy { get => base.Proxy; set => base.Proxy = value; }

    [Parameter(ParameterSetName = ConnectedSet)]
    [Credential]
    [ValidateNotNull]
    public new PSCredential? ProxyCredential { get => base.ProxyCredential; set => base.ProxyCredential = value; }

    [Parameter(ParameterSetName = ConnectedSet)]
    public new SwitchParameter AllowInsecureHttp
    {
        get => base.AllowInsecureHttp;
        set => base.AllowInsecureHttp = value;
    }

    [Parameter(ParameterSetName = ConnectedSet)]
    [ValidateRange(1, 86400)]
    public new int TimeoutSec { get => base.TimeoutSec; set => base.TimeoutSec = value; }

    [Parameter(ParameterSetName = ConnectedSet)]
    [ValidateRange(0, 20)]
    public new int MaximumRetryCount { get => base.MaximumRetryCount; set => base.MaximumRetryCount = value; }

    [Parameter(ParameterSetName = ConnectedSet)]
    [ValidateRange(0, 1000000)]
    public new int RequestsPerMinute { get => base.RequestsPerMinute; set => base.RequestsPerMinute = value; }

    [Parameter(ParameterSetName = ConnectedSet)]
    [ValidateRange(1, 256)]
    public new int ThrottleLimit { get => base.ThrottleLimit; set => base.ThrottleLimit = value; }
}
