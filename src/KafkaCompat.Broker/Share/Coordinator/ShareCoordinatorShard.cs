using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// The share-partitions kept in one partition of <c>__share_group_state</c> (KIP-932), a state
/// machine driven by a <see cref="CoordinatorRuntime"/>: each operation checks the request against
/// what is held, writes one ShareSnapshot or ShareUpdate record, and the state changes only when
/// that record is replayed, as at load time. A write becomes a ShareSnapshot (the whole state)
/// when the share-partition has had share.coordinator.snapshot.update.records.per.snapshot updates
/// since the snapshot that count last called for, else a ShareUpdate carrying only what changed, so
/// that loading replays a bounded number of records per share-partition; a share-partition not
/// snapshotted for a while is snapshotted anew (<see cref="SnapshotColdPartitions"/>). Every public
/// method must run on <see cref="Executor"/>.
/// </summary>
public sealed partial class ShareCoordinatorShard : ICoordinatorShard
{
    private const string SnapshotsPerUpdatesConfig = "share.coordinator.snapshot.update.records.per.snapshot";

    private readonly ShareCoordinatorContext _context;
    private readonly CoordinatorRuntime _runtime;
    private readonly Dictionary<SharePartitionKey, ShareGroupOffset> _states = [];
    private readonly Dictionary<SharePartitionKey, int> _updatesSinceSnapshot = [];

    public ShareCoordinatorShard(int partitionIndex, ShareCoordinatorContext context)
    {
        PartitionIndex = partitionIndex;
        _context = context;
        // A failed write of share state is UNKNOWN_SERVER_ERROR to the leader when it is too large, as from Kafka's runtime.
        _runtime = new CoordinatorRuntime(new TopicPartition(TopicNames.ShareGroupState, partitionIndex), context.Replicas, context.Time, context.Logger, tooLargeError: ErrorCode.UnknownServerError);
        _runtime.Attach(this);
    }

    public int PartitionIndex { get; }

    public CoordinatorRuntime Runtime => _runtime;

    public SerialExecutor Executor => _runtime.Executor;

    /// <summary>For tests: the state held for a share-partition, as replayed.</summary>
    public ShareGroupOffset? State(SharePartitionKey key) => _states.GetValueOrDefault(key);

    /// <summary>For tests: how many ShareUpdates were replayed since the share-partition's last ShareSnapshot.</summary>
    public int UpdatesSinceSnapshot(SharePartitionKey key) => _updatesSinceSnapshot.GetValueOrDefault(key);

    private long NowMs => _context.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The record a change of <paramref name="key"/>'s state is written as (Kafka's choice between
    /// snapshot and update): a first write, or one once share.coordinator.snapshot.update.records.per.snapshot
    /// updates have been replayed, is a full ShareSnapshot with the next snapshot epoch, both
    /// timestamps now, the held state epoch, and the held batches combined with the new ones; any
    /// other write is a ShareUpdate of the current snapshot. Only a read records a newer leader epoch
    /// (<paramref name="updateLeaderEpoch"/>); a write keeps the held one, as in Kafka. -1 as the start
    /// offset keeps the held one; the delivery-complete count is written as given.
    /// </summary>
    private (byte[] Key, byte[] Value) NextRecord(SharePartitionKey key, bool updateLeaderEpoch, int leaderEpoch, int stateEpoch, long startOffset,
        int deliveryCompleteCount, IReadOnlyList<PersisterStateBatch> batches)
    {
        var now = NowMs;
        if (!_states.TryGetValue(key, out var current))
        {
            var first = new ShareGroupOffset(0, stateEpoch == ShareGroupOffset.NotSet ? ShareGroupOffset.DefaultStateEpoch : stateEpoch, leaderEpoch, startOffset,
                deliveryCompleteCount, now, now, StateBatchCombiner.Combine([], batches, startOffset));
            return (ShareStateRecords.SnapshotKey(key), ShareStateRecords.SnapshotValue(first));
        }
        var newLeaderEpoch = updateLeaderEpoch && leaderEpoch != ShareGroupOffset.NotSet ? leaderEpoch : current.LeaderEpoch;
        if (_updatesSinceSnapshot.GetValueOrDefault(key) >= _context.Config().GetInt(SnapshotsPerUpdatesConfig))
        {
            var start = startOffset == ShareGroupOffset.NotSet ? current.StartOffset : startOffset;
            var snapshot = new ShareGroupOffset(current.SnapshotEpoch + 1, current.StateEpoch, newLeaderEpoch, start, deliveryCompleteCount,
                now, now, StateBatchCombiner.Combine(current.StateBatches, batches, start));
            return (ShareStateRecords.SnapshotKey(key), ShareStateRecords.SnapshotValue(snapshot));
        }
        var update = new ShareUpdate(current.SnapshotEpoch, newLeaderEpoch, startOffset, deliveryCompleteCount, StateBatchCombiner.Combine([], batches, startOffset));
        return (ShareStateRecords.UpdateKey(key), ShareStateRecords.UpdateValue(update));
    }

