namespace KafkaCompat.Raft;

/// <summary>
/// A deadline on the Raft client's clock (Kafka's Timer as the epoch states use it): the client is
/// single-threaded and polls, so a timer is a point in time it compares against, not a callback.
/// </summary>
internal sealed class RaftTimer
{
    private long _deadlineMs;

    public RaftTimer(long nowMs, long timeoutMs) => Reset(nowMs, timeoutMs);

    public long TimeoutMs { get; private set; }

    public void Reset(long nowMs, long timeoutMs)
    {
        TimeoutMs = timeoutMs;
        // long.MaxValue is "never" (an observer's election timer): keep it from overflowing.
        _deadlineMs = timeoutMs >= long.MaxValue - nowMs ? long.MaxValue : nowMs + timeoutMs;
    }

    public bool IsExpired(long nowMs) => nowMs >= _deadlineMs;

    public long RemainingMs(long nowMs) => Math.Max(0, _deadlineMs - nowMs);
}
