namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>
/// Runs a simulation's events in time order on one thread (as Kafka's RaftEventSimulationTest
/// does): each event is an action at a virtual time, periodic ones reschedule themselves with a
/// random jitter drawn from the seeded generator, and every invariant is checked after every event.
/// Ties are broken by the order events were scheduled, so a seed replays exactly.
/// </summary>
internal sealed class EventScheduler(Random random, SimulationTime time)
{
    private readonly PriorityQueue<Action, (long Due, long Sequence)> _events = new();
    private readonly List<IInvariant> _invariants = [];
    private long _sequence;

    public SimulationTime Time { get; } = time;

    public void AddInvariant(IInvariant invariant) => _invariants.Add(invariant);

    /// <summary>Runs <paramref name="action"/> after <paramref name="delayMs"/>, then every <paramref name="periodMs"/> plus up to <paramref name="jitterMs"/>.</summary>
    public void SchedulePeriodic(Action action, long delayMs, long periodMs, int jitterMs)
    {
        void Run()
        {
            action();
            Enqueue(Run, periodMs + random.Next(jitterMs + 1));
        }
        Enqueue(Run, delayMs);
    }

    /// <summary>Runs events until <paramref name="condition"/> holds; fails the simulation when it still does not after <paramref name="maxMs"/> of virtual time.</summary>
    public void RunUntil(Func<bool> condition, string what, long maxMs = 60_000)
    {
        var deadline = Time.NowMs + maxMs;
        while (!condition())
        {
            if (!_events.TryDequeue(out var action, out var at) || at.Due > deadline)
            {
                throw new SimulationFailure($"not reached within {maxMs} ms of simulated time: {what}");
            }
            Time.AdvanceTo(at.Due);
            action();
            foreach (var invariant in _invariants)
            {
                invariant.Verify();
            }
        }
    }

    private void Enqueue(Action action, long delayMs) => _events.Enqueue(action, (Time.NowMs + delayMs, _sequence++));
}

/// <summary>A property of the cluster that must hold after every event of a simulation.</summary>
internal interface IInvariant
{
    /// <exception cref="SimulationFailure">The property does not hold.</exception>
    void Verify();
}

/// <summary>A simulation broke an invariant or did not make progress; the test prints the seed with it.</summary>
internal sealed class SimulationFailure(string message) : Exception(message);
