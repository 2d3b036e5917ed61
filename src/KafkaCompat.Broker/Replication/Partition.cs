using System.Collections.Concurrent;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Replication;

/// <summary>How far a read may go: Kafka's FetchIsolation.</summary>
public enum FetchIsolation
{
    /// <summary>Up to the log end: coordinators loading their own internal partition, followers.</summary>
    LogEnd,

    /// <summary>Up to the high watermark: read_uncommitted consumers.</summary>
    HighWatermark,

    /// <summary>Up to the last stable offset: read_committed consumers.</summary>
    TxnCommitted,
}

/// <summary>
/// One partition this broker hosts, and the single owner of its replication state: the leader
/// epoch, the high watermark and last stable offset (which only move forward, under this
/// partition's lock), the log start offset, and the delayed operations waiting on it. Every path
/// to the partition's data goes through here (Produce, Fetch, ListOffsets, DeleteRecords,
/// DescribeLogDirs, the coordinators' internal topics); nothing else touches its
/// <see cref="PartitionLog"/>. Single node for now: this broker leads and is the whole ISR, so
/// the high watermark follows the log end as soon as an append is in the log.
/// </summary>
public sealed class Partition
{
    private readonly PartitionLog _log;
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<IPartitionWatcher, byte> _watchers = new();

    /// <summary>KIP-890 part 1: the verification under way per producer with no transaction open here (under <see cref="_lock"/>).</summary>
    private readonly Dictionary<long, TransactionVerificationGuard> _verifications = [];

    public Partition(TopicPartition topicPartition, PartitionLog log, int leaderEpoch)
    {
        TopicPartition = topicPartition;
        _log = log;
        LeaderEpoch = leaderEpoch;
        // Everything recovered from disk was acknowledged by this (sole) replica.
        _log.MaybeIncrementHighWatermark(_log.LogEndOffset);
    }

    public TopicPartition TopicPartition { get; }

    public int LeaderEpoch { get; }

    public long LogStartOffset => _log.LogStartOffset;

    public long LogEndOffset => _log.LogEndOffset;

    public long HighWatermark => _log.HighWatermark;

    /// <summary>
    /// What read_committed consumers may read up to (KIP-98): the high watermark, held back at the
    /// first offset of the earliest transaction that is still open or whose marker is not yet below
    /// the high watermark. Only moves forward.
    /// </summary>
    public long LastStableOffset => _log.LastStableOffset;

    public LogConfig Config => _log.Config;

    /// <summary>The log directory this partition's folder is in (DescribeLogDirs).</summary>
    public string LogDirectory => Path.GetDirectoryName(_log.Directory)!;

    public long Size => _log.Size;

    /// <summary>Applies the topic's changed configs; they take effect from the next append or retention run.</summary>
    public void UpdateConfig(LogConfig config)
    {
        if (_log.Config != config)
        {
            _log.UpdateConfig(config);
        }
    }

    /// <summary>
    /// Appends batches as the leader (offsets and leader epoch written in place) and moves the high
    /// watermark; then wakes the operations waiting on this partition. For batches nobody validated
    /// (the log walks their headers itself, with the client's producer checks); the coordinators
    /// append through <see cref="AppendAsCoordinator(Memory{byte})"/>.
    /// </summary>
    public LogAppendResult AppendAsLeader(Memory<byte> records) => AppendAsLeader(records, null, null, fromCoordinator: false);

    /// <summary>
    /// A coordinator's own batches, transactional ones included (TxnOffsetCommit): as
    /// <see cref="AppendAsLeader(Memory{byte})"/>, with the log's coordinator checks
    /// (<see cref="PartitionLog.AppendAsCoordinator"/>: the producer epoch, not the sequence).
    /// </summary>
    public LogAppendResult AppendAsCoordinator(Memory<byte> records) => AppendAsLeader(records, null, null, fromCoordinator: true);

