using System.Collections.Generic;

namespace OneMinBg.Client.Workflow;

/// <summary>
/// What each charged call of a batch cost. The service reports no charge per call, only the team's used credit
/// with each answer (a running total), so a call's cost is the total in its answer minus the total known when it
/// was sent, and only when nothing else of this batch can be in that difference: the call was alone with the
/// service from its send to its answer, and every call that may have been charged before it reported the total
/// after it. Anything else leaves the cost unknown (null) rather than wrong: a difference taken under
/// concurrency would give one image the charges of others. Use of the same team elsewhere at the same moment
/// (another computer, the web app) cannot be seen and is counted in. Thread-safe: calls run in parallel.
/// </summary>
internal sealed class CreditMeter
{
    private readonly object _gate = new object();
    private readonly HashSet<Ticket> _inFlight = new HashSet<Ticket>();
    // The team's used credit after every charge of this batch so far; null while unknown (before the first
    // answer, or after a call that may have been charged ended without reporting the total).
    private decimal? _used;
    // Moves on at each such call: only answers to calls sent after it know the total again.
    private int _epoch;

    /// <summary>The call goes on the wire (once per attempt; a resend of the same attempt keeps its ticket).</summary>
    public Ticket Sent()
    {
        lock (_gate)
        {
            var ticket = new Ticket(_used, alone: _inFlight.Count == 0, _epoch);
            foreach (Ticket other in _inFlight)
            {
                other.Alone = false;
            }

            _inFlight.Add(ticket);
            return ticket;
        }
    }

    /// <summary>
    /// The service answered the call with a record and the team's used credit: returns what the call cost, or
    /// null when that cannot be told. A null ticket (a record waited for, not sent by this batch) measures
    /// nothing.
    /// </summary>
    public decimal? Answered(Ticket? ticket, decimal? teamUsed)
    {
        if (ticket == null)
        {
            return null;
        }

        lock (_gate)
        {
            _inFlight.Remove(ticket);
            bool current = ticket.Epoch == _epoch;
            if (teamUsed != null && current && (_used == null || teamUsed > _used))
            {
                // The highest total reported is the one after every charge answered so far.
                _used = teamUsed;
            }

            if (ticket.Alone && current && ticket.Baseline != null && teamUsed != null && teamUsed >= ticket.Baseline)
            {
                return teamUsed - ticket.Baseline;
            }

            return null;
        }
    }

    /// <summary>
    /// The call ended without an answer (failed, cancelled, unknown): it may have been charged, so the team's
    /// total is unknown until a call sent after now reports it.
    /// </summary>
    public void Ended(Ticket ticket)
    {
        lock (_gate)
        {
            if (_inFlight.Remove(ticket))
            {
                _used = null;
                _epoch++;
            }
        }
    }

    internal sealed class Ticket
    {
        public Ticket(decimal? baseline, bool alone, int epoch)
        {
            Baseline = baseline;
            Alone = alone;
            Epoch = epoch;
        }

        /// <summary>The team's used credit known when the call was sent.</summary>
        public decimal? Baseline { get; }
        /// <summary>No other call of the batch was with the service at any moment of this one.</summary>
        public bool Alone { get; set; }
        public int Epoch { get; }
    }
}
