namespace KafkaCompat.Network;

/// <summary>
/// Bytes sent at a place in a response frame without being copied into it (a fetch response's
/// log segment bytes): <see cref="Position"/> is the offset in the encoded frame, after the size
/// prefix, where they go.
/// </summary>
public readonly record struct FrameSplice(int Position, ReadOnlyMemory<byte> Bytes);
