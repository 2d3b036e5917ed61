using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Coordinators;

/// <summary>
/// Kafka's coordinator runtime for one shard: the partition of an internal topic it is kept in,
/// the one executor all of the shard's work runs on (requests, timer expirations, loading), and
/// the only path by which its state changes: records are appended to the partition as one batch
/// and then replayed into the shard, at write time as at load time. A failed append replays
/// nothing, so an operation that builds its records before changing anything leaves no trace.
/// A single replica commits what it appends, so a response sent after <see cref="Append"/>
/// returns is sent after its records are committed; with replication the wait for the high
/// watermark belongs here.
/// </summary>
public sealed class CoordinatorRuntime
{
    private const int LoadReadBytes = 5 * 1024 * 1024;
    private const int MaxDecompressedBytes = 256 * 1024 * 1024;
    private const long NoProducerId = -1;
    private const short NoProducerEpoch = -1;

    private readonly TopicPartition _topicPartition;
    private readonly ReplicaManager _replicas;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ErrorCode _tooLargeError;
    private ICoordinatorShard _shard = null!;
    private volatile ShardStatus _status = ShardStatus.Loading;

    /// <summary>The runtime of the shard kept in <paramref name="topicPartition"/>. <paramref name="tooLargeError"/> is what a client is told when its records are too large for the partition: the coordinators differ (the group coordinator says INVALID_COMMIT_OFFSET_SIZE, the transaction coordinator UNKNOWN_SERVER_ERROR).</summary>
    public CoordinatorRuntime(TopicPartition topicPartition, ReplicaManager replicas, TimeProvider time, ILogger logger, ErrorCode tooLargeError = ErrorCode.InvalidCommitOffsetSize)
    {
        _tooLargeError = tooLargeError;
        _topicPartition = topicPartition;
        _replicas = replicas;
        _time = time;
        _logger = logger;
        Executor = new SerialExecutor(logger);
    }

    public SerialExecutor Executor { get; }

    public ShardStatus Status => _status;

    /// <summary>Binds the state machine this runtime drives (the shard creates its runtime, then attaches itself).</summary>
    public void Attach(ICoordinatorShard shard) => _shard = shard;

    /// <summary>Reads the partition from its log start to its end, replaying every record; then the shard is active. Runs on the executor.</summary>
    public int Load()
    {
        var partition = _replicas.GetPartition(_topicPartition.Topic, _topicPartition.Partition);
        if (partition is null)
        {
            _status = ShardStatus.Closed;
            return 0;
        }
        var count = 0;
        var offset = partition.LogStartOffset;
        var end = partition.LogEndOffset;
        while (offset < end)
        {
            using var read = partition.Read(offset, LoadReadBytes, FetchIsolation.LogEnd, minOneBatch: true);
            if (read.Error != ErrorCode.None || read.Records.IsEmpty)
            {
                break;
            }
            foreach (var batch in new RecordBatchSet(read.Records))
            {
                if (batch.IsControl)
                {
                    // A transaction's end, written by CompleteTransaction: its pending records become state or vanish.
                    if (EndTransactionMarker.TryRead(batch, out var marker))
                    {
                        _shard.ReplayEndTransactionMarker(batch.ProducerId, batch.ProducerEpoch, marker.Type == ControlRecordType.Commit);
                    }
                }
                else
                {
                    var producerId = batch.IsTransactional ? batch.ProducerId : NoProducerId;
                    using var records = batch.OpenRecords(MaxDecompressedBytes);
                    foreach (var record in records)
                    {
                        if (record.Key is { } key)
                        {
                            _shard.Replay(record.Offset, producerId, batch.ProducerEpoch, key, record.Value, loading: true);
                            count++;
                        }
                    }
                }
                offset = batch.NextOffset;
            }
        }
        MarkLoaded();
        return count;
    }

    /// <summary>For a partition created empty just now: nothing to read.</summary>
    public void MarkLoaded()
    {
        _shard.OnLoaded();
        _status = ShardStatus.Active;
    }

    /// <summary>
    /// Appends the records to the shard's partition as one batch and, once they are in the log,
    /// replays them. Returns the coordinator error a client should see when the append failed (and
    /// then nothing was replayed). Runs on the executor.
    /// </summary>
    public ErrorCode Append(IReadOnlyList<(byte[] Key, byte[]? Value)> records) => AppendBatch(records, NoProducerId, NoProducerEpoch);

