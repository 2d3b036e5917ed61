using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// Kafka's formats for <c>__transaction_state</c>: key = TransactionLogKey v0 (the transactional
/// id); value = TransactionLogValue, version 0 until transaction.version 1 is finalized (version 1
/// is flexible and carries the previous/next producer ids and the client's transaction version as
/// tagged fields); a null value is the tombstone of an expired id.
/// </summary>
public static class TransactionLogSerde
{
    public const short KeyVersion = 0;

    public static byte[] Key(string transactionalId) => VersionPrefixed.Serialize(new TransactionLogKey { TransactionalId = transactionalId }, KeyVersion);

    /// <summary>The value of <paramref name="metadata"/>; <paramref name="transactionVersionLevel"/> is the finalized transaction.version, which picks the value version as Kafka does.</summary>
    public static byte[] Value(TransactionMetadata metadata, short transactionVersionLevel)
    {
        if (metadata.State == TransactionState.Empty && !metadata.Partitions.IsEmpty)
        {
            throw new InvalidOperationException($"An Empty transaction of {metadata.TransactionalId} cannot hold partitions.");
        }
        var version = transactionVersionLevel >= 1 ? (short)1 : (short)0;
        var value = new TransactionLogValue
        {
            ProducerId = metadata.ProducerId,
            // Tagged fields of version 1: version 0 has no room for them.
            PreviousProducerId = version >= 1 ? metadata.PreviousProducerId : TransactionMetadata.NoProducerId,
            NextProducerId = version >= 1 ? metadata.NextProducerId : TransactionMetadata.NoProducerId,
            ProducerEpoch = metadata.ProducerEpoch,
            TransactionTimeoutMs = metadata.TimeoutMs,
            TransactionStatus = (sbyte)metadata.State,
            // Kafka writes no partition list (null) for Empty.
            TransactionPartitions = metadata.State == TransactionState.Empty ? null : [.. metadata.Partitions
                .GroupBy(tp => tp.Topic, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new TransactionLogValue.PartitionsSchema { Topic = g.Key, PartitionIds = [.. g.Select(tp => tp.Partition).Order()] })],
            TransactionLastUpdateTimestampMs = metadata.LastUpdateTimestampMs,
            TransactionStartTimestampMs = metadata.StartTimestampMs,
            ClientTransactionVersion = version >= 1 ? metadata.ClientTransactionVersion : (short)0,
        };
        return VersionPrefixed.Serialize(value, version);
    }

    /// <summary>The transactional id a key names; null for a key version that is not Kafka's (skipped, as Kafka skips unknown keys).</summary>
    /// <exception cref="MalformedMessageException">The bytes do not hold what their version says.</exception>
    public static string? ReadKey(ReadOnlyMemory<byte> key)
    {
        var version = VersionPrefixed.Version(key, TopicNames.TransactionState);
        if (version != KeyVersion)
        {
            return null;
        }
        var reader = new KafkaReader(key[2..]);
        return TransactionLogKey.ReadNew(ref reader, version).TransactionalId;
    }

    /// <summary>The metadata a value holds, as Kafka loads it: the last epoch is not in the log (-1).</summary>
    /// <exception cref="MalformedMessageException">The bytes do not hold what their version says, or the status is unknown.</exception>
    public static TransactionMetadata ReadValue(string transactionalId, ReadOnlyMemory<byte> value)
    {
        var version = VersionPrefixed.Version(value, TopicNames.TransactionState);
        var reader = new KafkaReader(value[2..]);
        var read = TransactionLogValue.ReadNew(ref reader, Math.Min(version, TransactionLogValue.HighestVersion));
        var state = (TransactionState)(byte)read.TransactionStatus;
        if (!Enum.IsDefined(state))
        {
            throw new MalformedMessageException($"unknown transaction status {read.TransactionStatus} for {transactionalId}");
        }
        return new TransactionMetadata
        {
            TransactionalId = transactionalId,
            ProducerId = read.ProducerId,
            PreviousProducerId = read.PreviousProducerId,
            NextProducerId = read.NextProducerId,
            ProducerEpoch = read.ProducerEpoch,
            TimeoutMs = read.TransactionTimeoutMs,
            State = state,
            Partitions = [.. (read.TransactionPartitions ?? []).SelectMany(t => t.PartitionIds.Select(p => new TopicPartition(t.Topic, p)))],
            StartTimestampMs = read.TransactionStartTimestampMs,
            LastUpdateTimestampMs = read.TransactionLastUpdateTimestampMs,
            ClientTransactionVersion = read.ClientTransactionVersion,
        };
    }
}
