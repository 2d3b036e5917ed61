using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// BeginQuorumEpoch (key 53), versions 0-1, on the controller listener of a node that runs the
/// KRaft quorum: a newly elected leader tells the voters of its epoch (KIP-595); v1 adds the
/// leader's endpoints and the voter's directory id (KIP-853). Handed to the Raft client.
/// </summary>
public sealed class BeginQuorumEpochHandler(IRaftRequestHandler raft, TimeProvider time)
    : RaftRpcHandler<BeginQuorumEpochRequestData, BeginQuorumEpochResponseData>(raft, time)
{
    public override ApiKey ApiKey => ApiKey.BeginQuorumEpoch;

    public override VersionRange Versions => new(0, 1);

    /// <summary>A top-level error, as Kafka's Raft layer answers a request it cannot handle.</summary>
    protected override BeginQuorumEpochResponseData ErrorResponse(BeginQuorumEpochRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
