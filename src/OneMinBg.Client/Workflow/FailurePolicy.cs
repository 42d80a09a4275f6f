using System.Threading;
using OneMinBg.Client.Api;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// The one place that says which failures stop a whole batch. A failure stops the batch when it
/// says every later item would fail too, so going on would only repeat the error (and, for a
/// charged call, could spend money for nothing). Everything else fails its own item only.
/// <para>
/// The static rules judge one failure alone. A batch keeps an instance, which also sees the failures
/// before: <see cref="FirstFailuresThatTell"/> calls that all got no answer, while the service never
/// answered any, say the way to it is broken (a proxy, a firewall, a host that accepts and drops).
/// </para>
/// Thread-safe.
/// </summary>
public sealed class FailurePolicy
{
    /// <summary>How many calls without an answer, and none answered before, stop the batch.</summary>
    public const int FirstFailuresThatTell = 3;

    private int _unanswered;

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
        // Nothing at the base URL is the API (refused, no such host, its routes answer 404).
        ApiErrorKind.ServiceUnreachable => true,
        // The service does not offer the model: every call with it will be refused (never another model silently).
        ApiErrorKind.ModelUnavailable => true,
        _ => false,
    };

    /// <summary>
    /// True when the batch stops after <paramref name="failure"/>: one that always does, or the
    /// <see cref="FirstFailuresThatTell"/>th of this batch that got no answer from a service that never
    /// answered.
    /// </summary>
    public bool StopsAfter(OneMinApiException failure)
    {
        if (StopsBatch(failure))
        {
            return true;
        }

        return failure.ServiceNeverAnswered && Interlocked.Increment(ref _unanswered) >= FirstFailuresThatTell;
    }
}
