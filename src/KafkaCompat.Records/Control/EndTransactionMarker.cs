using System.Buffers;
using System.Buffers.Binary;

namespace KafkaCompat.Records;

/// <summary>
/// A transaction marker (KIP-98): a control batch with one record whose key is the control type
/// (Abort or Commit) and whose value is int16 version (0) then int32 coordinator epoch. The
/// transaction coordinator asks partition leaders to append these via WriteTxnMarkers.
/// </summary>
public readonly record struct EndTransactionMarker(ControlRecordType Type, int CoordinatorEpoch)
{
    public const int ValueSize = 6;

    private const short CurrentValueVersion = 0;

    /// <summary>
    /// Writes the marker as a complete control batch. Returns the batch size; the broker sets the
    /// base offset and leader epoch when appending, so they default to 0 and -1 here.
    /// </summary>
    public int WriteBatch(IBufferWriter<byte> output, long producerId, short producerEpoch, long timestamp, long baseOffset = 0, int partitionLeaderEpoch = -1)
    {
        EnsureMarkerType(Type);
        using var builder = new RecordBatchBuilder
        {
            BaseOffset = baseOffset,
            PartitionLeaderEpoch = partitionLeaderEpoch,
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            IsTransactional = true,
            IsControl = true,
        };
        builder.Append(timestamp, ControlRecord.CreateKey(Type), CreateValue());
        return builder.WriteTo(output);
    }

    /// <summary>
    /// Reads the marker from a control batch. Returns false when the batch is not a control batch or
    /// its record is another control type (e.g. KRaft's LeaderChange).
    /// </summary>
    /// <exception cref="InvalidRecordException">A transaction control record is malformed.</exception>
    /// <exception cref="CorruptRecordException">The batch records are malformed.</exception>
    public static bool TryRead(RecordBatch batch, out EndTransactionMarker marker)
    {
        marker = default;
        if (!batch.IsControl)
        {
            return false;
        }

        // Control batches are never compressed by Kafka, but nothing forbids it; allow a small bound.
        using RecordBatchReader records = batch.OpenRecords(maxDecompressedBytes: 64 * 1024);
        foreach (Record record in records)
        {
            if (record.IsKeyNull)
            {
                throw new InvalidRecordException("Control record has a null key.");
            }

            ControlRecordType type = ControlRecord.ReadType(record.KeySpan);
            if (type is not (ControlRecordType.Abort or ControlRecordType.Commit))
            {
                return false;
            }

            marker = Read(type, record);
            return true;
        }

        return false;
    }

    /// <summary>Reads the marker from a control record whose key type is <paramref name="type"/>.</summary>
    /// <exception cref="InvalidRecordException">The value is null, too short or has a negative version.</exception>
    public static EndTransactionMarker Read(ControlRecordType type, Record record)
    {
        EnsureMarkerType(type);
        if (record.IsValueNull)
        {
            throw new InvalidRecordException("End transaction marker has a null value.");
        }

        ReadOnlySpan<byte> value = record.ValueSpan;
        if (value.Length < ValueSize)
        {
            throw new InvalidRecordException($"End transaction marker value is {value.Length} bytes; expected at least {ValueSize}.");
        }

        short version = BinaryPrimitives.ReadInt16BigEndian(value);
        if (version < 0)
        {
            throw new InvalidRecordException($"Invalid end transaction marker version {version}.");
        }

        // Later versions may append fields after the epoch; like Kafka, ignore them.
        return new EndTransactionMarker(type, BinaryPrimitives.ReadInt32BigEndian(value[2..]));
    }

    private byte[] CreateValue()
    {
        var value = new byte[ValueSize];
        BinaryPrimitives.WriteInt16BigEndian(value, CurrentValueVersion);
        BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(2), CoordinatorEpoch);
        return value;
    }

    private static void EnsureMarkerType(ControlRecordType type)
    {
        if (type is not (ControlRecordType.Abort or ControlRecordType.Commit))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "An end transaction marker is either Abort or Commit.");
        }
    }
}
