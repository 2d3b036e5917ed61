namespace KafkaCompat.ProtocolGen.Spec;

/// <summary>One field of a message or struct, with the wire facts the schema gives it.</summary>
public sealed class FieldSpec
{
    public required string Name { get; init; }
    public required FieldType Type { get; init; }
    public required Versions Versions { get; init; }
    public Versions NullableVersions { get; init; } = Versions.None;
    public Versions TaggedVersions { get; init; } = Versions.None;
    public int? Tag { get; init; }
    /// <summary>The default exactly as written in the spec ("-1", "null", "0x7fffffff", "true"...), or null when none is given.</summary>
    public string? Default { get; init; }
    public bool Ignorable { get; init; }
    public bool MapKey { get; init; }
    public string? EntityType { get; init; }
    public bool ZeroCopy { get; init; }
    /// <summary>Overrides the message's flexible versions for this field's own encoding (string/bytes only).</summary>
    public Versions? FlexibleVersions { get; init; }
    public string? About { get; init; }
    /// <summary>Inline struct definition (for struct and struct-array types); empty when the type is defined elsewhere.</summary>
    public IReadOnlyList<FieldSpec> Fields { get; init; } = [];

    public bool IsTagged => Tag.HasValue;
    public bool DefinesStruct => Fields.Count > 0;
}
