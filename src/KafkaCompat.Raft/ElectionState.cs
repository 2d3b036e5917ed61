namespace KafkaCompat.Raft;

/// <summary>
/// What a replica persists of an election in its <c>quorum-state</c> file before acting on it
/// (Kafka's ElectionState; KIP-595, KIP-853): the epoch, the leader when known, and the vote cast in
/// that epoch, so that a restarted replica never votes twice in one epoch nor forgets a leader it
/// acknowledged.
/// </summary>
public sealed record ElectionState(int Epoch, int? LeaderId, ReplicaKey? VotedKey)
{
    public static ElectionState WithUnknownLeader(int epoch) => new(epoch, null, null);

    public static ElectionState WithElectedLeader(int epoch, int leaderId, ReplicaKey? votedKey = null) => new(epoch, leaderId, votedKey);

    public static ElectionState WithVotedCandidate(int epoch, ReplicaKey votedKey) => new(epoch, null, votedKey);
}

/// <summary>
/// Reads and writes the <c>quorum-state</c> file in the metadata log's directory, in Kafka's JSON
/// (QuorumStateData: data_version 0 with the voters for kraft.version 0, 1 with the voted directory
/// id for kraft.version 1). A write replaces the file atomically (written beside it, fsync'd, renamed).
/// </summary>
public interface IQuorumStateStore
{
    /// <summary>The persisted state, or null when there is none yet (a freshly formatted node).</summary>
    ElectionState? ReadElectionState();

    void WriteElectionState(ElectionState state, short kraftVersion);

    void Clear();
}
