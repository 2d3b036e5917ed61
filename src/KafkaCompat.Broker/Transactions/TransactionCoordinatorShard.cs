using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Transactions;

/// <summary>The answer to InitProducerId: the producer id and epoch to use, or the error.</summary>
public readonly record struct InitProducerIdResult(long ProducerId, short ProducerEpoch, ErrorCode Error)
{
    public static InitProducerIdResult Failed(ErrorCode error) => new(TransactionMetadata.NoProducerId, TransactionMetadata.NoProducerEpoch, error);
}

/// <summary>
/// The transactional ids of one <c>__transaction_state</c> partition, a state machine driven by a
/// <see cref="CoordinatorRuntime"/>. Each operation computes the next <see cref="TransactionMetadata"/>,
/// writes it, and adopts it only once written (replay), so a failed write changes nothing; loading
/// replays the partition through the same code. Two-phase end: EndTxn writes PrepareCommit or
/// PrepareAbort and answers; the markers then go to every partition of the transaction, and when
/// all are written CompleteCommit or CompleteAbort is written. A Prepare state found at load time
/// has its markers sent again. Every public method must run on <see cref="Executor"/>.
/// </summary>
public sealed partial class TransactionCoordinatorShard : ICoordinatorShard
{
    private readonly TransactionCoordinatorContext _context;
    private readonly CoordinatorRuntime _runtime;
    private readonly Dictionary<string, TransactionMetadata> _transactions = new(StringComparer.Ordinal);

    public TransactionCoordinatorShard(int partitionIndex, TransactionCoordinatorContext context)
    {
        PartitionIndex = partitionIndex;
        _context = context;
        _runtime = new CoordinatorRuntime(new TopicPartition(TopicNames.TransactionState, partitionIndex), context.Replicas, context.Time, context.Logger, tooLargeError: ErrorCode.UnknownServerError);
        _runtime.Attach(this);
    }

    public int PartitionIndex { get; }

    public CoordinatorRuntime Runtime => _runtime;

    public SerialExecutor Executor => _runtime.Executor;

    /// <summary>For DescribeTransactions, ListTransactions and tests.</summary>
    public IEnumerable<TransactionMetadata> Transactions => _transactions.Values;

    public TransactionMetadata? Transaction(string transactionalId) => _transactions.GetValueOrDefault(transactionalId);

    private ILogger Logger => _context.Logger;

    private BrokerConfig Config => _context.Config();

    private long NowMs => _context.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The coordinator epoch markers carry: the leader epoch of this shard's partition.</summary>
    private int CoordinatorEpoch => _context.Replicas.GetPartition(TopicNames.TransactionState, PartitionIndex)?.LeaderEpoch ?? 0;

