using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>
/// What one image cost, from the team's running total: measured only when no other charge can be in the
/// difference, otherwise unknown (never another image's charge).
/// </summary>
public sealed class CreditMeterTests
{
    [Fact]
    public void Calls_one_after_another_cost_the_rise_of_the_total_except_the_first()
    {
        var meter = new CreditMeter();

        Assert.Null(meter.Answered(meter.Sent(), 100m)); // no total known before it
        Assert.Equal(10m, meter.Answered(meter.Sent(), 110m));
        Assert.Equal(25m, meter.Answered(meter.Sent(), 135m));
    }

    [Fact]
    public void Calls_with_the_service_at_the_same_time_are_not_measured_and_the_next_one_alone_is()
    {
        var meter = new CreditMeter();
        meter.Answered(meter.Sent(), 100m);
        CreditMeter.Ticket a = meter.Sent();
        CreditMeter.Ticket b = meter.Sent();

        Assert.Null(meter.Answered(b, 120m)); // holds a's charge, or not: it cannot be told
        Assert.Null(meter.Answered(a, 110m)); // the lower total answered later: still both in it
        Assert.Equal(10m, meter.Answered(meter.Sent(), 130m)); // from the highest total, 120
    }

    [Fact]
    public void A_call_sent_while_another_is_out_is_not_measured_even_if_it_ends_first()
    {
        var meter = new CreditMeter();
        meter.Answered(meter.Sent(), 100m);
        CreditMeter.Ticket first = meter.Sent();
        CreditMeter.Ticket second = meter.Sent();

        Assert.Null(meter.Answered(second, 110m));
        Assert.Null(meter.Answered(first, 120m));
    }

    [Fact]
    public void After_a_call_that_may_have_been_charged_without_an_answer_the_total_is_known_again_only_from_a_later_call()
    {
        var meter = new CreditMeter();
        meter.Answered(meter.Sent(), 100m);
        CreditMeter.Ticket lost = meter.Sent();
        meter.Ended(lost); // e.g. the connection dropped after sending: charged or not

        Assert.Null(meter.Answered(meter.Sent(), 120m)); // 20 may be two charges
        Assert.Equal(10m, meter.Answered(meter.Sent(), 130m));
    }

    [Fact]
    public void An_answer_sent_before_such_a_call_ended_does_not_give_the_total_back()
    {
        var meter = new CreditMeter();
        meter.Answered(meter.Sent(), 100m);
        CreditMeter.Ticket early = meter.Sent();
        CreditMeter.Ticket lost = meter.Sent();
        meter.Ended(lost);

        Assert.Null(meter.Answered(early, 110m)); // its total may have been read before the lost call's charge
        Assert.Null(meter.Answered(meter.Sent(), 130m));
        Assert.Equal(10m, meter.Answered(meter.Sent(), 140m));
    }

    [Fact]
    public void A_total_that_went_down_or_is_missing_measures_nothing()
    {
        var meter = new CreditMeter();
        meter.Answered(meter.Sent(), 100m);

        Assert.Null(meter.Answered(meter.Sent(), 40m)); // e.g. a monthly reset: not a negative cost
        Assert.Null(meter.Answered(meter.Sent(), null));
        Assert.Null(meter.Answered(null, 200m)); // a record waited for, not sent by this batch
        Assert.Equal(5m, meter.Answered(meter.Sent(), 105m)); // 100 was the highest total answered
    }
}
