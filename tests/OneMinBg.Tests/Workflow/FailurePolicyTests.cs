using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>Which failures stop a batch: alone, or as the first few that all got no answer.</summary>
public sealed class FailurePolicyTests
{
    private static OneMinApiException Failure(ApiErrorKind kind, bool neverAnswered = false) =>
        new(kind, "it failed") { ServiceNeverAnswered = neverAnswered };

    [Theory]
    [InlineData(ApiErrorKind.Authentication, true)]
    [InlineData(ApiErrorKind.InsufficientCredits, true)]
    [InlineData(ApiErrorKind.ServiceUnreachable, true)]
    [InlineData(ApiErrorKind.Network, false)]
    [InlineData(ApiErrorKind.Timeout, false)]
    [InlineData(ApiErrorKind.BadRequest, false)]
    [InlineData(ApiErrorKind.UnknownOutcome, false)]
    public void One_failure_stops_the_batch_only_when_every_later_item_would_fail_too(ApiErrorKind kind, bool stops)
    {
        Assert.Equal(stops, FailurePolicy.StopsBatch(Failure(kind)));
        Assert.Equal(stops, new FailurePolicy().StopsAfter(Failure(kind)));
    }

    [Fact]
    public void The_third_call_without_an_answer_from_a_service_that_never_answered_stops_the_batch()
    {
        var policy = new FailurePolicy();

        Assert.False(policy.StopsAfter(Failure(ApiErrorKind.Network, neverAnswered: true)));
        Assert.False(policy.StopsAfter(Failure(ApiErrorKind.Timeout, neverAnswered: true)));
        Assert.True(policy.StopsAfter(Failure(ApiErrorKind.Network, neverAnswered: true)));
        Assert.Equal(3, FailurePolicy.FirstFailuresThatTell);
    }

    [Fact]
    public void Failures_of_a_service_that_answered_never_add_up_to_a_stop()
    {
        var policy = new FailurePolicy();

        for (int i = 0; i < 10; i++)
        {
            Assert.False(policy.StopsAfter(Failure(ApiErrorKind.Network)));
            Assert.False(policy.StopsAfter(Failure(ApiErrorKind.ServerError)));
        }
    }

    [Fact]
    public void Each_batch_counts_its_own_failures()
    {
        var first = new FailurePolicy();
        first.StopsAfter(Failure(ApiErrorKind.Network, neverAnswered: true));
        first.StopsAfter(Failure(ApiErrorKind.Network, neverAnswered: true));

        Assert.False(new FailurePolicy().StopsAfter(Failure(ApiErrorKind.Network, neverAnswered: true)));
    }
}
