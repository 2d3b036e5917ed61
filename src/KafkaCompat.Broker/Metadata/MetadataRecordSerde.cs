using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Metadata;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// Frames a metadata record as KRaft stores it in a record's value:
/// unsigned varint frame version (1), record type, record version, then the record.
/// </summary>
public static class MetadataRecordSerde
{
    private const uint FrameVersion = 1;

    public static byte[] Serialize(IKafkaMessage record)
    {
        var type = (uint)MetadataRecords.TypeOf(record);
        var version = record.HighestSupportedVersion;
        var size = KafkaSize.UnsignedVarInt(FrameVersion) + KafkaSize.UnsignedVarInt(type) + KafkaSize.UnsignedVarInt((uint)version) + record.Size(version);
        var buffer = new byte[size];
        var writer = new KafkaWriter(buffer);
        writer.WriteUnsignedVarInt(FrameVersion);
        writer.WriteUnsignedVarInt(type);
        writer.WriteUnsignedVarInt((uint)version);
        record.Write(ref writer, version);
        return buffer;
    }

    public static IKafkaMessage Deserialize(ReadOnlyMemory<byte> value)
    {
        var reader = new KafkaReader(value);
        var frame = reader.ReadUnsignedVarInt();
        if (frame != FrameVersion)
        {
            throw new MalformedMessageException($"metadata record frame version {frame}, expected {FrameVersion}");
        }
        var record = MetadataRecords.New((MetadataRecordType)(short)reader.ReadUnsignedVarInt());
        record.Read(ref reader, (short)reader.ReadUnsignedVarInt());
        return record;
    }
}
