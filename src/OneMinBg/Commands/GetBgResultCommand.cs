using System;
using System.Management.Automation;
using System.Threading.Tasks;
using OneMinBg.Client;

namespace OneMinBg.Commands
{
    /// <summary>
    /// Looks background replacements up again by record id, with a fresh download link: how an
    /// expired link is renewed and how a result that was paid for but never saved is recovered.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BgResult")]
    [OutputType(typeof(BgResult))]
    public sealed class GetBgResultCommand : OneMinCmdlet
    {
        private OneMinClient? _client;
        private Uri? _baseUri;

        /// <summary>Record ids (the Id of a BgResult).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = Array.Empty<string>();

        /// <summary>Carried over from a piped BgResult so Save-BgImage still names the file after its source.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string? SourcePath { get; set; }

        internal override string Activity => "Looking up results";

        protected override void ProcessRecord()
        {
            _baseUri ??= ResolveBaseUri();
            _client ??= CreateClient(_baseUri);
            OneMinClient client = _client;
            Uri baseUri = _baseUri;
            string? sourcePath = SourcePath;
            foreach (string id in Id)
            {
                Runner.Start(id, item => LookUpAsync(item, client, baseUri, id, sourcePath));
            }
        }

        private static async Task LookUpAsync(BatchRunner.WorkItem item, OneMinClient client, Uri baseUri, string id, string? sourcePath)
        {
            try
            {
                AiRecord? record = await client.GetResultAsync(id, item.BatchToken).ConfigureAwait(false);
                if (record == null)
                {
                    item.Error(ErrorRecords.Create("ResultNotFound", ErrorCategory.ObjectNotFound, id,
                        $"No result with id '{id}' exists at {baseUri}. Check the id, and that -BaseUri and the API key belong to the account that made it."));
                    return;
                }
                item.Output(BgResult.From(record, baseUri, sourcePath, null));
            }
            catch (OneMinApiException ex) when (ex.Kind == ApiErrorKind.Authentication)
            {
                item.Fatal(ErrorRecords.FromApi(ex, id, $"Result '{id}'"));
            }
            catch (OneMinApiException ex)
            {
                item.Error(ErrorRecords.FromApi(ex, id, $"Result '{id}'"));
            }
        }
    }
}