    /// <summary>
    /// A group coordinator's transactional offsets (TxnOffsetCommit) after their verification (KIP-890
    /// part 1): as <see cref="AppendAsCoordinator(Memory{byte})"/>, refused with INVALID_TXN_STATE if
    /// the batch of <paramref name="producerId"/> would open a transaction here without the guard this
    /// partition handed out for it, as for a verified Produce.
    /// </summary>
    public LogAppendResult AppendAsCoordinator(Memory<byte> records, long producerId, short producerEpoch, TransactionVerificationGuard verification) =>
        AppendAsLeader(records, null, verification, fromCoordinator: true, (producerId, producerEpoch));

    /// <summary>A Produce's batches, with what <see cref="LogValidator"/> found in its one walk of them: the log reads no header again.</summary>
    public LogAppendResult AppendAsLeader(Memory<byte> records, in LogAppendInfo appendInfo) => AppendAsLeader(records, (LogAppendInfo?)appendInfo, null, fromCoordinator: false);

    /// <summary>
    /// A transactional Produce's batches when transaction.partition.verification.enable is on
    /// (KIP-890 part 1): a transactional batch that would open a transaction here is appended only
    /// if <paramref name="verification"/> is the verification this partition started for its
    /// producer (<see cref="MaybeStartTransactionVerification"/>) and no marker has ended it since;
    /// otherwise INVALID_TXN_STATE, so a late write can never open a transaction nobody will end.
    /// </summary>
    public LogAppendResult AppendAsLeader(Memory<byte> records, in LogAppendInfo appendInfo, TransactionVerificationGuard verification) =>
        AppendAsLeader(records, (LogAppendInfo?)appendInfo, verification, fromCoordinator: false);

    /// <summary>
    /// Before a transactional append (KIP-890 part 1): null when the producer already has a
    /// transaction open here (nothing to verify); otherwise the guard of the verification to run
    /// with the transaction coordinator, shared by concurrent requests of the same producer.
    /// </summary>
    public TransactionVerificationGuard? MaybeStartTransactionVerification(long producerId, short producerEpoch)
    {
        lock (_lock)
        {
            if (_log.HasOngoingTransaction(producerId, producerEpoch))
            {
                return null;
            }
            if (!_verifications.TryGetValue(producerId, out var guard))
            {
                guard = new TransactionVerificationGuard();
                _verifications[producerId] = guard;
            }
            return guard;
        }
    }

    private LogAppendResult AppendAsLeader(Memory<byte> records, LogAppendInfo? appendInfo, TransactionVerificationGuard? verification, bool fromCoordinator,
        (long ProducerId, short Epoch)? coordinatorProducer = null)
    {
        LogAppendResult result;
        bool moved;
        lock (_lock)
        {
            var (transactionalProducer, epoch) = appendInfo is { } checkedInfo && TransactionalBatch(checkedInfo) is { } batch ? (batch.ProducerId, batch.ProducerEpoch)
                : coordinatorProducer ?? (-1L, (short)-1);
            if (verification is not null && transactionalProducer >= 0 && !_log.HasOngoingTransaction(transactionalProducer, epoch)
                && !(_verifications.TryGetValue(transactionalProducer, out var started) && ReferenceEquals(started, verification)))
            {
                return new LogAppendResult(ErrorCode.InvalidTxnState, -1, -1, -1, _log.LogStartOffset, false,
                    $"The transactional records of producer {transactionalProducer} are not part of an ongoing transaction on {TopicPartition}");
            }
            result = appendInfo is { } info ? _log.Append(records, in info, LeaderEpoch)
                : fromCoordinator ? _log.AppendAsCoordinator(records, LeaderEpoch)
                : _log.Append(records, LeaderEpoch);
            if (result.Error == ErrorCode.None && transactionalProducer >= 0)
            {
                // The transaction is open here now; the next one is verified afresh.
                _verifications.Remove(transactionalProducer);
            }
            // The ISR is this broker alone: the appended records are committed at once.
            moved = result.Error == ErrorCode.None && !result.IsDuplicate && _log.MaybeIncrementHighWatermark(result.LastOffset + 1);
        }
        if (moved)
        {
            NotifyWatchers();
        }
        return result;
    }

