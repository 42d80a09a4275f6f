using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>The process-wide list of stopped runs' charged calls still with the service.</summary>
public sealed class ChargedCallsTests
{
    [Fact]
    public async Task A_call_is_kept_until_it_ends_and_waited_for()
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task call = answer.Task;
        ChargedCalls.Track(call, TimeSpan.FromMinutes(1));

        Assert.False(ChargedCalls.WaitAll(TimeSpan.Zero), "the call is still out");

        answer.SetResult(true);
        Assert.True(ChargedCalls.WaitAll(TimeSpan.FromMinutes(1)));
        await Until.TrueAsync(() => ChargedCalls.Count == 0, "the call to be forgotten");
    }

    [Fact]
    public void A_call_that_failed_is_no_longer_waited_for()
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        ChargedCalls.Track(answer.Task, TimeSpan.FromMinutes(1));

        answer.SetException(new IOException("the journal could not record it"));

        Assert.True(ChargedCalls.WaitAll(TimeSpan.FromMinutes(1)));
    }
}
