using KafkaCompat.Broker.Share.Partitions;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Share;

/// <summary>
/// What one ShareFetch acquired from one partition: the log batches holding the acquired records, a
/// slice of the log read itself (the batches are not copied; the answer owns the read until it is
/// sent), and the acquired offset ranges the member may process.
/// </summary>
public sealed class ShareAcquisition(ErrorCode error, string? message, LogReadResult? read, ReadOnlyMemory<byte> records, IReadOnlyList<AcquiredRange> ranges)
{
    public static readonly ShareAcquisition Nothing = new(ErrorCode.None, null, null, ReadOnlyMemory<byte>.Empty, []);

    public ErrorCode Error { get; } = error;

    public string? Message { get; } = message;

    public LogReadResult? Read { get; } = read;

    public ReadOnlyMemory<byte> Records { get; } = records;

    public IReadOnlyList<AcquiredRange> Ranges { get; } = ranges;

    public static ShareAcquisition Failed(ErrorCode error, string? message) => new(error, message, null, ReadOnlyMemory<byte>.Empty, []);
}
