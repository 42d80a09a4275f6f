using System;
using System.IO;
using System.Management.Automation;
using OneMinBg.Client.Api;
using OneMinBg.Client.Images;
using OneMinBg.Client.Journaling;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

/// <summary>
/// The one place every ErrorRecord is built: a stable ErrorId, the precise category, the
/// offending input as target, and a message that names the input and says what to do.
/// </summary>
internal static partial class ErrorRecords
{
    public static ErrorRecord Create(Exception exception, string errorId, ErrorCategory category, object? target,
        string message, string? recommendedAction = null)
    {
        var record = new ErrorRecord(exception, errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(message),
        };
        if (recommendedAction != null)
        {
            record.ErrorDetails.RecommendedAction = recommendedAction;
        }
        return record;
    }

    /// <summary>An error of our own making, with no underlying exception.</summary>
    public static ErrorRecord Create(string errorId, ErrorCategory category, object? target, string message,
        string? recommendedAction = null)
    {
        return Create(new InvalidOperationException(message), errorId, category, target, message, recommendedAction);
    }

    /// <summary>Where the service's address and the way to it are set, for the errors that blame them.</summary>
    internal const string ConnectionSettings = "Check -BaseUri (or $env:ONEMIN_BASE_URL, or the BaseUri saved "
        + "with Set-OneMinBgConfig -BaseUri; the default is https://api.1min.ai) and the proxy (-Proxy, "
        + "$env:HTTPS_PROXY and $env:NO_PROXY, or Set-OneMinBgConfig -Proxy).";

    public static ErrorRecord ApiKeyMissing()
    {
        return Create(
            new PSArgumentException("No 1min.ai API key was given."),
            "ApiKeyMissing",
            ErrorCategory.AuthenticationError,
            null,
            "No 1min.ai API key was given. Pass -ApiKey, set the environment variable ONEMIN_API_KEY, or save "
            + "the key once with Set-OneMinBgConfig -ApiKey (the way for scheduled tasks).",
            "Pass -ApiKey <key>, set $env:ONEMIN_API_KEY, or run Set-OneMinBgConfig -ApiKey <key> once as the "
            + "account that runs the command.");
    }

    /// <summary>
    /// A failed service call. <paramref name="subject"/> names the input in words, e.g. "'C:\img\cat.png'".
    /// </summary>
    public static ErrorRecord FromApi(OneMinApiException ex, object? target, string subject)
    {
        (string id, ErrorCategory category, string? action) = ex.Kind switch
        {
            ApiErrorKind.Authentication => ("AuthenticationFailed", ErrorCategory.AuthenticationError,
                "Check the API key (-ApiKey, $env:ONEMIN_API_KEY, or the one saved with Set-OneMinBgConfig "
                + "-ApiKey): it may have been deleted or deactivated in the 1min.ai dashboard."),
            ApiErrorKind.ServiceUnreachable => ("ServiceUnreachable", ErrorCategory.ConnectionError,
                "Correct the base URL or the proxy setting the message names, then run the command again; nothing "
                + "more was sent."),
            ApiErrorKind.InsufficientCredits => ("InsufficientCredits", ErrorCategory.QuotaExceeded,
                "Add credits to the 1min.ai team, then run the same command again."),
            ApiErrorKind.ModelUnavailable => ("ModelUnavailable", ErrorCategory.InvalidArgument,
                "Run the command again with -Model gpt-image-2 or -Model gpt-image-1 (they cost differently), or "
                + "save a default with Set-OneMinBgConfig -Model gpt-image-2; nothing more was sent."),
            ApiErrorKind.RateLimited => ("RateLimited", ErrorCategory.LimitsExceeded,
                "Lower -ThrottleLimit or the requests-per-minute setting, then run the command again for this input."),
            ApiErrorKind.ServerError => ("ServerError", ErrorCategory.ConnectionError,
                "The service failed repeatedly; run the command again for this input later."),
            ApiErrorKind.Network => ("ConnectionFailed", ErrorCategory.ConnectionError,
                "Check the network, proxy and -BaseUri, then run the command again for this input."),
            ApiErrorKind.UnknownOutcome => ("FeatureOutcomeUnknown", ErrorCategory.OperationTimeout,
                "The image may have been charged. Running the command again waits for a record the service "
                + "accepted, and otherwise sends the image once more; Get-BgResult -History shows its attempts."),
            ApiErrorKind.Timeout => ("Timeout", ErrorCategory.OperationTimeout,
                "Raise -TimeoutSec, or run the command again for this input."),
            ApiErrorKind.InvalidResponse => ("InvalidResponse", ErrorCategory.InvalidResult,
                "The service answered something this module cannot read; run the command again for this input."),
            ApiErrorKind.FeatureFailed => ("FeatureFailed", ErrorCategory.InvalidResult,
                "The service did not produce an image; try another prompt or run the command again for this input."),
            ApiErrorKind.LinkExpired => ("LinkExpired", ErrorCategory.ResourceUnavailable,
                "Renew the link with Get-BgResult -Id <id> | Save-BgImage."),
            ApiErrorKind.InvalidDownload => ("InvalidDownload", ErrorCategory.InvalidData,
                "Run Save-BgImage again for this result; nothing was written."),
            _ => ("ApiRejected", ErrorCategory.InvalidArgument,
                "Correct the input the service rejected, then run the command again for it."),
        };
        if (ex.Kind == ApiErrorKind.ServiceUnreachable)
        {
            // About the service, not the input: it stops the command.
            return Create(ex, id, category, target, $"{ex.Message} {ConnectionSettings}", action);
        }
        string noAnswer = ex.ServiceNeverAnswered
            ? " Nothing at the base URL has answered this command yet. " + ConnectionSettings
            : "";
        return Create(ex, id, category, target, $"{subject}: {ex.Message}{noAnswer}", action);
    }

