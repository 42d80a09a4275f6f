using System;
using System.Collections.Generic;
using OneMinBg.Client.Api;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// Journal lines folded, in file order, into every attempt at each request (docs/journal-format.md,
/// "History"), where <see cref="JournalIndex"/> keeps only the latest state. It is given the lines the index
/// accepted, so both read the same file the same way. Not thread-safe.
/// </summary>
internal sealed class JournalHistory
{
    private static readonly IReadOnlyList<JournalAttempt> None = Array.Empty<JournalAttempt>();

    private readonly Dictionary<string, List<JournalAttempt>> _byFingerprint =
        new Dictionary<string, List<JournalAttempt>>(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, JournalAttempt> _byRecordId =
        new Dictionary<string, JournalAttempt>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The attempts at one request, oldest first; empty when it has none.</summary>
    public IReadOnlyList<JournalAttempt> AttemptsOf(string fingerprint) =>
        _byFingerprint.TryGetValue(fingerprint, out List<JournalAttempt>? attempts) ? attempts : None;

    /// <summary>Applies one line that <see cref="JournalIndex.Apply(JournalLine)"/> accepted.</summary>
    public void Apply(JournalLine line)
    {
        switch (line.Kind)
        {
            case JournalLine.Claim:
                ApplyClaim(line);
                break;
            case JournalLine.Sent:
                ApplySent(line);
                break;
            case JournalLine.Result:
                ApplyResult(line);
                break;
            case JournalLine.Failure:
                ApplyFailure(line);
                break;
            case JournalLine.Release:
                ApplyRelease(line);
                break;
            case JournalLine.Saved:
                ApplySaved(line);
                break;
        }
    }

    /// <summary>A new attempt. An earlier one still open never got its answer: unknown when it was (or may have
    /// been) sent; a claim that was never sent stays a claim.</summary>
    private void ApplyClaim(JournalLine line)
    {
        List<JournalAttempt> attempts = Attempts(line.Fingerprint!);
        foreach (JournalAttempt open in attempts)
        {
            if (open.IsOpen)
            {
                open.IsOpen = false;
                if (open.Outcome == AttemptOutcome.Sent)
                {
                    open.Outcome = AttemptOutcome.Unknown;
                }
            }
        }

        JournalAttempt attempt = Start(attempts, line);
        attempt.ClaimedAt = line.At;
        attempt.Owner = line.ToOwner();
        attempt.ClaimMarksSent = line.SentMark;
        if (!line.SentMark)
        {
            // An older version wrote no "sent" line: from its claim on, the image may have been sent.
            attempt.Outcome = AttemptOutcome.Sent;
            attempt.MayHaveBeenCharged = true;
        }
    }

    /// <summary>The send of the open attempt of that run; a run with -Force sends without a claim.</summary>
    private void ApplySent(JournalLine line)
    {
        List<JournalAttempt> attempts = Attempts(line.Fingerprint!);
        JournalAttempt? attempt = LatestOpen(attempts, line.RunId);
        if (attempt == null || attempt.SentAt != null)
        {
            attempt = Start(attempts, line);
        }

        attempt.SentAt = line.At;
        attempt.Outcome = AttemptOutcome.Sent;
        attempt.MayHaveBeenCharged = true;
    }

    /// <summary>A result names no run: it answers the latest open attempt, or is an attempt of its own.</summary>
    private void ApplyResult(JournalLine line)
    {
        if (line.Refresh && _byRecordId.TryGetValue(line.RecordId!, out JournalAttempt? known))
        {
            known.Status = line.Status;
            if (known.Outcome != AttemptOutcome.Succeeded && JournalIndex.IsSuccess(line.Status))
            {
                known.Outcome = AttemptOutcome.Succeeded;
                known.FailureKind = null;
                known.FailureMessage = null;
            }

            return;
        }

        JournalAttempt attempt = Answer(line);
        attempt.RecordId = line.RecordId;
        attempt.Status = line.Status;
        attempt.UsedCredit = line.UsedCredit;
        attempt.CreditLimit = line.CreditLimit;
        attempt.Credits = line.Credits;
        attempt.MayHaveBeenCharged = true;
        if (JournalIndex.IsSuccess(line.Status))
        {
            attempt.Outcome = AttemptOutcome.Succeeded;
            attempt.FailureKind = null; // a late answer to a stopped attempt
            attempt.FailureMessage = null;
        }
        else
        {
            attempt.Outcome = AttemptOutcome.Failed;
            attempt.FailureKind = nameof(ApiErrorKind.FeatureFailed);
            attempt.FailureMessage = JournalIndex.FeatureFailedMessage(line.RecordId!, line.Status!);
        }

        _byRecordId[line.RecordId!] = attempt;
    }

    /// <summary>A failure whose outcome is unknown (stopped while the service was working on it) is an unknown
    /// outcome; any other is a failure, charged as the line says.</summary>
    private void ApplyFailure(JournalLine line)
    {
        JournalAttempt attempt = Answer(line);
        attempt.FailureKind = line.FailureKind;
        attempt.FailureMessage = line.Message;
        attempt.MayHaveBeenCharged = line.Charged ?? true;
        attempt.Outcome = line.FailureKind == nameof(ApiErrorKind.UnknownOutcome)
            ? AttemptOutcome.Unknown
            : AttemptOutcome.Failed;
    }

    /// <summary>Only the open attempt of the run it names is given back.</summary>
    private void ApplyRelease(JournalLine line)
    {
        if (!_byFingerprint.TryGetValue(line.Fingerprint!, out List<JournalAttempt>? attempts)
            || !(LatestOpen(attempts, line.RunId) is JournalAttempt attempt))
        {
            return;
        }

        attempt.IsOpen = false;
        attempt.CompletedAt = line.At;
        attempt.Outcome = AttemptOutcome.Released;
        attempt.MayHaveBeenCharged = false;
    }

    private void ApplySaved(JournalLine line)
    {
        if (_byRecordId.TryGetValue(line.RecordId!, out JournalAttempt? attempt))
        {
            attempt.SavedPath = line.SavedPath;
            attempt.SavedAt = line.At;
        }
    }

    /// <summary>
    /// The attempt a result or failure answers: the latest open one; else the latest when it was stopped while
    /// the service worked on it and nothing followed (its answer came late); else a new one (a run with -Force,
    /// a result kept in a rescue file, or a version that wrote no claim).
    /// </summary>
    private JournalAttempt Answer(JournalLine line)
    {
        List<JournalAttempt> attempts = Attempts(line.Fingerprint!);
        JournalAttempt attempt = LatestOpen(attempts, runId: null) ?? Stopped(attempts) ?? Start(attempts, line);
        attempt.IsOpen = false;
        attempt.CompletedAt = line.At;
        attempt.SourcePath ??= line.SourcePath;
        return attempt;
    }

    /// <summary>The latest attempt, when a failure line made its outcome unknown and no record came yet.</summary>
    private static JournalAttempt? Stopped(List<JournalAttempt> attempts) =>
        attempts.Count > 0 && attempts[attempts.Count - 1] is JournalAttempt last
        && last.Outcome == AttemptOutcome.Unknown && last.CompletedAt != null && last.RecordId == null
            ? last
            : null;

    private static JournalAttempt Start(List<JournalAttempt> attempts, JournalLine line)
    {
        var attempt = new JournalAttempt(attempts.Count + 1)
        {
            Outcome = AttemptOutcome.Claimed,
            SourcePath = line.SourcePath,
            RunId = line.RunId,
        };
        attempts.Add(attempt);
        return attempt;
    }

    /// <summary>The latest open attempt (of that run, when one is named).</summary>
    private static JournalAttempt? LatestOpen(List<JournalAttempt> attempts, string? runId)
    {
        for (int i = attempts.Count - 1; i >= 0; i--)
        {
            JournalAttempt attempt = attempts[i];
            if (attempt.IsOpen && (runId == null || string.Equals(attempt.RunId, runId, StringComparison.Ordinal)))
            {
                return attempt;
            }
        }

        return null;
    }

    private List<JournalAttempt> Attempts(string fingerprint)
    {
        if (!_byFingerprint.TryGetValue(fingerprint, out List<JournalAttempt>? attempts))
        {
            attempts = new List<JournalAttempt>(2);
            _byFingerprint.Add(fingerprint, attempts);
        }

        return attempts;
    }
}
