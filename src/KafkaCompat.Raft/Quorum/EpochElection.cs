namespace KafkaCompat.Raft;

/// <summary>
/// The votes of one election, pre-vote or real (Kafka's EpochElection): each voter granted,
/// rejected or not yet answered. Won with a majority of grants; lost once the grants plus the
/// voters not yet heard from can no longer make a majority.
/// </summary>
internal sealed class EpochElection
{
    private readonly Dictionary<int, bool?> _votes;

    public EpochElection(IEnumerable<int> voterIds) => _votes = voterIds.ToDictionary(id => id, _ => (bool?)null);

    public int MajoritySize => _votes.Count / 2 + 1;

    /// <summary>Records a voter's answer; true if it had not answered before. A voter's first answer stands.</summary>
    /// <exception cref="ArgumentException">The replica is not a voter.</exception>
    public bool RecordVote(int voterId, bool granted)
    {
        if (!_votes.TryGetValue(voterId, out var previous))
        {
            throw new ArgumentException($"Replica {voterId} is not a voter of this election.", nameof(voterId));
        }
        if (previous is not null)
        {
            return false;
        }
        _votes[voterId] = granted;
        return true;
    }

    public bool IsVoteGranted => GrantingVoters.Count >= MajoritySize;

    public bool IsVoteRejected => GrantingVoters.Count + UnrecordedVoters.Count < MajoritySize;

    public IReadOnlySet<int> GrantingVoters => _votes.Where(v => v.Value == true).Select(v => v.Key).ToHashSet();

    public IReadOnlySet<int> RejectingVoters => _votes.Where(v => v.Value == false).Select(v => v.Key).ToHashSet();

    public IReadOnlySet<int> UnrecordedVoters => _votes.Where(v => v.Value is null).Select(v => v.Key).ToHashSet();

    public override string ToString() => $"granted=[{string.Join(',', GrantingVoters)}] rejected=[{string.Join(',', RejectingVoters)}]";
}
