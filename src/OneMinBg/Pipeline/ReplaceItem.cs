using System;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Images;
using OneMinBg.Client.Journaling;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Pipeline;

/// <summary>
/// One image of Invoke-BackgroundReplace, run through the workflow on a worker: what comes back becomes its
/// BgResult or its error, posted to the pipeline thread. Its values are captured when it is submitted, since
/// pipeline-bound parameters change with the next input.
/// </summary>
internal sealed class ReplaceItem
{
    private readonly ReplaceWorkflow _workflow;
    private readonly ImageRequest _request;
    private readonly SourceImage? _image;
    private readonly bool _force;

    public ReplaceItem(ReplaceWorkflow workflow, ImageRequest request, SourceImage? image, bool force)
    {
        _workflow = workflow;
        _request = request;
        _image = image;
        _force = force;
    }

    public async Task RunAsync(BatchRunner.WorkItem item)
    {
        object target = (object?)_image?.Path ?? _request.ImageUrl!;
        string subject = ReplaceWorkflow.Describe(_request);
        try
        {
            ReplaceResult result = await _workflow.RunAsync(_request, _image, _force, item, item.BatchToken,
                item.StopToken).ConfigureAwait(false);
            item.Output(BgResult.From(result.Entry, _image?.Path, result.Reused));
            if (result.NotRecorded != null)
            {
                // Paid for and written out (Save-BgImage saves it): the error says where it is kept. It counts
                // as failed in the summary, so a scheduled task notices the journal's trouble.
                item.Error(ErrorRecords.ResultNotRecorded(result.NotRecorded, target, subject));
            }
        }
        catch (OneMinApiException ex)
        {
            // The service's words may not name the model; the error does.
            item.Fail(ex, target,
                ex.Kind == ApiErrorKind.ModelUnavailable ? $"{subject} with model {_request.Model}" : subject);
        }
        catch (JournalUnavailableException ex)
        {
            ErrorRecord record = ErrorRecords.JournalUnavailable(ex, target, subject);
            if (FailurePolicy.StopsBatch(ex))
            {
                item.Fatal(record);
            }
            else
            {
                item.Error(record);
            }
        }
        catch (HeldByOtherRunException ex)
        {
            item.Error(ErrorRecords.HeldByOtherRun(ex, target));
        }
        catch (Exception ex) when (_image != null
            && ex is InvalidImageException or IOException or UnauthorizedAccessException)
        {
            item.Error(ErrorRecords.FromFile(ex, _image.Path));
        }
    }
}
