using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// Fetch (key 1) on the controller listener of a node that runs the KRaft quorum: followers and
/// observers replicating <c>__cluster_metadata-0</c> from the leader, named by ReplicaId (ReplicaState
/// from v15, KIP-903), with their last fetched epoch for divergence (KIP-595). As Kafka's
/// ControllerApis does, every Fetch on that listener goes to the Raft client, which refuses any
/// other partition. Versions 12-18: 12 is the first that carries the last fetched epoch and the
/// diverging epoch or snapshot id in the answer, which Raft replication needs; 13 names the topic by
/// id, 16 adds the leader's endpoints, 17 the replica's directory id (KIP-853).
/// </summary>
public sealed class RaftFetchHandler(IRaftRequestHandler raft, TimeProvider time) : RaftRpcHandler<FetchRequestData, FetchResponseData>(raft, time)
{
    public override ApiKey ApiKey => ApiKey.Fetch;

    public override VersionRange Versions => new(12, 18);

    /// <summary>A top-level error, as Kafka's Raft layer answers a request it cannot handle.</summary>
    protected override FetchResponseData ErrorResponse(FetchRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
