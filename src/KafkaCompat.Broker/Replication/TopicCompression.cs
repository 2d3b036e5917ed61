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
    /// The bytes to append and what the log needs to know of them: <paramref name="records"/> and
    /// <paramref name="appendInfo"/> themselves when nothing needs re-encoding (then
    /// <paramref name="owner"/> is null), else the re-encoded batches in a pooled buffer that the
    /// caller disposes once they are appended, with a new <paramref name="appendInfo"/> read from
    /// them. A re-encoded batch larger than max.message.bytes is refused, as Kafka refuses it.
    /// </summary>
    public static ReadOnlyMemory<byte> Apply(ReadOnlyMemory<byte> records, LogConfig config, ref LogAppendInfo appendInfo, out PooledBufferWriter? owner, out ProduceValidationError? error)
    {
        error = null;
        owner = null;
        if (config.Compression is not { } target || !NeedsRewrite(in appendInfo, target))
        {
            return records;
        }
        var output = owner = new PooledBufferWriter(records.Length);
        var rewritten = new LogAppendInfo();
        for (var i = 0; i < appendInfo.BatchCount; i++)
        {
            var source = appendInfo[i];
            var start = output.WrittenCount;
            RecordBatchRewriter.Recompress(new RecordBatch(records.Slice(source.Position, source.Size)), target, output, LogValidator.MaxDecompressedBytes(config));
            if (!rewritten.TryAdd(output.WrittenSpan[start..], config, out var tooLarge))
            {
                error = new(ErrorCode.MessageTooLarge, $"Re-encoded with the topic's compression.type: {tooLarge}", i);
                return ReadOnlyMemory<byte>.Empty;
            }
        }
        appendInfo = rewritten;
        return output.WrittenMemory;
    }

    private static bool NeedsRewrite(in LogAppendInfo appendInfo, CompressionType target)
    {
        for (var i = 0; i < appendInfo.BatchCount; i++)
        {
            if (appendInfo[i].CompressionCodecId != (int)target)
            {
                return true;
            }
        }
        return false;
    }
}