    /// <summary>
    /// InitProducerId for a transactional id. <paramref name="expectedProducerId"/>/<paramref name="expectedEpoch"/>
    /// are -1 unless the producer sends its current ones (KIP-360, v3+).
    /// </summary>
    public InitProducerIdResult InitProducerId(string transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch)
    {
        if (timeoutMs <= 0 || timeoutMs > Config.GetInt("transaction.max.timeout.ms"))
        {
            return InitProducerIdResult.Failed(ErrorCode.InvalidTransactionTimeout);
        }
        var now = NowMs;
        var current = _transactions.GetValueOrDefault(transactionalId)
            ?? TransactionMetadata.Create(transactionalId, _context.NextProducerId(), timeoutMs, now);
        var expected = expectedProducerId == TransactionMetadata.NoProducerId ? ((long Id, short Epoch)?)null : (expectedProducerId, expectedEpoch);
        // A producer naming an id fences itself unless: the entry was just created (recovery from
        // UNKNOWN_PRODUCER_ID), it names the current id, or it names the previous id at an exhausted
        // epoch (a retry of a rotation whose answer it never got).
        if (expected is { } e && current.ProducerEpoch != TransactionMetadata.NoProducerEpoch && e.Id != current.ProducerId
            && !(e.Id == current.PreviousProducerId && TransactionMetadata.IsEpochExhausted(e.Epoch)))
        {
            return InitProducerIdResult.Failed(ErrorCode.ProducerFenced);
        }
        switch (current.State)
        {
            case TransactionState.PrepareCommit or TransactionState.PrepareAbort:
                return InitProducerIdResult.Failed(ErrorCode.ConcurrentTransactions);
            case TransactionState.Ongoing:
            {
                // Abort the open transaction under a bumped epoch, and let the producer retry: the
                // retry bumps the epoch again (or rotates the id if that exhausts it).
                var fenced = current.FenceAndAbort(now, _context.TransactionVersionLevel());
                var error = Write(fenced);
                if (error != ErrorCode.None)
                {
                    return InitProducerIdResult.Failed(error);
                }
                SendMarkers(fenced);
                return InitProducerIdResult.Failed(ErrorCode.ConcurrentTransactions);
            }
            case TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort:
            {
                TransactionMetadata next;
                if (current.ProducerEpochExhausted && (expected is null || expected.Value.Epoch == current.ProducerEpoch))
                {
                    next = current.RotateProducerId(_context.NextProducerId(), timeoutMs, now, keepLastEpoch: expected is not null);
                }
                else
                {
                    var (incremented, fencedError) = current.IncrementEpoch(timeoutMs, expected?.Epoch, now);
                    if (incremented is null)
                    {
                        return InitProducerIdResult.Failed(fencedError);
                    }
                    next = incremented;
                }
                var error = Write(next);
                if (error != ErrorCode.None)
                {
                    return InitProducerIdResult.Failed(error);
                }
                Logger.LogInformation("Initialized transactional id {TransactionalId} with producer id {ProducerId} and epoch {Epoch}", transactionalId, next.ProducerId, next.ProducerEpoch);
                return new InitProducerIdResult(next.ProducerId, next.ProducerEpoch, ErrorCode.None);
            }
            default:
                throw new InvalidOperationException($"Transactional id {transactionalId} is in state {current.State}, which is never kept.");
        }
    }

    /// <summary>
    /// AddPartitionsToTxn (and AddOffsetsToTxn with the group's <c>__consumer_offsets</c> partition): one
    /// error for all the partitions. <paramref name="clientTransactionVersion"/> is 2 for the implicit adds
    /// of KIP-890 part 2 (a partition leader's AddPartitionsToTxn v4+ without VerifyOnly, for Produce v12+
    /// or TxnOffsetCommit v5), 0 for a client's AddPartitionsToTxn v0-3, as Kafka derives it.
    /// </summary>
    public ErrorCode AddPartitions(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions, short clientTransactionVersion = 0)
    {
        var (current, error) = Owned(transactionalId, producerId, producerEpoch);
        if (current is null)
        {
            return error;
        }
        if (current.State == TransactionState.Ongoing && partitions.All(current.Partitions.Contains))
        {
            return ErrorCode.None;
        }
        return Write(current.AddPartitions(partitions, clientTransactionVersion, NowMs));
    }

    /// <summary>
    /// AddPartitionsToTxn v4+ with VerifyOnly (KIP-890 part 1, sent by partition leaders before a
    /// transactional append): whether each partition is in the producer's open transaction.
    /// </summary>
    public (ErrorCode Error, IReadOnlyDictionary<TopicPartition, ErrorCode> Partitions) VerifyPartitions(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions)
    {
        var (current, error) = Owned(transactionalId, producerId, producerEpoch);
        if (current is null)
        {
            return (error, new Dictionary<TopicPartition, ErrorCode>());
        }
        return (ErrorCode.None, partitions.Distinct().ToDictionary(tp => tp, tp => current.Partitions.Contains(tp) ? ErrorCode.None : ErrorCode.InvalidTxnState));
    }

    /// <summary>
    /// EndTxn: commit or abort the open transaction. Answers once the decision is written; the
    /// markers follow in the background. The client's transaction version (Kafka derives it from
    /// the request: EndTxn v5+ is version 2) picks the rules: the classic ones here, KIP-890 part
    /// 2's in <see cref="EndTransactionV2"/>.
    /// </summary>
    public EndTxnResult EndTransaction(string transactionalId, long producerId, short producerEpoch, bool commit, short clientTransactionVersion = 0)
    {
        if (clientTransactionVersion >= TransactionMetadata.TransactionVersion2)
        {
            return EndTransactionV2(transactionalId, producerId, producerEpoch, commit);
        }
        return EndTxnResult.Classic(EndTransactionClassic(transactionalId, producerId, producerEpoch, commit));
    }

