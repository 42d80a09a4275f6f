namespace OneMinBg.Client.Workflow;

/// <summary>
/// Where a workflow's messages go while it runs. Called from worker threads: an implementation hands
/// them to whoever may write them (a cmdlet's pipeline thread). Results and failures are not messages:
/// they are what a workflow returns or throws.
/// </summary>
public interface IWorkflowSink
{
    void Verbose(string message);

    void Warning(string message);
}
