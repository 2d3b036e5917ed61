using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// FetchSnapshot (key 59), versions 0-1, on the controller listener of a node that runs the KRaft
/// quorum: a replica too far behind the leader's log start reads the leader's snapshot in chunks
/// (KIP-630); v1 adds the replica's directory id and the leader's endpoints (KIP-853). Handed to
/// the Raft client.
/// </summary>
public sealed class FetchSnapshotHandler(IRaftRequestHandler raft, TimeProvider time)
    : RaftRpcHandler<FetchSnapshotRequestData, FetchSnapshotResponseData>(raft, time)
{
    public override ApiKey ApiKey => ApiKey.FetchSnapshot;

    public override VersionRange Versions => new(0, 1);

    /// <summary>A top-level error, as Kafka's Raft layer answers a request it cannot handle.</summary>
    protected override FetchSnapshotResponseData ErrorResponse(FetchSnapshotRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
