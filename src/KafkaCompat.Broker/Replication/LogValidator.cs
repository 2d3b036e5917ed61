using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Replication;

/// <summary>One record a batch was refused for (KIP-467): its index among the partition's records and why.</summary>
public readonly record struct RecordError(int RecordIndex, string Message);

/// <summary>
/// What was wrong with a produce request's records for one partition. <see cref="RecordErrors"/>
/// lists every invalid record when the batch itself was sound but some of its records were not
/// (a null key on a compacted topic, a timestamp out of range), so a client fails exactly those.
/// </summary>
public sealed record ProduceValidationError(ErrorCode Error, string Message, int BatchIndex = -1, IReadOnlyList<RecordError>? RecordErrors = null);

/// <summary>
/// Kafka's LogValidator: the checks on produced record batches before they touch the log, in one
/// walk of each batch: whole v2 batches with valid CRCs, base offset 0, offset deltas matching
/// the record count, each batch within max.message.bytes, a supported codec, no control batches
/// from clients; then each record: keys on compacted topics, CreateTime timestamps within
/// message.timestamp.before.max.ms / after.max.ms of now (KIP-937). Records are iterated in place
/// (decompressed into a pooled buffer when compressed) and nothing is allocated per valid record.
/// The same walk fills the <see cref="LogAppendInfo"/> the log appends with (offsets to take, max
/// timestamp, producer fields per batch), so the log reads no header again; max.message.bytes is
/// checked there (<see cref="LogAppendInfo.TryAdd"/>), the one place every append goes through.
/// </summary>
public static class LogValidator
{
    /// <summary>
    /// How far a produced batch may inflate when decompressed: 64 times max.message.bytes, at most
    /// int.MaxValue (computed in 64 bits: a max.message.bytes above 32 MiB would overflow an int).
    /// </summary>
    public static int MaxDecompressedBytes(LogConfig config) => (int)Math.Min(Math.Max(config.MaxMessageBytes, 1) * 64L, int.MaxValue);

    public static ProduceValidationError? Validate(ReadOnlyMemory<byte> records, LogConfig config, short produceVersion, long nowMs) =>
        Validate(records, config, produceVersion, nowMs, out _);

    /// <summary>Validates, and describes the batches for the log in <paramref name="appendInfo"/> (complete only when no error is returned).</summary>
    public static ProduceValidationError? Validate(ReadOnlyMemory<byte> records, LogConfig config, short produceVersion, long nowMs, out LogAppendInfo appendInfo)
    {
        appendInfo = default;
        var recordErrors = new RecordErrorCollector(config, nowMs);
        var batchIndex = 0;
        var enumerator = new RecordBatchEnumerator(records);
        try
        {
            while (enumerator.MoveNext())
            {
                var batch = enumerator.Current;
                if (Check(batch, batchIndex, config, produceVersion, ref recordErrors, ref appendInfo) is { } error)
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
        return batchIndex == 0 ? new(ErrorCode.CorruptMessage, "the produce request holds no record batch") : recordErrors.ToError();
    }

    private static ProduceValidationError? Check(RecordBatch batch, int batchIndex, LogConfig config, short produceVersion, ref RecordErrorCollector recordErrors, ref LogAppendInfo appendInfo)
    {
        if (batch.Magic != 2)
        {
            return new(ErrorCode.InvalidRecord, $"Produce requests with version {produceVersion} are only allowed to contain record batches with magic version 2", batchIndex);
        }
        if (!appendInfo.TryAdd(batch.Span, config, out var tooLarge))
        {
            return new(ErrorCode.MessageTooLarge, tooLarge, batchIndex);
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
        return CheckRecords(batch, batchIndex, config, ref recordErrors);
    }

    private static ProduceValidationError? CheckRecords(RecordBatch batch, int batchIndex, LogConfig config, ref RecordErrorCollector recordErrors)
    {
        try
        {
            return CheckRecordStructure(batch, batchIndex, config, ref recordErrors);
        }
        catch (Exception e) when (e is CorruptRecordException or InvalidRecordException or DecompressionLimitExceededException)
        {
            // The batch's CRC was right, so what is wrong is how its records were built: Kafka's INVALID_RECORD.
            return new(ErrorCode.InvalidRecord, $"Found invalid record structure in batch {batchIndex}: {e.Message}", batchIndex);
        }
    }

    private static ProduceValidationError? CheckRecordStructure(RecordBatch batch, int batchIndex, LogConfig config, ref RecordErrorCollector recordErrors)
    {
        using var reader = batch.OpenRecords(MaxDecompressedBytes(config));
        var expectedDelta = 0;
        var createTime = batch.TimestampType == TimestampType.CreateTime;
        foreach (var record in reader)
        {
            if (record.OffsetDelta != expectedDelta++)
            {
                return new(ErrorCode.InvalidRecord, $"Record offset deltas in batch {batchIndex} are not consecutive from 0", batchIndex);
            }
            recordErrors.Check(record, createTime);
        }
        return expectedDelta == batch.RecordCount
            ? null
            : new(ErrorCode.InvalidRecord, $"Batch {batchIndex} declares {batch.RecordCount} records but holds {expectedDelta}", batchIndex);
    }

    /// <summary>
    /// Collects every invalid record of a partition's batches, numbering records across them. A
    /// struct passed by reference: a valid request allocates nothing for it.
    /// </summary>
    private struct RecordErrorCollector(LogConfig config, long nowMs)
    {
        private List<RecordError>? _errors;
        private bool _timestamps;
        private int _index;

        public void Check(in Record record, bool createTime)
        {
            var index = _index++;
            // One error per record, the first check it fails, as Kafka reports them.
            if (config.CompactEnabled && record.IsKeyNull)
            {
                Add(new RecordError(index, "Compacted topic cannot accept message without key in topic partition."));
                return;
            }
            // KIP-937: only a producer's own (CreateTime) timestamps are checked; NO_TIMESTAMP (-1) passes.
            if (createTime && record.Timestamp >= 0)
            {
                if (nowMs - record.Timestamp > config.MessageTimestampBeforeMaxMs || record.Timestamp - nowMs > config.MessageTimestampAfterMaxMs)
                {
                    _timestamps = true;
                    Add(new RecordError(index,
                        $"Timestamp {record.Timestamp} of record {index} is out of range: it must be within [{Bound(-config.MessageTimestampBeforeMaxMs)}, {Bound(config.MessageTimestampAfterMaxMs)}] (message.timestamp.before.max.ms, message.timestamp.after.max.ms)."));
                }
            }
        }

        /// <summary>Kafka answers INVALID_TIMESTAMP when any record's timestamp is out of range, else INVALID_RECORD.</summary>
        public readonly ProduceValidationError? ToError() => _errors is null ? null : _timestamps
            ? new(ErrorCode.InvalidTimestamp, $"{_errors.Count} record(s) rejected for a timestamp out of range; first: {_errors[0].Message}", RecordErrors: _errors)
            : new(ErrorCode.InvalidRecord, $"{_errors.Count} record(s) rejected; first: {_errors[0].Message}", RecordErrors: _errors);

        private void Add(RecordError error) => (_errors ??= []).Add(error);

        private readonly long Bound(long offset) => offset switch
        {
            long.MaxValue => long.MaxValue,
            long.MinValue + 1 => long.MinValue,
            _ => nowMs + offset,
        };
    }
}
