using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// The five share-group state operations on one share-partition, with Kafka's checks in Kafka's
/// order: a negative partition is INVALID_REQUEST; reading or writing a share-partition that was
/// never initialized is INVALID_REQUEST (the group coordinator initializes it first); an epoch
/// below the one held is FENCED_LEADER_EPOCH or FENCED_STATE_EPOCH (-1 is "not given" and never
/// fenced); a topic or partition the metadata does not hold is UNKNOWN_TOPIC_OR_PARTITION.
/// </summary>
public sealed partial class ShareCoordinatorShard
{
    private static readonly ShareStateError ReadUninitialized = new(ErrorCode.InvalidRequest, "Read operation on uninitialized share partition not allowed.");
    private static readonly ShareStateError WriteUninitialized = new(ErrorCode.InvalidRequest, "Write operation on uninitialized share partition not allowed.");

    /// <summary>
    /// InitializeShareGroupState: (re)starts a share-partition's state at a new state epoch and start
    /// offset with no batches and no leader epoch yet, as one ShareSnapshot. A state epoch below the
    /// one held is fenced: an older initialization must not undo a newer one.
    /// </summary>
    public InitializeShareGroupStateResponseData.PartitionResult Initialize(string groupId, Uuid topicId, InitializeShareGroupStateRequestData.PartitionData request)
    {
        var key = new SharePartitionKey(groupId, topicId, request.Partition);
        var held = _states.GetValueOrDefault(key);
        var error = request.Partition < 0 ? ShareStateError.NegativePartition
            : held is not null && held.StateEpoch > request.StateEpoch ? ShareStateError.FencedStateEpoch
            : CheckExists(key);
        if (!error.IsError)
        {
            var now = NowMs;
            var state = new ShareGroupOffset(
                held is null ? 0 : held.SnapshotEpoch + 1,
                request.StateEpoch,
                ShareGroupOffset.NotSet,
                request.StartOffset,
                // KIP-1226: nothing is delivered yet above a known start offset; unknown while the start offset is.
                request.StartOffset == ShareGroupOffset.NotSet ? ShareGroupOffset.NotSet : 0,
                now,
                now,
                []);
            error = Append((ShareStateRecords.SnapshotKey(key), ShareStateRecords.SnapshotValue(state)));
        }
        return new InitializeShareGroupStateResponseData.PartitionResult { Partition = request.Partition, ErrorCode = (short)error.Error, ErrorMessage = error.Message };
    }

    /// <summary>
    /// ReadShareGroupState: the state epoch, start offset and batches held. A leader with a newer
    /// leader epoch than the one held is recorded first (a record is written), so that a deposed
    /// leader's later writes are fenced.
    /// </summary>
    public ReadShareGroupStateResponseData.PartitionResult Read(string groupId, Uuid topicId, ReadShareGroupStateRequestData.PartitionData request)
    {
        var key = new SharePartitionKey(groupId, topicId, request.Partition);
        var (error, held) = CheckReadable(key, request.Partition, request.LeaderEpoch, ReadUninitialized);
        if (!error.IsError && request.LeaderEpoch != ShareGroupOffset.NotSet && request.LeaderEpoch > held!.LeaderEpoch)
        {
            error = Append(NextRecord(key, updateLeaderEpoch: true, request.LeaderEpoch, held.StateEpoch, held.StartOffset, held.DeliveryCompleteCount, []));
        }
        if (error.IsError)
        {
            // As Kafka's error results: the other fields at their defaults, which a reader ignores.
            return new ReadShareGroupStateResponseData.PartitionResult { Partition = request.Partition, ErrorCode = (short)error.Error, ErrorMessage = error.Message };
        }
        return new ReadShareGroupStateResponseData.PartitionResult
        {
            Partition = request.Partition,
            StateEpoch = held!.StateEpoch,
            StartOffset = held.StartOffset,
            StateBatches = [.. held.StateBatches.Select(b => new ReadShareGroupStateResponseData.StateBatch
            {
                FirstOffset = b.FirstOffset, LastOffset = b.LastOffset, DeliveryState = b.DeliveryState, DeliveryCount = b.DeliveryCount,
            })],
        };
    }

