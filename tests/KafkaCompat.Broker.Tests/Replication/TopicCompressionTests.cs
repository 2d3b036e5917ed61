using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Replication;

/// <summary>
/// The validator's one walk describes the batches for the log (<see cref="LogAppendInfo"/>); a
/// topic codec that re-encodes them hands the log a description of the new bytes instead.
/// </summary>
public class TopicCompressionTests
{
    private const long Now = 1_700_000_000_000;

    [Test]
    public void TheValidatorDescribesEveryBatchForTheLog()
    {
        var first = Batch(CompressionType.None, records: 3);
        var second = Batch(CompressionType.Gzip, records: 2, producerId: 9, baseSequence: 4);

        Assert.That(LogValidator.Validate(Concat(first, second), LogConfig.Default, 9, Now, out var info), Is.Null);

        Assert.That((info.BatchCount, info.Bytes, info.OffsetCount), Is.EqualTo((2, first.Length + second.Length, 5L)));
        Assert.That(info[1], Is.EqualTo(new BatchInfo(first.Length, second.Length, 3, 1, Now + 1, 9, 0, 4, (short)CompressionType.Gzip)));
    }

    [Test]
    public void ReEncodedBatches_AreDescribedAnew()
    {
        var gzip = Batch(CompressionType.Gzip, records: 4, producerId: 9, baseSequence: 0);
        var config = LogConfig.Default with { Compression = CompressionType.None };
        LogValidator.Validate(gzip, config, 9, Now, out var info);

        var stored = TopicCompression.Apply(gzip, config, ref info, out var owner, out var error);
        using var _ = owner;

        Assert.That(error, Is.Null);
        Assert.That(owner, Is.Not.Null);
        Assert.That(info.Bytes, Is.EqualTo(stored.Length));
        Assert.That(info[0].CompressionCodecId, Is.EqualTo((int)CompressionType.None));
        Assert.That((info[0].OffsetCount, info[0].ProducerId, info[0].BaseSequence, info[0].MaxTimestamp), Is.EqualTo((4L, 9L, 0, Now + 3)));
    }

    [Test]
    public void AReEncodedBatchOverMaxMessageBytes_IsMessageTooLarge()
    {
        // Zeros compress to almost nothing: the gzip batch fits, the uncompressed one does not.
        var gzip = Batch(CompressionType.Gzip, records: 10, valueSize: 200);
        var config = LogConfig.Default with { Compression = CompressionType.None, MaxMessageBytes = gzip.Length + 100 };
        Assert.That(LogValidator.Validate(gzip, config, 9, Now, out var info), Is.Null);

        TopicCompression.Apply(gzip, config, ref info, out var owner, out var error);
        using var _ = owner;

        Assert.That(error!.Error, Is.EqualTo(ErrorCode.MessageTooLarge));
        Assert.That(error.Message, Does.Contain("max.message.bytes"));
    }

    [Test]
    public void WithNothingToReEncode_TheRecordsAndTheirDescriptionPassThrough()
    {
        var batch = Batch(CompressionType.Lz4, records: 2);
        var config = LogConfig.Default with { Compression = CompressionType.Lz4 };
        LogValidator.Validate(batch, config, 9, Now, out var info);
        var described = info[0];

        var stored = TopicCompression.Apply(batch, config, ref info, out var owner, out var error);

        Assert.That((error, owner), Is.EqualTo(((ProduceValidationError?)null, (PooledBufferWriter?)null)));
        Assert.That(stored.Length, Is.EqualTo(batch.Length));
        Assert.That((info.BatchCount, info[0]), Is.EqualTo((1, described)));
    }

    private static byte[] Batch(CompressionType compression, int records, long producerId = -1, int baseSequence = -1, int valueSize = 1)
    {
        using var builder = new RecordBatchBuilder(compression) { ProducerId = producerId, ProducerEpoch = (short)(producerId >= 0 ? 0 : -1), BaseSequence = baseSequence };
        for (var i = 0; i < records; i++)
        {
            builder.Append(Now + i, null, new byte[valueSize]);
        }
        return builder.ToArray();
    }

    private static byte[] Concat(params byte[][] batches) => [.. batches.SelectMany(b => b)];
}
