using System;
using System.Globalization;
using System.Linq;
using OneMinBg.Client.Api;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Client.Workflow;

/// <summary>What the replace workflow says about an image that may have been charged before.</summary>
internal static class ReplaceMessages
{
    /// <summary>Sent <see cref="Journal.MaxUnansweredSends"/> times without an answer: the user decides.
    /// </summary>
    internal static OneMinApiException NeedsDecision(JournalEntry entry)
    {
        var times = entry.UnknownOutcomeAttempts.Select(t => t.ToUniversalTime().ToString("u",
            CultureInfo.InvariantCulture));
        return new OneMinApiException(ApiErrorKind.UnknownOutcome,
            $"it was sent {entry.UnknownOutcomeAttempts.Count} times without an answer (at "
            + $"{string.Join(", ", times)}); each may have been charged, so it is not sent again automatically. "
            + "Look it up with Get-BgResult or in the 1min.ai dashboard, then run it again with -Force to pay "
            + "for it once more.")
        {
            Operation = "POST /api/features",
        };
    }

    /// <summary>
    /// Says, before an image that may have been charged is sent again, that it is sent again, why, and what
    /// it may cost: without the lost answer there is no record to look up and reuse.
    /// </summary>
    internal static void WarnIfMaybeCharged(IWorkflowSink sink, string subject, JournalEntry? previous)
    {
        const string Again = " Sending it again now: without that answer there is no result to look up and "
            + "reuse, so if it was charged, this pays a second time.";
        const string Once = " If this answer is lost too, it is not sent again automatically.";
        if (previous?.State == JournalState.Claimed)
        {
            if (previous.SentAt is DateTimeOffset sentAt)
            {
                sink.Warning($"{subject} was sent at {sentAt:u} by a run that ended before the answer came, "
                    + "so it may have been charged then." + Again + Once);
            }
            else if (!previous.ClaimMarksSent)
            {
                sink.Warning($"{subject} was claimed at {previous.RequestedAt:u} by a run that ended before "
                    + "an answer was recorded, so it may have been charged then." + Again + Once);
            }
            else
            {
                sink.Verbose($"{subject}: a run that ended before sending it had claimed it (nothing was "
                    + "charged); sending it now.");
            }
        }
        else if (previous is { State: JournalState.Failed, MayHaveBeenCharged: true })
        {
            // The stored message ends with the advice this warning gives: said once.
            string? why = previous.FailureMessage?.Replace(ApiErrors.CheckBeforeResubmitting, "").Trim()
                .TrimEnd('.');
            sink.Warning($"{subject} failed at {previous.CompletedAt:u} after it was sent ({why}), so it may "
                + "have been charged then." + Again
                + (previous.UnknownOutcomeAttempts.Count > 0 ? Once : ""));
        }
    }
}
