using System;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;
using OneMinBg.Client;

namespace OneMinBg.Commands
{
    /// <summary>
    /// Replaces the background of images: uploads each file, runs 1min.ai's Background Replacer on it
    /// with the prompt, and writes one BgResult per image as it completes.
    /// </summary>
    // LiteralPath is the default set because pipeline binding tries the default set first: that is
    // what makes a FileInfo bind by its PSPath (exact, '[' safe) rather than as a wildcard string.
    [Cmdlet(VerbsLifecycle.Invoke, "BackgroundReplace", DefaultParameterSetName = LiteralPathSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BgResult))]
    public sealed class InvokeBackgroundReplaceCommand : OneMinCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string ImageUrlSet = "ImageUrl";
        private const string AutoSize = "Auto";

        private OneMinClient? _client;
        private Uri? _baseUri;

        /// <summary>Image files to process; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [PathTransformation]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Image files to process, taken as written (no wildcards); Get-ChildItem output binds here.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Asset keys (or absolute URLs) of images already uploaded to 1min.ai.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ImageUrlSet)]
        [ValidateNotNullOrEmpty]
        public string[] ImageUrl { get; set; } = Array.Empty<string>();

        /// <summary>The new background, in words.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ValidateLength(1, BackgroundRequest.MaxPromptLength)]
        public string Prompt { get; set; } = "";

        /// <summary>Output size; Auto picks the one closest to the source's aspect ratio.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [DefaultWhenBlank(AutoSize)]
        [ValidateSet(AutoSize, "1024x1024", "1024x1536", "1536x1024")]
        public string Size { get; set; } = AutoSize;

        /// <summary>low, medium or high; higher costs more credits and time.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [DefaultWhenBlank("medium")]
        [ValidateSet("low", "medium", "high")]
        public string Quality { get; set; } = "medium";

        /// <summary>auto, opaque or transparent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [DefaultWhenBlank("auto")]
        [ValidateSet("auto", "opaque", "transparent")]
        public string Background { get; set; } = "auto";

        /// <summary>The image model.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Model { get; set; } = BackgroundRequest.DefaultModel;

        internal override string Activity => "Replacing backgrounds";

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ImageUrlSet)
            {
                foreach (string url in ImageUrl)
                {
                    // No local file to measure: Auto falls back to square.
                    Submit(null, url, Size == AutoSize ? "1024x1024" : Size);
                }
                return;
            }

            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string input in literal ? LiteralPath : Path)
            {
                foreach (string file in PathHelper.ResolveFiles(this, input, literal))
                {
                    SubmitFile(file);
                }
            }
        }

        private void SubmitFile(string file)
        {
            // Checked here, before any upload, so a bad file costs nothing and fails in input order.
            ImageInfo image;
            try
            {
                image = ImageInspector.Inspect(file);
            }
            catch (Exception ex) when (ex is InvalidImageException or IOException or UnauthorizedAccessException)
            {
                WriteError(ErrorRecords.FromFile(ex, file));
                return;
            }

            string size = Size == AutoSize ? ImageInspector.ClosestSize(image.Width, image.Height) : Size;
            Submit(file, null, size);
        }

        private void Submit(string? file, string? imageUrl, string size)
        {
            string target = file ?? imageUrl!;
            string action = $"Replace the background ({size}, quality {Quality}), spending 1min.ai credits";
            if (!ShouldProcess(target, action))
            {
                return;
            }

            _baseUri ??= ResolveBaseUri();
            _client ??= CreateClient(_baseUri);
            // Pipeline-bound parameters change with the next input: capture this input's values now.
            // A file's asset key is known only after its upload, so its request is completed then.
            var request = new BackgroundRequest(imageUrl ?? "", Prompt, size, Quality.ToLowerInvariant(), Background.ToLowerInvariant(), Model);
            OneMinClient client = _client;
            Uri baseUri = _baseUri;
            Runner.Start(target, item => ReplaceAsync(item, client, baseUri, file, request));
        }

        private static async Task ReplaceAsync(BatchRunner.WorkItem item, OneMinClient client, Uri baseUri, string? file, BackgroundRequest request)
        {
            string target = file ?? request.ImageUrl;
            string subject = file != null ? $"'{file}'" : $"image '{request.ImageUrl}'";
            try
            {
                if (file != null)
                {
                    UploadedAsset asset = await client.UploadAsync(file, item.BatchToken).ConfigureAwait(false);
                    request = request.WithImageUrl(asset.Key);
                }

                // The charged call: not started once the batch is stopping, never abandoned once sent
                // (only Ctrl+C cancels it), so a paid result is not thrown away.
                item.BatchToken.ThrowIfCancellationRequested();
                AiRecord record = await client.ReplaceBackgroundAsync(request, item.StopToken).ConfigureAwait(false);

                if (!record.IsSuccess)
                {
                    var failed = new OneMinApiException(ApiErrorKind.FeatureFailed,
                        $"the service finished record {record.Id} with status {record.Status} and no image")
                    {
                        Operation = "POST /api/features",
                    };
                    item.Error(ErrorRecords.FromApi(failed, target, subject));
                    return;
                }
                item.Output(BgResult.From(record, baseUri, file, request));
            }
            catch (OneMinApiException ex) when (ex.Kind is ApiErrorKind.Authentication or ApiErrorKind.InsufficientCredits)
            {
                item.Fatal(ErrorRecords.FromApi(ex, target, subject));
            }
            catch (OneMinApiException ex)
            {
                item.Error(ErrorRecords.FromApi(ex, target, subject));
            }
            catch (Exception ex) when (file != null && ex is InvalidImageException or IOException or UnauthorizedAccessException)
            {
                // The file changed or vanished between the check and the upload.
                item.Error(ErrorRecords.FromFile(ex, file));
            }
        }
    }
}
