using OneMinBg.Client.Api;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// The one place that says which failures stop a whole batch. A failure stops the batch when it
/// says every later item would fail too, so going on would only repeat the error (and, for a
/// charged call, could spend money for nothing). Everything else fails its own item only.
/// </summary>
public static class FailurePolicy
{
    /// <summary>True when no later item can succeed after <paramref name="failure"/>.</summary>
    public static bool StopsBatch(OneMinApiException failure) => StopsBatch(failure.Kind);

    /// <summary>
    /// A journal that cannot record a claim or a send (full disk, a lock held by a program that hangs, no
    /// access) fails every later item too, and sending without it could pay twice: the batch stops, while the
    /// paid calls already sent finish and their results are written.
    /// </summary>
    public static bool StopsBatch(JournalUnavailableException failure) => failure != null;

    /// <summary>True when no later item can succeed after a failure of this kind.</summary>
    public static bool StopsBatch(ApiErrorKind kind) => kind switch
    {
        // The key is missing, deleted or inactive: every call will be refused.
        ApiErrorKind.Authentication => true,
        // Every charged call will be refused until credits are added.
        ApiErrorKind.InsufficientCredits => true,
        _ => false,
    };
}
