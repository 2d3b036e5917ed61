namespace KafkaCompat.Protocol;

/// <summary>Helpers for generated code: unknown tagged fields are written back between known ones in ascending tag order.</summary>
public static class TaggedFields
{
    /// <summary>Writes the unknown fields from <paramref name="index"/> whose tag is below <paramref name="tag"/>; returns the next index.</summary>
    public static int WriteUnknownBefore(ref KafkaWriter writer, List<RawTaggedField>? unknown, int index, int tag)
    {
        if (unknown is null)
        {
            return index;
        }
        while (index < unknown.Count && unknown[index].Tag < tag)
        {
            var field = unknown[index++];
            writer.WriteUnsignedVarInt((uint)field.Tag);
            writer.WriteUnsignedVarInt((uint)field.Data.Length);
            writer.WriteRaw(field.Data.Span);
        }
        return index;
    }

    public static int UnknownSize(List<RawTaggedField>? unknown)
    {
        if (unknown is null)
        {
            return 0;
        }
        var size = 0;
        foreach (var field in unknown)
        {
            size += KafkaSize.UnsignedVarInt((uint)field.Tag) + KafkaSize.UnsignedVarInt((uint)field.Data.Length) + field.Data.Length;
        }
        return size;
    }
}
