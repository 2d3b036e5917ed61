using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// EndQuorumEpoch (key 54), versions 0-1, on the controller listener of a node that runs the KRaft
/// quorum: a leader that resigns names its preferred successors so they stand first (KIP-595); v1
/// adds the candidates' directory ids and the leader's endpoints (KIP-853). Handed to the Raft client.
/// </summary>
public sealed class EndQuorumEpochHandler(IRaftRequestHandler raft, TimeProvider time)
    : RaftRpcHandler<EndQuorumEpochRequestData, EndQuorumEpochResponseData>(raft, time)
{
    public override ApiKey ApiKey => ApiKey.EndQuorumEpoch;

    public override VersionRange Versions => new(0, 1);

    /// <summary>A top-level error, as Kafka's Raft layer answers a request it cannot handle.</summary>
    protected override EndQuorumEpochResponseData ErrorResponse(EndQuorumEpochRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
