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
                if (!batch.IsControl)
                {
                    using var records = batch.OpenRecords(MaxDecompressedBytes);
                    foreach (var record in records)
                    {
                        if (record.Key is { } key)
                        {
                            _shard.Replay(key, record.Value, loading: true);
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
    public ErrorCode Append(IReadOnlyList<(byte[] Key, byte[]? Value)> records)
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
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var (key, value) in records)
            {
                builder.Append(now, key, value);
            }
            batch = builder.ToArray();
        }
        var result = partition.AppendAsLeader(batch);
        if (result.Error != ErrorCode.None)
        {
            _logger.LogWarning("Appending {Count} records to {Partition} failed: {Error} {Message}", records.Count, _topicPartition, result.Error, result.ErrorMessage);
            // Kafka's mapping of a failed internal append to what the coordinator's client is told.
            return result.Error switch
            {
                ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.RequestTimedOut => ErrorCode.CoordinatorNotAvailable,
                ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
                ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge => _tooLargeError,
                _ => ErrorCode.UnknownServerError,
            };
        }
        foreach (var (key, value) in records)
        {
            // A null array would convert to an empty (non-null) memory: keep tombstones null.
            _shard.Replay(key, value is null ? (ReadOnlyMemory<byte>?)null : value, loading: false);
        }
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