    /// <summary>
    /// As <see cref="Append(IReadOnlyList{ValueTuple{byte[], byte[]}})"/>, as one transactional batch of
    /// the producer (TxnOffsetCommit): Kafka's runtime writes it with the producer's id and epoch, base
    /// sequence 0 and the transactional flag, so the partition's producer state holds the
    /// transaction open (and the last stable offset below it) until its marker
    /// (<see cref="CompleteTransaction"/>). A fenced epoch is refused by the log (INVALID_PRODUCER_EPOCH).
    /// </summary>
    /// <remarks>
    /// <paramref name="verification"/> is the guard of the transaction's verification (KIP-890 part 1,
    /// <see cref="Partition.MaybeStartTransactionVerification"/>): a batch that would open the
    /// transaction on this partition is appended only under it (INVALID_TXN_STATE otherwise).
    /// </remarks>
    public ErrorCode AppendTransactional(long producerId, short producerEpoch, IReadOnlyList<(byte[] Key, byte[]? Value)> records, TransactionVerificationGuard? verification = null) =>
        AppendBatch(records, producerId, producerEpoch, verification);

    private ErrorCode AppendBatch(IReadOnlyList<(byte[] Key, byte[]? Value)> records, long producerId, short producerEpoch, TransactionVerificationGuard? verification = null)
    {
        if (records.Count == 0)
        {
            return ErrorCode.None;
        }
        var partition = _replicas.GetPartition(_topicPartition.Topic, _topicPartition.Partition);
        if (partition is null)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        byte[] batch;
        using (var builder = new RecordBatchBuilder())
        {
            if (producerId != NoProducerId)
            {
                builder.ProducerId = producerId;
                builder.ProducerEpoch = producerEpoch;
                builder.BaseSequence = 0;
                builder.IsTransactional = true;
            }
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var (key, value) in records)
            {
                builder.Append(now, key, value);
            }
            batch = builder.ToArray();
        }
        var result = verification is null ? partition.AppendAsCoordinator(batch) : partition.AppendAsCoordinator(batch, producerId, producerEpoch, verification);
        if (result.Error != ErrorCode.None)
        {
            _logger.LogWarning("Appending {Count} records to {Partition} failed: {Error} {Message}", records.Count, _topicPartition, result.Error, result.ErrorMessage);
            // Kafka's mapping of a failed internal append to what the coordinator's client is told.
            return result.Error switch
            {
                ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.RequestTimedOut => ErrorCode.CoordinatorNotAvailable,
                ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
                ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge => _tooLargeError,
                // A fenced transactional producer's TxnOffsetCommit: the client must learn it is fenced, as from Kafka.
                ErrorCode.InvalidProducerEpoch => ErrorCode.InvalidProducerEpoch,
                // Offsets whose transaction a marker ended after their verification: refused, as Kafka's coordinator passes it on.
                ErrorCode.InvalidTxnState => ErrorCode.InvalidTxnState,
                _ => ErrorCode.UnknownServerError,
            };
        }
        for (var i = 0; i < records.Count; i++)
        {
            var (key, value) = records[i];
            // A null array would convert to an empty (non-null) memory: keep tombstones null.
            _shard.Replay(result.FirstOffset + i, producerId, producerEpoch, key, value is null ? (ReadOnlyMemory<byte>?)null : value, loading: false);
        }
        return ErrorCode.None;
    }

    /// <summary>
    /// Writes the COMMIT or ABORT marker of the producer's transaction to the shard's partition
    /// (<see cref="Partition.AppendEndTxnMarker"/>, with Kafka's producer and coordinator epoch
    /// checks) and, once it is in the log, replays it into the shard. Returns the log's error
    /// (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED, ...) when the marker was refused,
    /// and then nothing changed. Runs on the executor.
    /// </summary>
    public ErrorCode CompleteTransaction(long producerId, short producerEpoch, int coordinatorEpoch, bool commit, short transactionVersion = 0)
    {
        var partition = _replicas.GetPartition(_topicPartition.Topic, _topicPartition.Partition);
        if (partition is null)
        {
            return ErrorCode.NotCoordinator;
        }
        var result = partition.AppendEndTxnMarker(producerId, producerEpoch, coordinatorEpoch, commit, transactionVersion);
        if (result.Error != ErrorCode.None)
        {
            _logger.LogWarning("Writing the {Marker} marker of producer {ProducerId} to {Partition} failed: {Error} {Message}",
                commit ? "COMMIT" : "ABORT", producerId, _topicPartition, result.Error, result.ErrorMessage);
            return result.Error;
        }
        _shard.ReplayEndTransactionMarker(producerId, producerEpoch, commit);
        return ErrorCode.None;
    }

    /// <summary>Runs <paramref name="action"/> on the executor after <paramref name="delayMs"/>; dispose the timer to cancel it.</summary>
    public ITimer Schedule(long delayMs, Action action) =>
        _time.CreateTimer(_ => Executor.Post(action), null, TimeSpan.FromMilliseconds(Math.Max(0, delayMs)), Timeout.InfiniteTimeSpan);

    /// <summary>Stops the shard's timers; queued work still runs but finds the shard closed.</summary>
    public Task CloseAsync()
    {
        Executor.Post(() =>
        {
            _status = ShardStatus.Closed;
            _shard.OnClosed();
        });
        return Executor.StopAsync();
    }
}