    /// <summary>
    /// A local file that cannot be sent: missing, a folder, empty, not an image, too large, unreadable.
    /// </summary>
    public static ErrorRecord FromFile(Exception ex, string path)
    {
        (string id, ErrorCategory category, string message) = ex switch
        {
            InvalidImageException img => (img.Reason switch
            {
                InvalidImageReason.Empty => "FileEmpty",
                InvalidImageReason.TooLarge => "ImageTooLarge",
                InvalidImageReason.UnsupportedFormat => "UnsupportedImageFormat",
                InvalidImageReason.Truncated => "ImageTruncated",
                InvalidImageReason.NotARegularFile => "NotARegularFile",
                _ => "NotAnImage",
            }, ErrorCategory.InvalidData, img.Message),
            SourceChangedException => ("SourceChanged", ErrorCategory.InvalidData, ex.Message),
            UnauthorizedAccessException => ("FileUnreadable", ErrorCategory.PermissionDenied,
                $"Cannot read '{path}': access is denied. Grant read access to the account running the command."),
            FileNotFoundException or DirectoryNotFoundException => ("FileNotFound", ErrorCategory.ObjectNotFound,
                $"Cannot find the file '{path}'. Check the path and the current location."),
            _ => ("FileUnreadable", ErrorCategory.ReadError,
                $"Cannot read '{path}': {ex.Message} Close any program that holds it open, then run the command "
                + "again for it."),
        };
        return Create(ex, id, category, path, message);
    }

    /// <summary>A paid result the journal could not record; it was written out and kept for the next run.</summary>
    public static ErrorRecord ResultNotRecorded(ResultNotRecordedException ex, object? target, string subject) =>
        Create(ex, "ResultNotRecorded", ErrorCategory.WriteError, target, $"{subject}: {ex.Message}",
            "Free disk space, or end the program that holds the journal's lock; the result object was written "
            + "and can be saved as usual.");

    /// <summary>Where the journal's path is set, for the errors that blame the journal.</summary>
    internal const string JournalSettings = "Pass -JournalPath (or set $env:ONEMIN_JOURNAL_PATH, or "
        + "Set-OneMinBgConfig -JournalPath) to a file in a folder this account can write.";

    /// <summary>The journal failed before the paid call, so the image was not sent (nor charged).</summary>
    public static ErrorRecord JournalUnavailable(JournalUnavailableException ex, object? target, string subject) =>
        Create(ex, "JournalUnavailable", ErrorCategory.WriteError, target,
            $"{subject}: not sent, because the journal could not record it: {ex.Message}",
            "Fix what the message names (free disk space, end the program that holds the journal's lock), or "
            + "pass another -JournalPath; then run the command again.");

    /// <summary>The journal cannot be opened or written at all: found when the command starts.</summary>
    public static ErrorRecord JournalUnwritable(Exception ex, string path) =>
        Create(ex, "JournalUnavailable", ErrorCategory.OpenError, path,
            (ex is JournalWriteException ? ex.Message : $"Cannot open the journal '{path}': {ex.Message}")
            + " " + JournalSettings,
            "Fix the cause named, or choose a journal this account can write; then run the command again.");

    /// <summary>Another run holds the image and has not finished it within the stale-claim time.</summary>
    public static ErrorRecord HeldByOtherRun(HeldByOtherRunException ex, object? target) =>
        Create(ex, "HeldByOtherRun", ErrorCategory.ResourceBusy, target, ex.Message,
            "Stop the other run if it hangs, then run the command again for this input; -Force pays anyway.");

    /// <summary>
    /// A value a parameter cannot take (ParameterArgumentValidationError, as PowerShell's binder calls it).
    /// With <paramref name="input"/> it is one input's (a piped row's) value, an error for that input only;
    /// without, the command line's, which stops the command before anything is sent.
    /// </summary>
    public static ErrorRecord InvalidArgument(string parameter, string problem, object? input, object? value)
    {
        string message = input == null
            ? $"Cannot validate argument on parameter '{parameter}'. {problem} Supply an argument that is valid "
                + "and then try the command again."
            : $"Cannot validate argument on parameter '{parameter}' for '{input}': {problem} Nothing was sent for "
                + $"it. Correct its {parameter} (for a CSV row, the {parameter} column) and run the command again "
                + "for it.";
        return Create(new PSArgumentException(message, parameter), "ParameterArgumentValidationError",
            ErrorCategory.InvalidData, input ?? value, message);
    }

    /// <summary>
    /// An input with no prompt of its own and none on the command line; without <paramref name="input"/>, a
    /// command line with neither -Prompt nor pipeline input, which stops the command before any work.
    /// </summary>
    public static ErrorRecord PromptMissing(object? input) =>
        Create(new PSArgumentException("No prompt was given.", "Prompt"), "PromptMissing",
            ErrorCategory.InvalidArgument, input, input == null
                ? "No prompt was given. Pass -Prompt with the new background in words, such as -Prompt 'white "
                    + "studio backdrop', or pipe objects with a Prompt property (such as rows of Import-Csv)."
                : $"'{input}' has no prompt: nothing was sent for it. Give -Prompt on the command line, or a "
                    + "Prompt column (property) with a value on every piped row.");
}