    /// <summary>ReadShareGroupStateSummary: the state epoch, leader epoch, start offset and delivery-complete count, without the batches and without writing anything.</summary>
    public ReadShareGroupStateSummaryResponseData.PartitionResult ReadSummary(string groupId, Uuid topicId, ReadShareGroupStateSummaryRequestData.PartitionData request)
    {
        var key = new SharePartitionKey(groupId, topicId, request.Partition);
        var held = _states.GetValueOrDefault(key);
        var error = request.Partition < 0 ? ShareStateError.NegativePartition
            : held is not null && request.LeaderEpoch != ShareGroupOffset.NotSet && held.LeaderEpoch > request.LeaderEpoch ? ShareStateError.FencedLeaderEpoch
            : CheckExists(key);
        if (error.IsError)
        {
            return new ReadShareGroupStateSummaryResponseData.PartitionResult { Partition = request.Partition, ErrorCode = (short)error.Error, ErrorMessage = error.Message };
        }
        // A share-partition never initialized is no error here: it reports an unknown start offset (Kafka's defaults).
        return new ReadShareGroupStateSummaryResponseData.PartitionResult
        {
            Partition = request.Partition,
            StateEpoch = held?.StateEpoch ?? ShareGroupOffset.DefaultStateEpoch,
            LeaderEpoch = held?.LeaderEpoch ?? ShareGroupOffset.NotSet,
            StartOffset = held?.StartOffset ?? ShareGroupOffset.NotSet,
            DeliveryCompleteCount = held?.DeliveryCompleteCount ?? ShareGroupOffset.NotSet,
        };
    }

    /// <summary>
    /// WriteShareGroupState: the leader's changed batches, new start offset and delivery-complete
    /// count, combined into what is held (<see cref="StateBatchCombiner"/>).
    /// </summary>
    public WriteShareGroupStateResponseData.PartitionResult Write(string groupId, Uuid topicId, WriteShareGroupStateRequestData.PartitionData request)
    {
        var key = new SharePartitionKey(groupId, topicId, request.Partition);
        var (error, held) = CheckReadable(key, request.Partition, request.LeaderEpoch, WriteUninitialized);
        if (!error.IsError && request.StateEpoch != ShareGroupOffset.NotSet && held!.StateEpoch > request.StateEpoch)
        {
            error = ShareStateError.FencedStateEpoch;
        }
        if (!error.IsError)
        {
            var batches = request.StateBatches.Select(b => new PersisterStateBatch(b.FirstOffset, b.LastOffset, b.DeliveryState, b.DeliveryCount)).ToList();
            error = Append(NextRecord(key, updateLeaderEpoch: false, request.LeaderEpoch, request.StateEpoch, request.StartOffset, request.DeliveryCompleteCount, batches));
        }
        return new WriteShareGroupStateResponseData.PartitionResult { Partition = request.Partition, ErrorCode = (short)error.Error, ErrorMessage = error.Message };
    }

    /// <summary>DeleteShareGroupState: forgets a share-partition (a tombstone of its snapshot key); one never initialized is already gone.</summary>
    public DeleteShareGroupStateResponseData.PartitionResult Delete(string groupId, Uuid topicId, DeleteShareGroupStateRequestData.PartitionData request)
    {
        var key = new SharePartitionKey(groupId, topicId, request.Partition);
        var error = request.Partition < 0 ? ShareStateError.NegativePartition : CheckExists(key);
        if (!error.IsError && _states.ContainsKey(key))
        {
            error = Append((ShareStateRecords.SnapshotKey(key), null));
        }
        return new DeleteShareGroupStateResponseData.PartitionResult { Partition = request.Partition, ErrorCode = (short)error.Error, ErrorMessage = error.Message };
    }

    private (ShareStateError Error, ShareGroupOffset? Held) CheckReadable(SharePartitionKey key, int partition, int leaderEpoch, ShareStateError uninitialized)
    {
        if (partition < 0)
        {
            return (ShareStateError.NegativePartition, null);
        }
        if (!_states.TryGetValue(key, out var held))
        {
            return (uninitialized, null);
        }
        if (leaderEpoch != ShareGroupOffset.NotSet && held.LeaderEpoch > leaderEpoch)
        {
            return (ShareStateError.FencedLeaderEpoch, held);
        }
        return (CheckExists(key), held);
    }
}
