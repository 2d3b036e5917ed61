using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Replication;

/// <summary>
/// Produce v0-2 carry legacy message sets (magic 0 and 1). Kafka up-converts them to record batch
/// v2 before its log validator runs, so the log keeps one format; so does this, and the v2 batch
/// then goes through <see cref="LogValidator"/> and <see cref="TopicCompression"/> like any
/// other. Each message (a wrapper counts as one) is held to max.message.bytes first, as Kafka
/// checks the batches it was given before converting them; the converted batch is checked again.
/// </summary>
public static class LegacyProduce
{
    private const int MagicOffset = 16;

    /// <summary>
    /// The v2 batch to append in place of a legacy message set, in a pooled buffer the caller
    /// disposes once it is appended; null, with <paramref name="records"/> left alone, when they are
    /// not a legacy message set (a v0-2 request may carry v2 batches too) or were refused, which
    /// <paramref name="error"/> then says.
    /// </summary>
    public static PooledBufferWriter? UpConvert(ref ReadOnlyMemory<byte> records, LogConfig config, out ProduceValidationError? error)
    {
        error = null;
        if (records.Length <= MagicOffset || records.Span[MagicOffset] > 1)
        {
            return null;
        }
        var converted = new PooledBufferWriter(records.Length + 128);
        try
        {
            error = CheckSizes(records, config) ?? Convert(records, converted, config);
            if (error is null)
            {
                records = converted.WrittenMemory;
                return converted;
            }
        }
        catch
        {
            converted.Dispose();
            throw;
        }
        converted.Dispose();
        return null;
    }

    private static ProduceValidationError? CheckSizes(ReadOnlyMemory<byte> records, LogConfig config)
    {
        try
        {
            var messages = new LegacyMessageEnumerator(records);
            while (messages.MoveNext())
            {
                if (messages.Current.SizeInBytes > config.MaxMessageBytes)
                {
                    return new(ErrorCode.MessageTooLarge, $"The message size in the append ({messages.Current.SizeInBytes} bytes) exceeds max.message.bytes ({config.MaxMessageBytes})");
                }
            }
            return null;
        }
        catch (CorruptRecordException e)
        {
            return new(ErrorCode.CorruptMessage, e.Message);
        }
    }

    private static ProduceValidationError? Convert(ReadOnlyMemory<byte> records, PooledBufferWriter output, LogConfig config)
    {
        try
        {
            LegacyMessageSetConverter.ToRecordBatch(records, output, LogValidator.MaxDecompressedBytes(config));
            return null;
        }
        catch (CorruptRecordException e)
        {
            return new(ErrorCode.CorruptMessage, e.Message);
        }
        catch (UnsupportedCompressionTypeException e)
        {
            return new(ErrorCode.UnsupportedCompressionType, e.Message);
        }
        catch (Exception e) when (e is InvalidRecordException or DecompressionLimitExceededException)
        {
            return new(ErrorCode.InvalidRecord, e.Message);
        }
    }
}
