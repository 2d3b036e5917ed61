using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The metadata log: KRaft's <c>__cluster_metadata-0</c> partition, holding
/// one record batch per metadata change (null keys, framed records as
/// values), written through the same log engine as every topic and flushed
/// before a change is acknowledged.
/// </summary>
public sealed class LogMetadataJournal(LogManager logs, TimeProvider time) : IMetadataJournal
{
    public static readonly TopicPartition Partition = new("__cluster_metadata", 0);

    private PartitionLog Log => logs.GetLog(Partition) ?? logs.GetOrCreateLog(Partition);

    public IEnumerable<IKafkaMessage> Replay()
    {
        var log = Log;
        var records = new List<IKafkaMessage>();
        var offset = log.LogStartOffset;
        while (offset < log.LogEndOffset)
        {
            using var read = log.Read(offset, 1 << 20, log.LogEndOffset, minOneBatch: true);
            if (read.Error != ErrorCode.None || read.Records.IsEmpty)
            {
                throw new InvalidOperationException($"metadata log unreadable at offset {offset}: {read.Error}");
            }
            foreach (var batch in new RecordBatchSet(read.Records))
            {
                using var reader = batch.OpenRecords(64 << 20);
                foreach (var record in reader)
                {
                    if (record.Offset >= offset && record.Value is { } value)
                    {
                        records.Add(MetadataRecordSerde.Deserialize(value));
                    }
                }
                offset = batch.NextOffset;
            }
        }
        log.UpdateHighWatermark(log.LogEndOffset);
        return records;
    }

    public void Append(IReadOnlyList<IKafkaMessage> records)
    {
        using var builder = new RecordBatchBuilder();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var record in records)
        {
            builder.Append(now, (byte[]?)null, MetadataRecordSerde.Serialize(record));
        }
        var log = Log;
        var result = log.Append(builder.ToArray(), leaderEpoch: 0);
        if (result.Error != ErrorCode.None)
        {
            throw new InvalidOperationException($"metadata log append failed: {result.Error} {result.ErrorMessage}");
        }
        log.Flush();
        log.UpdateHighWatermark(log.LogEndOffset);
    }
}
