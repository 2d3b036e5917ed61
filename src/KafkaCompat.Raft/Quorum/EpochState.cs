namespace KafkaCompat.Raft;

/// <summary>
/// The role of the local replica in one epoch (Kafka's EpochState). The transitions between them
/// are QuorumState's; each state answers what it may (vote, lead, fetch) and what it persists.
/// <list type="bullet">
/// <item>Unattached: an epoch without a known leader; a voter stands (as Prospective) when its election timer expires.</item>
/// <item>Prospective (KIP-996): asks for pre-votes without bumping the epoch; on a majority becomes Candidate, otherwise falls back to Unattached or Follower.</item>
/// <item>Candidate: bumped the epoch and voted for itself; a majority makes it Leader.</item>
/// <item>Leader: appends and replicates; Resigned on shutdown, Resign() or a lost quorum.</item>
/// <item>Follower: fetches from the known leader; a voter whose fetches time out becomes Prospective.</item>
/// <item>Resigned: a former leader waiting for the next epoch; it grants no votes in its own epoch.</item>
/// </list>
/// </summary>
internal abstract class EpochState
{
    protected EpochState(int epoch) => Epoch = epoch;

    public int Epoch { get; }

    public abstract string Name { get; }

    /// <summary>What is written to the quorum-state file for this state.</summary>
    public abstract ElectionState Election { get; }

    /// <summary>The leader's address when this state knows it (a follower fetches there).</summary>
    public virtual RaftEndpoint? LeaderEndpoint => null;

    /// <summary>
    /// Whether a Vote (or pre-vote) from <paramref name="candidate"/> may be granted in this state,
    /// given whether the candidate's log is at least as up to date as ours (last epoch, then end offset).
    /// </summary>
    public abstract bool CanGrantVote(ReplicaKey candidate, bool isLogUpToDate, bool isPreVote);

    public override string ToString() => $"{Name}(epoch={Epoch}, election={Election})";

    /// <summary>
    /// The rule Unattached and Prospective share (Kafka's unattachedOrProspectiveCanGrantVote): a
    /// pre-vote only needs an up-to-date log; a real vote goes to the candidate already voted for
    /// (again, as its retry) or, when no vote was cast and no leader is known, to an up-to-date log.
    /// </summary>
    protected static bool UnattachedOrProspectiveCanGrantVote(int? leaderId, ReplicaKey? votedKey, ReplicaKey candidate, bool isLogUpToDate, bool isPreVote)
    {
        if (isPreVote)
        {
            return isLogUpToDate;
        }
        if (votedKey is { } voted)
        {
            return voted.Id == candidate.Id && (voted.DirectoryId is null || voted.DirectoryId == candidate.DirectoryId);
        }
        // A known leader of this epoch means an election is over: do as a follower would.
        return leaderId is null && isLogUpToDate;
    }
}
