using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using OneMinBg.Abstractions;
using OneMinBg.Client.Api;
using OneMinBg.Client.Journaling;

namespace OneMinBg.Commands;

/// <summary>
/// Checks that the API is reachable and accepts the key, with a lookup that costs nothing, and
/// reports the credits the service last reported (the API has no balance call).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "OneMinBgConnection")]
[OutputType(typeof(ConnectionTest))]
public sealed class TestOneMinBgConnectionCommand : OneMinApiCmdlet
{
    /// <summary>A check answers within seconds: a short attempt, tried once more (not 10 min, 5 more times).</summary>
    private const int DefaultTimeoutSec = 10;
    private const int DefaultRetries = 1;

    public TestOneMinBgConnectionCommand()
    {
        TimeoutSec = DefaultTimeoutSec;
        MaximumRetryCount = DefaultRetries;
    }

    /// <summary>A rate limit is an answer: reachable, key accepted. It is not waited out for minutes.</summary>
    private protected override TimeSpan? RefusalWait => TimeSpan.FromSeconds(TimeoutSec);

    protected override void EndProcessing()
    {
        Uri baseUri = ResolveBaseUri();
        var messages = new ConcurrentQueue<string>();
        OneMinClient client = CreateClient(baseUri, messages.Enqueue, messages.Enqueue);
        var test = new ConnectionTest { BaseUri = client.BaseUri.AbsoluteUri };
        var clock = Stopwatch.StartNew();
        try
        {
            // A made-up id: a free call that needs the key and answers {"aiRecord": null}.
            client.GetResultAsync(Guid.NewGuid().ToString(), StopToken).GetAwaiter().GetResult();
            test.Reachable = true;
            test.KeyAccepted = true;
            test.Message = "The service answered and accepted the key.";
        }
        catch (OneMinApiException ex)
        {
            test.Reachable = ex.StatusCode != null && ex.Kind != ApiErrorKind.ServiceUnreachable;
            test.KeyAccepted = test.Reachable && ex.Kind != ApiErrorKind.Authentication;
            bool ownTimeout = !MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec));
            test.Message = ex.Kind == ApiErrorKind.Timeout && ownTimeout
                ? ex.Message + $" (This check waits {DefaultTimeoutSec} s for an answer; -TimeoutSec allows more.)"
                : ex.Message;
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        test.LatencyMs = clock.ElapsedMilliseconds;
        while (messages.TryDequeue(out string? message))
        {
            WriteVerbose(message);
        }
        AddCredits(test);
        WriteObject(test);
    }

    private void AddCredits(ConnectionTest test)
    {
        JournalEntry? newest = null;
        foreach (JournalEntry entry in OpenJournal(writes: false).Entries())
        {
            if (entry.CreditLimit != null
                && string.Equals(entry.Request.BaseUri.AbsoluteUri, test.BaseUri, StringComparison.OrdinalIgnoreCase)
                && (newest == null || entry.CompletedAt > newest.CompletedAt))
            {
                newest = entry;
            }
        }
        if (newest != null)
        {
            test.TeamCreditLimit = newest.CreditLimit;
            test.TeamCreditsUsed = newest.UsedCredit;
            test.TeamCreditsRemaining = newest.CreditLimit - newest.UsedCredit;
            test.CreditsAsOf = newest.CompletedAt?.ToUniversalTime();
        }
    }
}
