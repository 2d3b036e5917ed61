namespace KafkaCompat.Raft;

/// <summary>The leader a replica knows for an epoch; <see cref="LeaderId"/> is null while the epoch has no known leader (an election).</summary>
public readonly record struct LeaderAndEpoch(int? LeaderId, int Epoch)
{
    public static readonly LeaderAndEpoch Unknown = new(null, 0);

    public bool IsLeader(int nodeId) => LeaderId == nodeId;
}
