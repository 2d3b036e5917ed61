using System.Buffers.Binary;
using System.Text;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// Reads the topics out of a consumer's member metadata (ConsumerProtocolSubscription: int16 version,
/// then the topic array first in every version). Only the topics are read, so a subscription that
/// stops early is still understood: @platformatic/kafka 1.35.0 writes version 1 without the
/// OwnedPartitions that version requires.
/// </summary>
public static class ConsumerSubscription
{
    /// <summary>The subscribed topics, or null when the bytes do not start like a subscription.</summary>
    public static IReadOnlyList<string>? Topics(ReadOnlySpan<byte> metadata)
    {
        if (metadata.Length < 6 || BinaryPrimitives.ReadInt16BigEndian(metadata) < 0)
        {
            return null;
        }
        var count = BinaryPrimitives.ReadInt32BigEndian(metadata[2..]);
        var position = 6;
        if (count < 0 || count > metadata.Length)
        {
            return null;
        }
        var topics = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            if (position + 2 > metadata.Length)
            {
                return null;
            }
            var length = BinaryPrimitives.ReadInt16BigEndian(metadata[position..]);
            position += 2;
            if (length < 0 || position + length > metadata.Length)
            {
                return null;
            }
            topics.Add(Encoding.UTF8.GetString(metadata.Slice(position, length)));
            position += length;
        }
        return topics;
    }
}