    /// <summary>The producers whose state this partition holds, for DescribeProducers.</summary>
    public IReadOnlyList<ActiveProducer> ActiveProducers() => _log.ActiveProducers();

    /// <summary>
    /// WriteTxnMarkers for this partition: appends the COMMIT or ABORT marker of the producer's
    /// transaction as the leader (<see cref="PartitionLog.AppendEndTxnMarker"/> has Kafka's checks)
    /// and moves the high watermark, which may release the last stable offset.
    /// </summary>
    public LogAppendResult AppendEndTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, bool commit, short transactionVersion = 0)
    {
        LogAppendResult result;
        bool moved;
        lock (_lock)
        {
            result = _log.AppendEndTxnMarker(producerId, producerEpoch, coordinatorEpoch, commit, LeaderEpoch, transactionVersion);
            if (result.Error == ErrorCode.None)
            {
                // A verification that raced this marker belongs to the transaction just ended: its append must fail.
                _verifications.Remove(producerId);
            }
            moved = result.Error == ErrorCode.None && _log.MaybeIncrementHighWatermark(result.LastOffset + 1);
        }
        if (moved)
        {
            NotifyWatchers();
        }
        return result;
    }

    /// <summary>
    /// Reads whole batches from <paramref name="fetchOffset"/>, no further than <paramref name="isolation"/>
    /// allows; a read_committed read (<see cref="FetchIsolation.TxnCommitted"/>) also gets the aborted
    /// transactions overlapping what it returns, for the Fetch response.
    /// </summary>
    public LogReadResult Read(long fetchOffset, int maxBytes, FetchIsolation isolation, bool minOneBatch) =>
        _log.Read(fetchOffset, maxBytes, MaxOffset(isolation), minOneBatch, abortedTransactions: isolation == FetchIsolation.TxnCommitted);

    /// <summary>ListOffsets: see <see cref="PartitionLog.FetchOffsetByTimestamp(long, long)"/>; latest means the high watermark or the last stable offset.</summary>
    public TimestampAndOffset? FetchOffsetForTimestamp(long timestamp, FetchIsolation isolation) =>
        _log.FetchOffsetByTimestamp(timestamp, MaxOffset(isolation));

    /// <summary>DeleteRecords: moves the log start offset (-1 means the high watermark), never past the high watermark.</summary>
    public DeleteRecordsResult DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            return _log.DeleteRecordsBefore(offset);
        }
    }

    /// <summary>Registers a delayed operation; from now on every change of this partition reaches it until it is removed.</summary>
    public void Watch(IPartitionWatcher watcher) => _watchers.TryAdd(watcher, 0);

    public void Unwatch(IPartitionWatcher watcher) => _watchers.TryRemove(watcher, out _);

    /// <summary>The partition is going away (topic deleted): waiters re-read it and find it gone.</summary>
    public void Close() => NotifyWatchers();

    /// <summary>The append's first transactional batch, or null (a transactional request carries one producer's batches).</summary>
    public static BatchInfo? TransactionalBatch(in LogAppendInfo info)
    {
        for (var i = 0; i < info.BatchCount; i++)
        {
            if (info[i].IsTransactional)
            {
                return info[i];
            }
        }
        return null;
    }

    private long MaxOffset(FetchIsolation isolation) => isolation switch
    {
        FetchIsolation.LogEnd => _log.LogEndOffset,
        FetchIsolation.TxnCommitted => LastStableOffset,
        _ => HighWatermark,
    };

    private void NotifyWatchers()
    {
        // Enumerating the dictionary itself neither locks it nor copies it (Keys does both), on every append.
        if (_watchers.IsEmpty)
        {
            return;
        }
        foreach (var (watcher, _) in _watchers)
        {
            watcher.OnPartitionChanged(this);
        }
    }
}
