using System.Collections.Immutable;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// What the transaction coordinator knows of one transactional id: its producer id and epoch, the
/// open transaction's partitions, state and clock. Immutable: every transition returns the next
/// value, which the coordinator writes to <c>__transaction_state</c> and only then adopts (by
/// replaying what it wrote), so a failed write leaves the previous value in place.
/// </summary>
public sealed record TransactionMetadata
{
    public const long NoProducerId = -1;
    public const short NoProducerEpoch = -1;

    /// <summary>Kafka 4.x's transaction.version 2 (KIP-890 part 2): the epoch is bumped when every transaction ends.</summary>
    public const short TransactionVersion2 = 2;

    public required string TransactionalId { get; init; }

    public long ProducerId { get; init; }

    /// <summary>The producer id before the last transition (differs from <see cref="ProducerId"/> right after a rotation).</summary>
    public long PreviousProducerId { get; init; } = NoProducerId;

    /// <summary>Transaction version 2: the id the producer moves to when this transaction ends and the epoch would overflow.</summary>
    public long NextProducerId { get; init; } = NoProducerId;

    public short ProducerEpoch { get; init; } = NoProducerEpoch;

    /// <summary>The epoch before the last bump, so a retried InitProducerId (KIP-360) gets the same answer. Not in the log: -1 after a load, as in Kafka.</summary>
    public short LastProducerEpoch { get; init; } = NoProducerEpoch;

    public int TimeoutMs { get; init; }

    public TransactionState State { get; init; }

    public ImmutableHashSet<TopicPartition> Partitions { get; init; } = [];

    /// <summary>When the open transaction's first partition was added; -1 with none open.</summary>
    public long StartTimestampMs { get; init; } = -1;

    public long LastUpdateTimestampMs { get; init; }

    /// <summary>The transaction version the client spoke when this state was entered (0-1 classic, 2 KIP-890 part 2).</summary>
    public short ClientTransactionVersion { get; init; }

    /// <summary>Kafka keeps Short.MaxValue for fencing: an epoch of MaxValue - 1 or more cannot be handed out again.</summary>
    public static bool IsEpochExhausted(short epoch) => epoch >= short.MaxValue - 1;

    public bool ProducerEpochExhausted => IsEpochExhausted(ProducerEpoch);

    /// <summary>A transaction is open or being completed: producer ids may not rotate, the id may not expire.</summary>
    public bool HasPendingTransaction => State is TransactionState.Ongoing or TransactionState.PrepareCommit or TransactionState.PrepareAbort;

    /// <summary>The entry a brand-new transactional id starts from (never written as is: InitProducerId bumps its epoch to 0 first).</summary>
    public static TransactionMetadata Create(string transactionalId, long producerId, int timeoutMs, long nowMs) => new()
    {
        TransactionalId = transactionalId,
        ProducerId = producerId,
        TimeoutMs = timeoutMs,
        State = TransactionState.Empty,
        LastUpdateTimestampMs = nowMs,
    };

    /// <summary>
    /// InitProducerId on a transactional id with no open transaction: the next epoch. With an expected
    /// epoch (KIP-360), the current epoch continues the producer, the previous one is a retry that gets
    /// the current answer again, any other is fenced.
    /// </summary>
    public (TransactionMetadata? Next, ErrorCode Error) IncrementEpoch(int timeoutMs, short? expectedEpoch, long nowMs)
    {
        var bumped = (short)(ProducerEpoch + 1);
        short epoch, last;
        if (expectedEpoch is null)
        {
            (epoch, last) = (bumped, NoProducerEpoch);
        }
        else if (ProducerEpoch == NoProducerEpoch || expectedEpoch == ProducerEpoch)
        {
            (epoch, last) = (bumped, ProducerEpoch);
        }
        else if (expectedEpoch == LastProducerEpoch)
        {
            (epoch, last) = (ProducerEpoch, LastProducerEpoch);
        }
        else
        {
            return (null, ErrorCode.ProducerFenced);
        }
        return (To(TransactionState.Empty) with
        {
            ProducerEpoch = epoch,
            LastProducerEpoch = last,
            TimeoutMs = timeoutMs,
            Partitions = [],
            StartTimestampMs = -1,
            LastUpdateTimestampMs = nowMs,
        }, ErrorCode.None);
    }

