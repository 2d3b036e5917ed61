using KafkaCompat.Records;

namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// One message of a legacy message set (magic 0/1), as <see cref="LegacyMessageSet"/> reads it;
/// <see cref="Timestamp"/> is null in magic 0, which has none.
/// </summary>
public sealed record LegacyMessage(byte Magic, CompressionType Compression, bool ValidCrc, long? Timestamp, ReadOnlyMemory<byte>? Key, ReadOnlyMemory<byte>? Value);
