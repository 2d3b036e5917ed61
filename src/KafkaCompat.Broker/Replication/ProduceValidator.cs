using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Replication;

/// <summary>What was wrong with a produce request's records for one partition.</summary>
public sealed record ProduceValidationError(ErrorCode Error, string Message, int BatchIndex = -1);

/// <summary>
/// Kafka's checks on produced record batches before they touch the log:
/// whole v2 batches with valid CRCs, base offset 0, offset deltas matching
/// the record count, each batch within max.message.bytes, a supported codec,
/// no control batches from clients, keys on compacted topics. Records are
/// iterated in place (decompressed into a pooled buffer when compressed) and
/// nothing is allocated per record.
/// </summary>
public static class ProduceValidator
{
    public static ProduceValidationError? Validate(ReadOnlyMemory<byte> records, LogConfig config, short produceVersion)
    {
        var batchIndex = 0;
        var enumerator = new RecordBatchEnumerator(records);
        try
        {
            while (enumerator.MoveNext())
            {
                var batch = enumerator.Current;
                if (Check(batch, batchIndex, config, produceVersion) is { } error)
                {
                    return error;
                }
                batchIndex++;
            }
        }
        catch (CorruptRecordException e)
        {
            return new(ErrorCode.CorruptMessage, e.Message, batchIndex);
        }
        catch (UnsupportedRecordVersionException e)
        {
            return new(ErrorCode.InvalidRecord, $"Produce requests with version {produceVersion} are only allowed to contain record batches with magic version 2: {e.Message}", batchIndex);
        }
        catch (UnsupportedCompressionTypeException e)
        {
            return new(ErrorCode.UnsupportedCompressionType, e.Message, batchIndex);
        }
        catch (RecordsException e)
        {
            return new(ErrorCode.CorruptMessage, e.Message, batchIndex);
        }
        if (enumerator.HasTrailingPartialBatch)
        {
            return new(ErrorCode.CorruptMessage, $"{enumerator.TrailingPartialBatchBytes} bytes after the last complete batch", batchIndex);
        }
        return batchIndex == 0 ? new(ErrorCode.CorruptMessage, "the produce request holds no record batch") : null;
    }

    private static ProduceValidationError? Check(RecordBatch batch, int batchIndex, LogConfig config, short produceVersion)
    {
        if (batch.Magic != 2)
        {
            return new(ErrorCode.InvalidRecord, $"Produce requests with version {produceVersion} are only allowed to contain record batches with magic version 2", batchIndex);
        }
        if (batch.SizeInBytes > config.MaxMessageBytes)
        {
            return new(ErrorCode.MessageTooLarge, $"The record batch size in the append ({batch.SizeInBytes} bytes) exceeds max.message.bytes ({config.MaxMessageBytes})", batchIndex);
        }
        if (!batch.IsValidCrc())
        {
            return new(ErrorCode.CorruptMessage, $"Record batch {batchIndex} is corrupt (stored crc = {batch.Crc}, computed crc = {batch.ComputeCrc()})", batchIndex);
        }
        if (batch.BaseOffset != 0)
        {
            return new(ErrorCode.InvalidRecord, $"The baseOffset of the record batch in the append should be 0, but it is {batch.BaseOffset}", batchIndex);
        }
        if (batch.IsControl)
        {
            return new(ErrorCode.InvalidRecord, "Clients may not produce control batches", batchIndex);
        }
        var compression = batch.Compression;
        if (compression == CompressionType.Zstd && produceVersion < 7)
        {
            return new(ErrorCode.UnsupportedCompressionType, "Produce requests with zstd compression need version 7 or newer (KIP-110)", batchIndex);
        }
        if (batch.RecordCount <= 0 || batch.LastOffsetDelta != batch.RecordCount - 1)
        {
            return new(ErrorCode.InvalidRecord, $"Batch has {batch.RecordCount} records but last offset delta {batch.LastOffsetDelta}", batchIndex);
        }
        return CheckRecords(batch, batchIndex, config);
    }

    private static ProduceValidationError? CheckRecords(RecordBatch batch, int batchIndex, LogConfig config)
    {
        try
        {
            return CheckRecordStructure(batch, batchIndex, config);
        }
        catch (Exception e) when (e is CorruptRecordException or InvalidRecordException or DecompressionLimitExceededException)
        {
            // The batch's CRC was right, so what is wrong is how its records were built: Kafka's INVALID_RECORD.
            return new(ErrorCode.InvalidRecord, $"Found invalid record structure in batch {batchIndex}: {e.Message}", batchIndex);
        }
    }

    private static ProduceValidationError? CheckRecordStructure(RecordBatch batch, int batchIndex, LogConfig config)
    {
        using var reader = batch.OpenRecords(Math.Max(config.MaxMessageBytes, 1) * 64);
        var expectedDelta = 0;
        foreach (var record in reader)
        {
            if (record.OffsetDelta != expectedDelta++)
            {
                return new(ErrorCode.InvalidRecord, $"Record offset deltas in batch {batchIndex} are not consecutive from 0", batchIndex);
            }
            if (config.CompactEnabled && record.IsKeyNull)
            {
                return new(ErrorCode.InvalidRecord, "Compacted topic cannot accept message without key in topic partition.", batchIndex);
            }
        }
        return expectedDelta == batch.RecordCount
            ? null
            : new(ErrorCode.InvalidRecord, $"Batch {batchIndex} declares {batch.RecordCount} records but holds {expectedDelta}", batchIndex);
    }
}
