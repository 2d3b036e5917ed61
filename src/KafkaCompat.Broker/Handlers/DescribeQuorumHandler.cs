using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeQuorum (key 55), versions 0-2, on the controller listener of a node that runs the KRaft
/// quorum: what <c>kafka-metadata-quorum --bootstrap-controller describe</c> prints (leader, epoch,
/// high watermark, voters and observers with their lags; v1 adds fetch and caught-up times, v2 the
/// directory ids, nodes' listeners and an error message, KIP-853). Handed to the Raft client, which
/// answers it on the leader. Kafka's broker listeners forward it to the active controller; that
/// needs the broker-to-controller channel, so broker listeners do not serve it yet.
/// </summary>
public sealed class DescribeQuorumHandler(IRaftRequestHandler raft, TimeProvider time)
    : RaftRpcHandler<DescribeQuorumRequestData, DescribeQuorumResponseData>(raft, time)
{
    public override ApiKey ApiKey => ApiKey.DescribeQuorum;

    public override VersionRange Versions => new(0, 2);

    /// <summary>A top-level error; from v2 with its message.</summary>
    protected override DescribeQuorumResponseData ErrorResponse(DescribeQuorumRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = version >= 2 ? message : "" };
}
