namespace KafkaCompat.Raft.Tests.Log;

/// <summary>A clock that moves only when a test moves it (the Raft log reads time for segment rolls and snapshot retention).</summary>
internal sealed class FakeTimeProvider : TimeProvider
{
    private DateTimeOffset _now = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public long NowMs => _now.ToUnixTimeMilliseconds();

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