    /// <summary>InitProducerId when the epoch is exhausted: a new producer id at epoch 0.</summary>
    public TransactionMetadata RotateProducerId(long newProducerId, int timeoutMs, long nowMs, bool keepLastEpoch) => To(TransactionState.Empty) with
    {
        ProducerId = newProducerId,
        ProducerEpoch = 0,
        LastProducerEpoch = keepLastEpoch ? ProducerEpoch : NoProducerEpoch,
        TimeoutMs = timeoutMs,
        Partitions = [],
        StartTimestampMs = -1,
        LastUpdateTimestampMs = nowMs,
    };

    /// <summary>AddPartitionsToTxn / AddOffsetsToTxn: the transaction is open with these partitions too; it starts now if none was open.</summary>
    public TransactionMetadata AddPartitions(IEnumerable<TopicPartition> partitions, short clientTransactionVersion, long nowMs) => To(TransactionState.Ongoing) with
    {
        Partitions = Partitions.Union(partitions),
        StartTimestampMs = State is TransactionState.Ongoing ? StartTimestampMs : nowMs,
        LastUpdateTimestampMs = nowMs,
        ClientTransactionVersion = clientTransactionVersion,
    };

    /// <summary>
    /// InitProducerId or the timeout fencing an open transaction: the epoch goes up by one (not past
    /// Short.MaxValue) and the transaction is aborted with it, so the old producer's late writes fail.
    /// The abort is not the client's, so it ends as the cluster's finalized transaction.version
    /// (<paramref name="serverTransactionVersion"/>) ends transactions, whatever the client's flavour,
    /// as Kafka's coordinator does. At version 2 that one bump is also the abort's own bump (since
    /// KAFKA-19367, Kafka 4.1, the fence no longer bumps twice), with the old epoch kept as the last
    /// one: the producer's own EndTxn v5 abort at its old epoch is then a retry of this abort,
    /// answered with the new epoch, and the producer carries on, as a 4.1+ Java producer does.
    /// </summary>
    public TransactionMetadata FenceAndAbort(long nowMs, short serverTransactionVersion)
    {
        var versionTwo = serverTransactionVersion >= TransactionVersion2;
        return To(TransactionState.PrepareAbort) with
        {
            ProducerEpoch = ProducerEpoch == short.MaxValue ? ProducerEpoch : (short)(ProducerEpoch + 1),
            LastProducerEpoch = versionTwo ? ProducerEpoch : NoProducerEpoch,
            LastUpdateTimestampMs = nowMs,
            ClientTransactionVersion = serverTransactionVersion,
        };
    }

    /// <summary>
    /// EndTxn: the outcome is decided. With transaction version 2 the epoch is bumped now (the
    /// client gets the new one in the EndTxn answer), and <paramref name="nextProducerId"/> is where
    /// the producer moves when that bump reaches the exhausted epoch.
    /// </summary>
    public TransactionMetadata PrepareEnd(bool commit, short clientTransactionVersion, long nextProducerId, long nowMs)
    {
        var next = To(commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort);
        if (clientTransactionVersion >= TransactionVersion2)
        {
            next = next with
            {
                ProducerEpoch = ProducerEpoch == short.MaxValue ? ProducerEpoch : (short)(ProducerEpoch + 1),
                LastProducerEpoch = ProducerEpoch,
            };
        }
        return next with
        {
            // Version 2 may abort with no partition added: the transaction then starts (and ends) now.
            StartTimestampMs = State is TransactionState.Ongoing ? StartTimestampMs : nowMs,
            NextProducerId = nextProducerId,
            LastUpdateTimestampMs = nowMs,
            ClientTransactionVersion = clientTransactionVersion,
        };
    }

    /// <summary>Every marker is written: the transaction is complete (and, on version 2 at an overflowing epoch, the producer id moves on).</summary>
    public TransactionMetadata Complete(long nowMs)
    {
        var next = To(State == TransactionState.PrepareCommit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort);
        if (ClientTransactionVersion >= TransactionVersion2 && NextProducerId != NoProducerId)
        {
            next = next with { ProducerId = NextProducerId, ProducerEpoch = 0 };
        }
        return next with { NextProducerId = NoProducerId, Partitions = [], LastUpdateTimestampMs = nowMs };
    }

    /// <summary>The transactional id expired (written as a tombstone).</summary>
    public TransactionMetadata Expire() => To(TransactionState.Dead) with { Partitions = [] };

    /// <summary>Starts a transition; the previous producer id is always the current one, as Kafka records it.</summary>
    private TransactionMetadata To(TransactionState state) => state.CanEnterFrom(State)
        ? this with { State = state, PreviousProducerId = ProducerId }
        : throw new InvalidOperationException($"Transactional id {TransactionalId} cannot go from {State} to {state}.");
}
