namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>A quorum-state "file" in memory: a write is durable at once, as the real store's fsync'd rename makes it.</summary>
internal sealed class MemoryQuorumStateStore : IQuorumStateStore
{
    private ElectionState? _state;

    public int Writes { get; private set; }

    public ElectionState? ReadElectionState() => _state;

    public void WriteElectionState(ElectionState state, short kraftVersion)
    {
        _state = state;
        Writes++;
    }

    public void Clear() => _state = null;
}
