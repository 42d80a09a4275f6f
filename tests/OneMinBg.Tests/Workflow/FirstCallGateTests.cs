using System.Collections.Generic;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>A call waiting for the batch's first answer tells its observer, so that wait is not counted as time
/// with the service (ConcurrencyLimit).</summary>
public sealed class FirstCallGateTests
{
    private sealed class Observer : IFlowObserver, IFirstCallObserver
    {
        public readonly List<bool> Waits = new List<bool>();
        public readonly TaskCompletionSource<bool> Waiting =
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        public void WaitingForFirstCall(bool waiting)
        {
            lock (Waits)
            {
                Waits.Add(waiting);
            }
            if (waiting)
            {
                Waiting.TrySetResult(true);
            }
        }

        public void WaitingForRateLimit(bool waiting) { }

        public void Sent() { }

        public void Answered(TimeSpan elapsed, int? status) { }
    }

    [Fact]
    public async Task Only_the_calls_that_wait_for_the_first_answer_are_told_and_told_when_it_ends()
    {
        var gate = new FirstCallGate();
        var first = new Observer();
        var second = new Observer();

        bool goesFirst = await Observed(first, () => gate.EnterAsync(CancellationToken.None));
        Task<bool> waiting = Observed(second, () => gate.EnterAsync(CancellationToken.None));
        await second.Waiting.Task;
        Assert.False(waiting.IsCompleted);
        gate.Open();

        Assert.True(goesFirst);
        Assert.False(await waiting);
        Assert.Empty(first.Waits);
        Assert.Equal(new[] { true, false }, second.Waits);
    }

    /// <summary>Runs <paramref name="call"/> in a flow of its own, observed as an item's task is.</summary>
    private static Task<bool> Observed(Observer observer, Func<Task<bool>> call) => Task.Run(() =>
    {
        FlowObservation.Observe(observer);
        return call();
    });
}
