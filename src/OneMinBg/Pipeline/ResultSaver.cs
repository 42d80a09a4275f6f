using System;
using System.Collections.Concurrent;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Downloads;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

/// <summary>
/// Saves Save-BgImage's results: each is downloaded on a worker to a temporary name, then moved into place and
/// written on the pipeline thread together (as the provider's item, <see cref="SavedFile"/>), so a file in place
/// always reached the pipeline. A download the
/// pipeline thread never got to (the command ended first) is deleted on disposal.
/// </summary>
internal sealed class ResultSaver : IDisposable
{
    // Downloaded, not yet in place.
    private readonly ConcurrentDictionary<FetchedImage, bool> _pending = new ConcurrentDictionary<FetchedImage, bool>();
    private readonly PSCmdlet _cmdlet;
    private readonly BatchRunner _runner;
    private readonly SaveWorkflow _workflow;
    private readonly DestinationNames _names;

    public ResultSaver(PSCmdlet cmdlet, BatchRunner runner, SaveWorkflow workflow, DestinationNames names)
    {
        _cmdlet = cmdlet;
        _runner = runner;
        _workflow = workflow;
        _names = names;
    }

    /// <summary>Starts saving one result to the first of the plan's targets that takes it.</summary>
    public void Start(BgResult result, NameParts parts, NamePlan plan) =>
        _runner.Start(result, item => SaveAsync(item, result, parts, plan));

    /// <summary>Call after the runner's disposal, which waits for the workers whose downloads may still land.</summary>
    public void Dispose()
    {
        foreach (FetchedImage fetched in _pending.Keys)
        {
            fetched.Discard();
        }
        _pending.Clear();
    }

    private async Task SaveAsync(BatchRunner.WorkItem item, BgResult result, NameParts parts, NamePlan plan)
    {
        string subject = $"Result '{result.Id}' of '{result.SourcePath ?? result.ImageUrl ?? result.Id}'";
        FetchedImage fetched;
        try
        {
            fetched = await _workflow.FetchAsync(result.Id, result.TemporaryUrl, result.BaseUri, subject, plan.Path,
                result.Size, item, item.BatchToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Report(item, ex, result, subject, plan.Path))
        {
            return;
        }
        _pending[fetched] = true;
        item.OnPipelineThread(() =>
        {
            if (!_pending.TryRemove(fetched, out _))
            {
                return;
            }
            try
            {
                DownloadedFile file = _workflow.Commit(result.Id, fetched, plan.Targets, subject, item);
                _names.Claim(file.Path, parts);
                _runner.WriteOutput(SavedFile.For(_cmdlet, file.Path, result));
            }
            catch (Exception ex) when (Report(item, ex, result, subject, plan.Path))
            {
            }
        });
    }

    /// <summary>Reports a failure of one save; false for what is not ours to report (a bug, a cancellation).
    /// </summary>
    private static bool Report(BatchRunner.WorkItem item, Exception ex, BgResult result, string subject, string path)
    {
        switch (ex)
        {
            case OneMinApiException api:
                item.Fail(api, result, subject);
                return true;
            case DestinationUnwritableException unwritable:
                item.Fatal(ErrorRecords.DestinationUnwritable(unwritable));
                return true;
            case DestinationExistsException exists:
                item.Error(ErrorRecords.DestinationExists(exists, path, subject));
                return true;
            case IOException or UnauthorizedAccessException:
                item.Error(ErrorRecords.DestinationUnwritable(ex, path, subject));
                return true;
            default:
                return false;
        }
    }
}
