using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// AddOffsetsToTxn (key 25), versions 0-4: the group's partition of <c>__consumer_offsets</c> joins
/// the transaction, so the offsets TxnOffsetCommit then writes there commit or abort with it.
/// </summary>
public sealed class AddOffsetsToTxnHandler(TransactionCoordinator transactions, GroupCoordinator groups) : ApiHandler<AddOffsetsToTxnRequestData, AddOffsetsToTxnResponseData>
{
    public override ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    public override VersionRange Versions => new(0, 4);

    protected override async ValueTask<AddOffsetsToTxnResponseData?> HandleAsync(RequestContext context, AddOffsetsToTxnRequestData request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId.Length == 0)
        {
            return ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidRequest, "the transactional id is empty");
        }
        var offsetsPartition = new TopicPartition(TopicNames.ConsumerOffsets, groups.PartitionFor(request.GroupId));
        var error = await transactions.AddPartitionsAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, [offsetsPartition]);
        return new AddOffsetsToTxnResponseData { ErrorCode = (short)TransactionErrors.ForVersion(error, context.ApiVersion, 2) };
    }

    protected override AddOffsetsToTxnResponseData ErrorResponse(AddOffsetsToTxnRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
