namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>
/// The one clock of a simulation: it stands still until the scheduler moves it to the time of the
/// next event, so every node sees the same time and a run depends only on its seed.
/// </summary>
internal sealed class SimulationTime : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public long NowMs { get; private set; }

    public override DateTimeOffset GetUtcNow() => Epoch.AddMilliseconds(NowMs);

    public override long GetTimestamp() => NowMs * TimeSpan.TicksPerMillisecond;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void AdvanceTo(long ms)
    {
        if (ms < NowMs)
        {
            throw new InvalidOperationException($"The simulation clock cannot go back from {NowMs} to {ms}.");
        }
        NowMs = ms;
    }
}
