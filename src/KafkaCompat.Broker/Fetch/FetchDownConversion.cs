using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Fetch;

/// <summary>
/// Fetch v0-3 predate record batch v2 (KIP-98), so what a partition read is down-converted as
/// Kafka does: magic 0 for v0-1, magic 1 for v2-3 (<see cref="RecordBatchDownConverter"/>).
/// v0-2 have a hard size limit (before KIP-74 a partition's first message that did not fit was
/// sent cut, and the client reported it as too large); v3 gets the first message whole. A batch
/// compressed with zstd cannot be carried by a legacy message: the partition answers
/// UNSUPPORTED_COMPRESSION_TYPE, as Kafka does for clients that predate KIP-110. A topic with
/// message.downconversion.enable=false (KIP-283; the broker default is
/// log.message.downconversion.enable) answers UNSUPPORTED_VERSION instead of converting.
/// </summary>
public static class FetchDownConversion
{
    /// <summary>The highest Fetch version that needs legacy message sets.</summary>
    public const short LastLegacyVersion = 3;

    public static byte MagicFor(short fetchVersion) => fetchVersion <= 1 ? (byte)0 : (byte)1;

    public static bool Enabled(BrokerConfig broker, TopicImage? topic) =>
        topic is null || !bool.TryParse(TopicConfigs.Value(broker, topic.Configs, TopicConfigDefinitions.Find(TopicConfigDefinitions.MessageDownConversionEnable)!), out var enabled) || enabled;

    /// <summary>
    /// The converted records, in a buffer the caller owns (null when <paramref name="error"/> is not None).
    /// <paramref name="firstInResponse"/>: no other partition of the response returned data yet.
    /// </summary>
    public static PooledBufferWriter? Convert(LogReadResult read, long fetchOffset, short fetchVersion, int maxBytes, bool firstInResponse, LogConfig config, bool enabled, out ErrorCode error)
    {
        if (!enabled)
        {
            error = ErrorCode.UnsupportedVersion;
            return null;
        }
        var converted = new PooledBufferWriter(Math.Min(read.Records.Length + 256, Math.Max(maxBytes, 0) + 256));
        try
        {
            var hardMaxBytes = fetchVersion <= 2 || !firstInResponse;
            RecordBatchDownConverter.Convert(read.Records, fetchOffset, MagicFor(fetchVersion), maxBytes, hardMaxBytes, converted, Replication.LogValidator.MaxDecompressedBytes(config));
            error = ErrorCode.None;
            return converted;
        }
        catch (UnsupportedCompressionTypeException)
        {
            error = ErrorCode.UnsupportedCompressionType;
        }
        catch (RecordsException)
        {
            error = ErrorCode.CorruptMessage;
        }
        converted.Dispose();
        return null;
    }
}