    /// <summary>Appends one record and replays it; the error and message the share-partition's result carries when that failed.</summary>
    private ShareStateError Append((byte[] Key, byte[]? Value) record)
    {
        var error = _runtime.Append([record]);
        return error == ErrorCode.None ? ShareStateError.None : new ShareStateError(error, $"Unable to write share group state: {error.KafkaName()}");
    }

    /// <summary>UNKNOWN_TOPIC_OR_PARTITION unless the metadata image holds the topic and partition (Kafka refuses state of a partition that does not exist).</summary>
    private ShareStateError CheckExists(SharePartitionKey key) =>
        _context.Image().Topic(key.TopicId) is { } topic && key.Partition < topic.Partitions.Length
            ? ShareStateError.None
            : ShareStateError.UnknownTopicOrPartition;

    /// <summary>The runtime always replays with the record's offset (below); this form has none to track.</summary>
    void ICoordinatorShard.Replay(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, bool loading) =>
        throw new InvalidOperationException("share state records are replayed with their offsets");

    void ICoordinatorShard.Replay(long offset, long producerId, short producerEpoch, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, bool loading)
    {
        if (ShareStateRecords.ReadKey(key) is not var (type, partitionKey))
        {
            return;
        }
        if (type == ShareStateRecords.SnapshotType)
        {
            if (value is { } snapshot)
            {
                _states[partitionKey] = ShareStateRecords.ReadSnapshotValue(snapshot);
                // As Kafka counts: only a snapshot the count called for restarts it; one written for
                // another reason (an initialization, a cold partition's) leaves it running.
                if (_updatesSinceSnapshot.GetValueOrDefault(partitionKey) >= _context.Config().GetInt(SnapshotsPerUpdatesConfig))
                {
                    _updatesSinceSnapshot[partitionKey] = 0;
                }
            }
            else
            {
                _states.Remove(partitionKey);
                _updatesSinceSnapshot.Remove(partitionKey);
            }
            TrackOffsets(offset, type, partitionKey, tombstone: value is null, updateWithoutSnapshot: false);
            return;
        }
        if (value is not { } updateBytes)
        {
            return;
        }
        var update = ShareStateRecords.ReadUpdateValue(updateBytes);
        var known = _states.TryGetValue(partitionKey, out var current);
        _states[partitionKey] = known ? update.ApplyTo(current!) : update.AsState();
        _updatesSinceSnapshot[partitionKey] = _updatesSinceSnapshot.GetValueOrDefault(partitionKey) + 1;
        TrackOffsets(offset, type, partitionKey, tombstone: false, updateWithoutSnapshot: !known);
    }

    void ICoordinatorShard.OnLoaded()
    {
        // A topic deleted while this broker was down is gone from the image it starts with.
        var image = _context.Image();
        ForgetDeletedTopics(topicId => image.Topic(topicId) is null);
    }

    void ICoordinatorShard.OnClosed()
    {
    }
}