    /// <summary>
    /// The classic flavour (EndTxn up to v4): the producer keeps its epoch. Repeating the decision
    /// of a completed transaction answers None (a retry), the opposite one INVALID_TXN_STATE.
    /// </summary>
    private ErrorCode EndTransactionClassic(string transactionalId, long producerId, short producerEpoch, bool commit)
    {
        var (current, error) = Owned(transactionalId, producerId, producerEpoch, completingIsConcurrent: false);
        if (current is null)
        {
            return error;
        }
        switch (current.State)
        {
            case TransactionState.PrepareCommit:
                return commit ? ErrorCode.ConcurrentTransactions : ErrorCode.InvalidTxnState;
            case TransactionState.PrepareAbort:
                return commit ? ErrorCode.InvalidTxnState : ErrorCode.ConcurrentTransactions;
            case TransactionState.Ongoing:
                return Prepare(current.PrepareEnd(commit, clientTransactionVersion: 0, TransactionMetadata.NoProducerId, NowMs));
            case TransactionState.CompleteCommit:
                return commit ? ErrorCode.None : ErrorCode.InvalidTxnState;
            case TransactionState.CompleteAbort:
                return commit ? ErrorCode.InvalidTxnState : ErrorCode.None;
            case TransactionState.Empty:
                return ErrorCode.InvalidTxnState;
            default:
                throw new InvalidOperationException($"Transactional id {transactionalId} is in state {current.State}, which is never kept.");
        }
    }

    /// <summary>Writes a Prepare state and, once it is in the log, starts its markers.</summary>
    private ErrorCode Prepare(TransactionMetadata prepared)
    {
        var written = Write(prepared);
        if (written == ErrorCode.None)
        {
            SendMarkers(prepared);
        }
        return written;
    }

    /// <summary>
    /// The entry a producer's request may act on, or the error it gets: the id must exist and be
    /// held by this producer id at exactly this epoch; while a transaction is being completed
    /// (markers in flight) the producer is told to retry, unless the caller answers that itself.
    /// </summary>
    private (TransactionMetadata? Current, ErrorCode Error) Owned(string transactionalId, long producerId, short producerEpoch, bool completingIsConcurrent = true)
    {
        if (!_transactions.TryGetValue(transactionalId, out var current) || current.ProducerId != producerId)
        {
            return (null, ErrorCode.InvalidProducerIdMapping);
        }
        if (current.ProducerEpoch != producerEpoch)
        {
            return (null, ErrorCode.ProducerFenced);
        }
        if (completingIsConcurrent && current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort)
        {
            return (null, ErrorCode.ConcurrentTransactions);
        }
        return (current, ErrorCode.None);
    }

    /// <summary>
    /// Writes the next state of a transactional id and adopts it. The replay of the written record
    /// sets what the log holds; the record lacks the last epoch (and, at value version 0, the
    /// previous and next producer ids), which the coordinator keeps in memory as Kafka does.
    /// </summary>
    private ErrorCode Write(TransactionMetadata next)
    {
        var error = _runtime.Append([(TransactionLogSerde.Key(next.TransactionalId), TransactionLogSerde.Value(next, _context.TransactionVersionLevel()))]);
        if (error == ErrorCode.None)
        {
            _transactions[next.TransactionalId] = next;
        }
        return error;
    }

    void ICoordinatorShard.Replay(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, bool loading)
    {
        if (TransactionLogSerde.ReadKey(key) is not { } transactionalId)
        {
            return;
        }
        if (value is { } bytes)
        {
            _transactions[transactionalId] = TransactionLogSerde.ReadValue(transactionalId, bytes);
        }
        else
        {
            _transactions.Remove(transactionalId);
        }
    }

    void ICoordinatorShard.OnLoaded()
    {
        // A transaction whose outcome was logged but whose markers may not all be written: finish it.
        foreach (var prepared in _transactions.Values.Where(t => t.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort).ToList())
        {
            SendMarkers(prepared);
        }
    }

    void ICoordinatorShard.OnClosed() => CancelMarkerRetries();
}
