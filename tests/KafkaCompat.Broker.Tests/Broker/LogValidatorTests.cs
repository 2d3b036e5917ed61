using System.Buffers.Binary;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Broker;

public class LogValidatorTests
{
    private static byte[] Batch(Action<RecordBatchBuilder>? configure = null, byte[]? key = null, int records = 2)
    {
        using var builder = new RecordBatchBuilder();
        configure?.Invoke(builder);
        for (var i = 0; i < records; i++)
        {
            builder.Append(1_700_000_000_000 + i, key, new byte[] { (byte)i });
        }
        return builder.ToArray();
    }

    private const long Now = 1_700_000_000_000;

    private static ProduceValidationError? Validate(byte[] records, LogConfig? config = null, short version = 9) =>
        LogValidator.Validate(records, config ?? LogConfig.Default, version, Now);

    [Test]
    public void AWellFormedBatchPasses() => Assert.That(Validate(Batch()), Is.Null);

    [Test]
    public void ACorruptedByteIsCorruptMessage()
    {
        var batch = Batch();
        batch[^1] ^= 0xff;
        Assert.That(Validate(batch)!.Error, Is.EqualTo(ErrorCode.CorruptMessage));
    }

    [Test]
    public void ABatchOverMaxMessageBytesIsMessageTooLarge()
    {
        var batch = Batch();
        Assert.That(Validate(batch, LogConfig.Default with { MaxMessageBytes = batch.Length - 1 })!.Error, Is.EqualTo(ErrorCode.MessageTooLarge));
        Assert.That(Validate(batch, LogConfig.Default with { MaxMessageBytes = batch.Length }), Is.Null);
    }

    [Test]
    public void ClientsSendBaseOffsetZero()
    {
        var batch = Batch(b => b.BaseOffset = 7);
        var error = Validate(batch)!;
        Assert.That(error.Error, Is.EqualTo(ErrorCode.InvalidRecord));
        Assert.That(error.BatchIndex, Is.Zero);
    }

    [Test]
    public void ClientsMayNotProduceControlBatches() =>
        Assert.That(Validate(Batch(b => b.IsControl = true))!.Error, Is.EqualTo(ErrorCode.InvalidRecord));

    [Test]
    public void CompactedTopicsNeedKeys()
    {
        var compacted = LogConfig.Default with { CleanupPolicy = ["compact"] };
        Assert.That(Validate(Batch(), compacted)!.Error, Is.EqualTo(ErrorCode.InvalidRecord));
        Assert.That(Validate(Batch(key: [1]), compacted), Is.Null);
    }

    [Test]
    public void ACompressedBatchPassesUnderALargeMaxMessageBytes()
    {
        // 64 times max.message.bytes, the bound on what a batch may inflate to, must not overflow an int.
        var batch = Batch(records: 3);
        using var builder = new RecordBatchBuilder(CompressionType.Gzip);
        builder.Append(Now, [1], [2]).Append(Now, [3], [4]);
        Assert.That(Validate(builder.ToArray(), LogConfig.Default with { MaxMessageBytes = 50_000_000 }), Is.Null);
        Assert.That(Validate(builder.ToArray(), LogConfig.Default with { MaxMessageBytes = int.MaxValue }), Is.Null);
        Assert.That(Validate(batch, LogConfig.Default with { MaxMessageBytes = int.MaxValue }), Is.Null);
    }

    [Test]
    public void EveryKeylessRecordOfACompactedTopicIsListed()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(Now, [1], [0]).Append(Now, null, [1]).Append(Now, [3], [2]).Append(Now, null, [3]);
        var error = Validate(builder.ToArray(), LogConfig.Default with { CleanupPolicy = ["compact"] })!;
        Assert.That(error.Error, Is.EqualTo(ErrorCode.InvalidRecord));
        Assert.That(error.RecordErrors!.Select(e => e.RecordIndex), Is.EqualTo(new[] { 1, 3 }), "the second and the fourth record have no key");
    }

    [Test]
    public void CreateTimeTimestampsOutsideTheBeforeAndAfterLimitsAreInvalidTimestamps()
    {
        var limits = LogConfig.Default with { MessageTimestampBeforeMaxMs = 60_000, MessageTimestampAfterMaxMs = 1_000 };
        using var builder = new RecordBatchBuilder();
        builder.Append(Now - 60_000, null, [0]).Append(Now - 60_001, null, [1]).Append(Now + 1_000, null, [2]).Append(Now + 1_001, null, [3]).Append(-1, null, [4]);
        var error = Validate(builder.ToArray(), limits)!;
        Assert.That(error.Error, Is.EqualTo(ErrorCode.InvalidTimestamp));
        Assert.That(error.RecordErrors!.Select(e => e.RecordIndex), Is.EqualTo(new[] { 1, 3 }), "one millisecond past each limit; NO_TIMESTAMP (-1) is not checked");
    }

    [Test]
    public void ByDefaultATimestampMoreThanAnHourAheadIsRefusedAndAnyPastOneAccepted()
    {
        // Kafka 4.0's defaults: message.timestamp.after.max.ms = 3600000, before.max.ms = Long.MaxValue.
        using var builder = new RecordBatchBuilder();
        builder.Append(Now + 3_600_000, null, [0]).Append(Now + 3_600_001, null, [1]).Append(0, null, [2]);
        var error = Validate(builder.ToArray(), LogConfig.Default)!;
        Assert.That(error.Error, Is.EqualTo(ErrorCode.InvalidTimestamp));
        Assert.That(error.RecordErrors!.Select(e => e.RecordIndex), Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void LogAppendTimeBatchesAreNotCheckedForTimestamps()
    {
        var limits = LogConfig.Default with { MessageTimestampBeforeMaxMs = 0, MessageTimestampAfterMaxMs = 0 };
        Assert.That(Validate(Batch(b => b.LogAppendTime = Now - 1_000_000), limits), Is.Null);
    }

    [Test]
    public void ARecordCountThatDisagreesWithTheRecordsIsInvalid()
    {
        var batch = Batch();
        // Claim 3 records and last offset delta 2 while holding 2; fix the CRC so only the count is wrong.
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(57), 3);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(23), 2);
        RecordBatch.UpdateCrc(batch);
        Assert.That(Validate(batch)!.Error, Is.EqualTo(ErrorCode.InvalidRecord));
    }

    [Test]
    public void ZstdNeedsProduceV7()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Zstd);
        builder.Append(1, (byte[]?)null, new byte[] { 1 });
        var batch = builder.ToArray();
        Assert.That(Validate(batch, version: 6)!.Error, Is.EqualTo(ErrorCode.UnsupportedCompressionType));
        Assert.That(Validate(batch, version: 7), Is.Null);
    }

    [Test]
    public void TrailingGarbageAndEmptyRecordsAreCorrupt()
    {
        Assert.That(Validate([.. Batch(), 1, 2, 3])!.Error, Is.EqualTo(ErrorCode.CorruptMessage));
        Assert.That(Validate([])!.Error, Is.EqualTo(ErrorCode.CorruptMessage));
    }
}
