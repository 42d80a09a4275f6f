using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>Issue 14: the number of items in flight follows the service (Little's law), within -ThrottleLimit.</summary>
public sealed class ConcurrencyLimitTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(3);

    /// <summary>Items done as the service answers them, each with two requests (upload and image call).</summary>
    private static void Done(ConcurrencyLimit limit, int items, TimeSpan withService)
    {
        for (int i = 0; i < items; i++)
        {
            limit.ItemDone(withService, requests: 2);
        }
    }

    [Fact]
    public void It_starts_at_16_and_goes_to_the_target_at_the_first_answer()
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);
        Assert.Equal(16, limit.Limit);

        ConcurrencyChange? change = limit.ItemDone(Slow, requests: 2);

        // 10 images a second, 3 s each: 30, a quarter more and 2 queued.
        Assert.Equal(40, limit.Limit);
        Assert.NotNull(change);
        Assert.Equal(ConcurrencyReason.Grew, change!.Reason);
        Assert.Equal((16, 40), (change.From, change.To));
    }

    [Fact]
    public void On_a_slow_service_it_grows_to_rate_times_latency_with_headroom_and_a_queue()
    {
        // 1200 a minute at 2 requests an image is 10 images a second; 3 s each: 30 with the service,
        // 38 with a quarter more, 40 with the queue.
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);
        Done(limit, 100, Slow);

        Assert.Equal(40, limit.Target);
        Assert.Equal(40, limit.Limit);
        Assert.Equal(10, limit.ItemsPerSecond!.Value, precision: 6);
        Assert.Equal(2, limit.RequestsPerItem!.Value, precision: 6);
    }

    [Fact]
    public void A_fast_service_needs_no_more_than_earlier_versions_used()
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 180);
        Done(limit, 100, TimeSpan.FromMilliseconds(500));

        Assert.Equal(ConcurrencyLimit.MinimumTarget, limit.Limit);
    }

    [Fact]
    public void It_never_goes_over_the_ceiling()
    {
        var limit = new ConcurrencyLimit(20, isFixed: false, requestsPerMinute: 1200);
        Done(limit, 200, TimeSpan.FromSeconds(60));

        Assert.Equal(20, limit.Limit);
        Assert.Equal(20, limit.Target);
    }

    [Fact]
    public void Without_a_client_side_rate_it_grows_to_the_ceiling()
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 0);
        Done(limit, 100, TimeSpan.FromMilliseconds(100));

        Assert.Equal(64, limit.Limit);
    }

    [Fact]
    public void When_the_service_gets_faster_it_settles_back_one_at_a_time()
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);
        Done(limit, 100, Slow);
        Assert.Equal(40, limit.Limit);

        ConcurrencyChange? change = limit.ItemDone(TimeSpan.FromMilliseconds(100), requests: 2);

        Assert.Equal(39, limit.Limit);
        Assert.Equal(ConcurrencyReason.Settled, change!.Reason);
        Done(limit, 200, TimeSpan.FromMilliseconds(100));
        Assert.Equal(ConcurrencyLimit.MinimumTarget, limit.Limit);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    [InlineData(null)]
    public void A_429_a_503_or_no_answer_halves_it(int? status)
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);
        Done(limit, 100, Slow);

        ConcurrencyChange? change = limit.Answered(status, limit.Round);

        Assert.Equal(20, limit.Limit);
        Assert.Equal(ConcurrencyReason.Shrank, change!.Reason);
        Assert.Equal(status, change.Status);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(400)]
    [InlineData(500)]
    public void Other_answers_do_not_shrink_it(int status)
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);
        Done(limit, 100, Slow);

        Assert.Null(limit.Answered(status, limit.Round));
        Assert.Equal(40, limit.Limit);
    }

    [Fact]
    public void Many_429s_of_calls_sent_before_the_decrease_halve_it_once()
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);
        Done(limit, 100, Slow);
        int sentIn = limit.Round;

        for (int i = 0; i < 30; i++)
        {
            limit.Answered(429, sentIn);
        }

        Assert.Equal(20, limit.Limit);
        limit.Answered(429, limit.Round); // a call sent after the decrease: a new signal
        Assert.Equal(10, limit.Limit);
    }

    [Fact]
    public void After_a_decrease_it_grows_by_one_per_round_not_per_answer()
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);
        Done(limit, 100, Slow);
        limit.Answered(429, limit.Round);
        Assert.Equal(20, limit.Limit);

        Done(limit, 20, Slow); // one round of 20 answers

        Assert.Equal(21, limit.Limit);
    }

    [Fact]
    public void It_never_shrinks_below_one()
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);
        for (int i = 0; i < 10; i++)
        {
            limit.Answered(null, limit.Round);
        }

        Assert.Equal(1, limit.Limit);
    }

    [Fact]
    public void A_limit_the_user_set_is_fixed()
    {
        var limit = new ConcurrencyLimit(20, isFixed: true, requestsPerMinute: 1200);
        Assert.Equal(20, limit.Limit);

        Assert.Null(limit.Answered(429, limit.Round));
        Done(limit, 100, TimeSpan.FromMilliseconds(100));

        Assert.Equal(20, limit.Limit);
    }

    [Fact]
    public void An_item_that_sent_nothing_changes_nothing()
    {
        var limit = new ConcurrencyLimit(64, isFixed: false, requestsPerMinute: 1200);

        Assert.Null(limit.ItemDone(TimeSpan.FromSeconds(30), requests: 0));
        Assert.Equal(ConcurrencyLimit.InitialLimit, limit.Limit);
        Assert.Null(limit.ItemTime);
    }

    [Fact]
    public void Polled_calls_count_every_request_so_the_rate_per_item_falls()
    {
        // An async call looked up 8 times: 10 requests an image, so 2 images a second at 1200 a minute; 30 s each.
        var limit = new ConcurrencyLimit(256, isFixed: false, requestsPerMinute: 1200);
        for (int i = 0; i < 300; i++)
        {
            limit.ItemDone(TimeSpan.FromSeconds(30), requests: 10);
        }

        Assert.Equal(2, limit.ItemsPerSecond!.Value, precision: 6);
        Assert.Equal(77, limit.Target); // ceil(2 * 30 * 1.25) + 2
    }
}
