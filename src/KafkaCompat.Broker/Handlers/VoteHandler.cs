using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// Vote (key 52), versions 0-2, on the controller listener of a node that runs the KRaft quorum:
/// a candidate asks for this voter's vote (KIP-595). v1 adds the voters' directory ids and the
/// candidate's endpoints (KIP-853), v2 the pre-vote flag (KIP-996). Handed to the Raft client.
/// </summary>
public sealed class VoteHandler(IRaftRequestHandler raft, TimeProvider time) : RaftRpcHandler<VoteRequestData, VoteResponseData>(raft, time)
{
    public override ApiKey ApiKey => ApiKey.Vote;

    public override VersionRange Versions => new(0, 2);

    /// <summary>A top-level error, as Kafka's Raft layer answers a request it cannot handle.</summary>
    protected override VoteResponseData ErrorResponse(VoteRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
