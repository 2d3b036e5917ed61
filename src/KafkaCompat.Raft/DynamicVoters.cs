using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// The initial voter set of a dynamic quorum (KIP-853): the comma-separated
/// <see cref="DynamicVoter"/>s of <c>--initial-controllers</c>, by node id.
/// </summary>
public sealed class DynamicVoters
{
    public DynamicVoters(IEnumerable<DynamicVoter> voters)
    {
        var byId = new SortedDictionary<int, DynamicVoter>();
        foreach (var voter in voters)
        {
            if (!byId.TryAdd(voter.NodeId, voter))
            {
                throw new ArgumentException($"Node id {voter.NodeId} was specified more than once.");
            }
        }
        if (byId.Count == 0)
        {
            throw new ArgumentException("No voters given.");
        }
        Voters = byId;
    }

    public IReadOnlyDictionary<int, DynamicVoter> Voters { get; }

    /// <exception cref="ArgumentException">An entry does not parse, an id repeats, or there is none (Kafka's messages).</exception>
    public static DynamicVoters Parse(string input) =>
        new(input.Trim().Split(',').Where(entry => entry.Length > 0).Select(DynamicVoter.Parse));

    /// <summary>The KRaftVoters control record (version 0) a bootstrap snapshot holds for this voter set.</summary>
    public VotersRecord ToVotersRecord(string controllerListenerName) => new()
    {
        Version = 0,
        Voters = [.. Voters.Values.Select(v => v.ToVotersRecordVoter(controllerListenerName))],
    };

    public override string ToString() => string.Join(",", Voters.Values);
}
