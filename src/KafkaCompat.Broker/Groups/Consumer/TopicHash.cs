using System.Buffers.Binary;
using System.IO.Hashing;
using KafkaCompat.Broker.Metadata;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// KIP-1101's metadata hash, computed as Kafka 4.1+ computes it so that the MetadataHash it stores in
/// ConsumerGroupMetadataValue means the same here: a topic's hash is XXH3-64 (seed 0) over a magic
/// byte 0, its id's two halves, its name, its partition count and, per partition, its index (and the
/// sorted racks of its replicas, each as its length then itself); a group's is XXH3-64 over its existing subscribed topics' hashes in
/// name order (0 for none). Values go in little-endian and a string as its UTF-16 code units
/// followed by its length, the encoding of the hash streams Kafka uses.
/// </summary>
public static class TopicHash
{
    private const byte MagicByte = 0;

    /// <summary>The hash of the group's subscribed topics that exist in <paramref name="image"/>.</summary>
    public static long Group(IEnumerable<string> topicNames, MetadataImage image)
    {
        var hashes = topicNames.Distinct(StringComparer.Ordinal).Where(name => image.Topic(name) is not null)
            .Order(StringComparer.Ordinal).Select(name => Topic(image.Topic(name)!)).ToList();
        if (hashes.Count == 0)
        {
            return 0;
        }
        var bytes = new byte[hashes.Count * 8];
        for (var i = 0; i < hashes.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), hashes[i]);
        }
        return (long)XxHash3.HashToUInt64(bytes);
    }

    /// <summary>
    /// A topic's hash. This node reports no rack (<c>broker.rack</c> is not acted on), so no partition
    /// has racks to add: what Kafka computes for a cluster without racks.
    /// </summary>
    public static long Topic(TopicImage topic)
    {
        var stream = new MemoryStream();
        var writer = new HashInput(stream);
        writer.Byte(MagicByte);
        writer.Long(topic.Id.MostSignificantBits);
        writer.Long(topic.Id.LeastSignificantBits);
        writer.String(topic.Name);
        writer.Int(topic.Partitions.Length);
        for (var i = 0; i < topic.Partitions.Length; i++)
        {
            writer.Int(i);
        }
        return (long)XxHash3.HashToUInt64(stream.GetBuffer().AsSpan(0, (int)stream.Length));
    }

    private readonly struct HashInput(MemoryStream stream)
    {
        public void Byte(byte value) => stream.WriteByte(value);

        public void Int(int value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
            stream.Write(bytes);
        }

        public void Long(long value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            stream.Write(bytes);
        }

        public void String(string value)
        {
            Span<byte> bytes = stackalloc byte[2];
            foreach (var c in value)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, c);
                stream.Write(bytes);
            }
            Int(value.Length);
        }
    }
}
