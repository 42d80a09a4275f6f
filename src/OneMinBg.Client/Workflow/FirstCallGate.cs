using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Http;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// Lets a batch's first image call go alone: the others wait until it has an answer, so a batch whose every
/// call the service refuses (a retired model, a revoked key) makes one call, not one per slot. An answer that
/// stops the batch keeps the gate shut; the batch's stop then ends the waits.
/// <para>
/// The batch's concurrency starts small too (<see cref="ConcurrencyLimit"/>); so a wait here is not counted as
/// time with the service, the item's observer is told about it (<see cref="IFirstCallObserver"/>).
/// </para>
/// </summary>
internal sealed class FirstCallGate
{
    private readonly TaskCompletionSource<bool> _open =
        new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _taken;

    /// <summary>True for the one call that goes first (it must <see cref="Open"/> the gate on an answer).</summary>
    /// <exception cref="System.OperationCanceledException">The batch stopped while this call waited.</exception>
    public async Task<bool> EnterAsync(CancellationToken cancellationToken)
    {
        if (_open.Task.IsCompleted)
        {
            return false;
        }

        if (Interlocked.Exchange(ref _taken, 1) == 0)
        {
            return true;
        }

        var observer = FlowObservation.Current as IFirstCallObserver;
        observer?.WaitingForFirstCall(true);
        try
        {
            await Task.WhenAny(_open.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            observer?.WaitingForFirstCall(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }

    public void Open() => _open.TrySetResult(true);
}

/// <summary>An <see cref="IFlowObserver"/> that also hears when its item waits for the batch's first image call.
/// </summary>
public interface IFirstCallObserver
{
    void WaitingForFirstCall(bool waiting);
}
