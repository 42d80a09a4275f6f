using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Threading;
using OneMinBg.Client;

namespace OneMinBg
{
    /// <summary>
    /// What every OneMinBg cmdlet shares: the connection parameters, one cancellation token that
    /// Ctrl+C (StopProcessing) cancels, and the batch runner that keeps the pipeline thread the
    /// only writer.
    /// </summary>
    public abstract class OneMinCmdlet : PSCmdlet, IDisposable
    {
        internal const string EnvApiKey = "ONEMIN_API_KEY";
        internal const string EnvBaseUrl = "ONEMIN_BASE_URL";
        internal const string EnvRequestsPerMinute = "ONEMIN_REQUESTS_PER_MINUTE";
        internal const string EnvJournalPath = "ONEMIN_JOURNAL_PATH";
        private const int DefaultRequestsPerMinute = 180;

        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private BatchRunner? _runner;

        /// <summary>The 1min.ai API key; default $env:ONEMIN_API_KEY. Takes a SecureString, PSCredential or string.</summary>
        [Parameter]
        [ApiKeyTransformation]
        public SecureString? ApiKey { get; set; }

        /// <summary>The API's base URL; default $env:ONEMIN_BASE_URL, else https://api.1min.ai.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? BaseUri { get; set; }

        /// <summary>
        /// Allow a plain http:// -BaseUri on another machine (the key would cross the network
        /// unencrypted). Loopback http:// (a local emulator or proxy) needs no switch.
        /// </summary>
        [Parameter]
        public SwitchParameter AllowInsecureHttp { get; set; }

        /// <summary>How long one HTTP call may take before it is abandoned. Image calls can take minutes.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 600;

        /// <summary>How often a failed call that is safe to repeat is retried.</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int MaximumRetryCount { get; set; } = 5;

        /// <summary>
        /// API requests per minute for this key, shared by every command in the process; 0 = no limit.
        /// Default $env:ONEMIN_REQUESTS_PER_MINUTE, else 180 (1min.ai's default limit).
        /// </summary>
        [Parameter]
        [ValidateRange(0, 1000000)]
        public int RequestsPerMinute { get; set; } = DefaultRequestsPerMinute;

        /// <summary>
        /// The journal of every request and result. Default $env:ONEMIN_JOURNAL_PATH, else a per-user
        /// file (%LOCALAPPDATA%\OneMinBg\journal.jsonl; ~/.local/share/OneMinBg/journal.jsonl).
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        /// <summary>How many items are in flight at once.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; } = 16;

        protected CancellationToken StopToken => _stop.Token;

        /// <summary>The batch runner; made in BeginProcessing so each invocation has its own.</summary>
        internal BatchRunner Runner => _runner ?? throw new InvalidOperationException("BeginProcessing has not run.");

        /// <summary>The progress bar's title.</summary>
        internal abstract string Activity { get; }

        protected override void BeginProcessing()
        {
            _runner = new BatchRunner(this, ThrottleLimit, Activity, _stop.Token);
        }

        protected override void EndProcessing()
        {
            Runner.Complete();
        }

        protected override void StopProcessing()
        {
            _stop.Cancel();
        }

        /// <summary>The API to talk to: -BaseUri, else $env:ONEMIN_BASE_URL, else the public service.</summary>
        internal Uri ResolveBaseUri()
        {
            if (BaseUri != null)
            {
                return BaseUri;
            }
            string? fromEnv = Environment.GetEnvironmentVariable(EnvBaseUrl);
            if (string.IsNullOrWhiteSpace(fromEnv))
            {
                return OneMinClientOptions.DefaultBaseUri;
            }
            if (!Uri.TryCreate(fromEnv, UriKind.Absolute, out Uri? uri))
            {
                ThrowTerminatingError(ErrorRecords.Create("InvalidBaseUri", ErrorCategory.InvalidArgument, fromEnv,
                    $"The environment variable {EnvBaseUrl} holds '{fromEnv}', which is not an absolute URL. Set it to e.g. https://api.1min.ai or remove it."));
            }
            return uri!;
        }

        /// <summary>
        /// Makes a client for this invocation, its verbose and debug messages routed to the pipeline
        /// thread. No key is a terminating error (nothing can succeed without one) unless
        /// <paramref name="requireKey"/> is false: downloads need none, and a call that does then fails alone.
        /// </summary>
        internal OneMinClient CreateClient(Uri baseUri, bool requireKey = true)
        {
            string? key = ApiKey != null ? ApiKeyTransformationAttribute.ToPlainText(ApiKey) : Environment.GetEnvironmentVariable(EnvApiKey);
            if (string.IsNullOrWhiteSpace(key) && requireKey)
            {
                ThrowTerminatingError(ErrorRecords.ApiKeyMissing());
            }

            var options = new OneMinClientOptions
            {
                BaseUri = baseUri,
                ApiKey = key ?? string.Empty,
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                MaxRetryCount = MaximumRetryCount,
                RequestsPerMinute = ResolveRequestsPerMinute(),
                AllowInsecureHttp = AllowInsecureHttp,
                Verbose = message => Runner.PostVerbose(message),
                Debug = message => Runner.PostDebug(message),
            };
            try
            {
                return new OneMinClient(options);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(ErrorRecords.Create(ex, "InvalidBaseUri", ErrorCategory.InvalidArgument, options.BaseUri, ex.Message));
                throw;
            }
        }

        /// <summary>Opens the journal: -JournalPath, else $env:ONEMIN_JOURNAL_PATH, else the per-user default.</summary>
        internal Journal OpenJournal()
        {
            string path = JournalPath ?? Environment.GetEnvironmentVariable(EnvJournalPath) ?? "";
            if (string.IsNullOrWhiteSpace(path))
            {
                path = Journal.DefaultPath;
            }
            else
            {
                string? resolved = PathHelper.ResolveForWriting(this, path, "-JournalPath", out ErrorRecord? error);
                if (resolved == null)
                {
                    ThrowTerminatingError(error!);
                }
                path = resolved!;
            }
            try
            {
                return Journal.Open(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                ThrowTerminatingError(ErrorRecords.Create(ex, "JournalUnavailable", ErrorCategory.OpenError, path,
                    $"Cannot open the journal '{path}': {ex.Message} Pass -JournalPath (or set ${EnvJournalPath}) to a file in a folder you can write."));
                throw;
            }
        }

        private int ResolveRequestsPerMinute()
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(RequestsPerMinute)))
            {
                return RequestsPerMinute;
            }
            string? fromEnv = Environment.GetEnvironmentVariable(EnvRequestsPerMinute);
            if (string.IsNullOrWhiteSpace(fromEnv))
            {
                return DefaultRequestsPerMinute;
            }
            if (!int.TryParse(fromEnv, out int value) || value < 0)
            {
                ThrowTerminatingError(ErrorRecords.Create("InvalidRequestsPerMinute", ErrorCategory.InvalidArgument, fromEnv,
                    $"The environment variable {EnvRequestsPerMinute} holds '{fromEnv}', which is not a whole number of 0 or more. Set it to e.g. 180, or remove it."));
            }
            return value;
        }

        public void Dispose()
        {
            _runner?.Dispose();
            _stop.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
