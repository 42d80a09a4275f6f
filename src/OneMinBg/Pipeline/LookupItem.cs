using System;
using System.Management.Automation;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

/// <summary>
/// One record of Get-BgResult -Id, looked up again at the service on a worker: it becomes a BgResult with a
/// fresh download link, or its error, posted to the pipeline thread.
/// </summary>
internal sealed class LookupItem
{
    private readonly LookupWorkflow _workflow;
    private readonly Uri _baseUri;
    private readonly string _id;
    private readonly string? _sourcePath;

    /// <param name="sourcePath">The source a piped BgResult brought, kept as it is; null: the journal's.</param>
    public LookupItem(LookupWorkflow workflow, Uri baseUri, string id, string? sourcePath)
    {
        _workflow = workflow;
        _baseUri = baseUri;
        _id = id;
        _sourcePath = sourcePath;
    }

    public async Task RunAsync(BatchRunner.WorkItem item)
    {
        try
        {
            LookedUpRecord? found = await _workflow.LookUpAsync(_id, item.BatchToken).ConfigureAwait(false);
            if (found == null)
            {
                item.Error(ErrorRecords.Create("ResultNotFound", ErrorCategory.ObjectNotFound, _id,
                    $"No result with id '{_id}' exists at {_baseUri}. Check the id, and that -BaseUri and the API "
                    + "key belong to the account that made it."));
                return;
            }
            // The journal remembers which file a record came from when the caller does not say.
            item.Output(BgResult.From(found.Record, _baseUri, _sourcePath ?? found.SourcePath, found.Credits));
        }
        catch (OneMinApiException ex)
        {
            item.Fail(ex, _id, $"Result '{_id}'");
        }
    }
}
