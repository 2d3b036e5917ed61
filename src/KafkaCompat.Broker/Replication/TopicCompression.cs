using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Replication;

/// <summary>
/// A topic's compression.type: "producer" (the default) stores batches as the producer
/// compressed them; any codec (or "uncompressed") has each batch with another codec re-encoded on
/// append, as Kafka's LogValidator does. The only place a produced batch is rebuilt.
/// </summary>
public static class TopicCompression
{
    /// <summary>
    /// The bytes to append: <paramref name="records"/> themselves when nothing needs re-encoding
    /// (then <paramref name="owner"/> is null), else the re-encoded batches in a pooled buffer that
    /// the caller disposes once they are appended. A re-encoded batch larger than max.message.bytes
    /// is refused, as Kafka refuses it.
    /// </summary>
    public static ReadOnlyMemory<byte> Apply(ReadOnlyMemory<byte> records, LogConfig config, out PooledBufferWriter? owner, out ProduceValidationError? error)
    {
        error = null;
        owner = null;
        if (config.Compression is not { } target || !NeedsRewrite(records, target))
        {
            return records;
        }
        var output = owner = new PooledBufferWriter(records.Length);
        foreach (var batch in new RecordBatchSet(records))
        {
            var size = RecordBatchRewriter.Recompress(batch, target, output, LogValidator.MaxDecompressedBytes(config));
            if (size > config.MaxMessageBytes)
            {
                error = new(ErrorCode.MessageTooLarge,
                    $"The record batch re-encoded with the topic's compression.type is {size} bytes, more than max.message.bytes ({config.MaxMessageBytes})");
                return ReadOnlyMemory<byte>.Empty;
            }
        }
        return output.WrittenMemory;
    }

    private static bool NeedsRewrite(ReadOnlyMemory<byte> records, CompressionType target)
    {
        foreach (var batch in new RecordBatchSet(records))
        {
            if (batch.Compression != target)
            {
                return true;
            }
        }
        return false;
    }
}
