namespace KafkaCompat.ProtocolGen.Spec;

public enum FieldKind
{
    Bool,
    Int8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    Float64,
    String,
    Uuid,
    Bytes,
    Records,
    Struct,
    Array,
}

/// <summary>A field's type: a primitive, a struct (by name) or an array of either.</summary>
public sealed record FieldType(FieldKind Kind, string SpecName, FieldType? Element = null)
{
    public bool IsArray => Kind == FieldKind.Array;
    public bool IsStruct => Kind == FieldKind.Struct;
    public bool IsStructArray => Kind == FieldKind.Array && Element!.Kind == FieldKind.Struct;

    /// <summary>Strings, bytes, records, arrays and structs may be null in the versions that allow it.</summary>
    public bool CanBeNullable => Kind is FieldKind.String or FieldKind.Bytes or FieldKind.Records or FieldKind.Array or FieldKind.Struct;

    /// <summary>Types whose encoding switches between classic and compact with flexible versions.</summary>
    public bool HasCompactForm => Kind is FieldKind.String or FieldKind.Bytes or FieldKind.Records or FieldKind.Array;

    public string StructName => Kind switch
    {
        FieldKind.Struct => SpecName,
        FieldKind.Array when Element!.IsStruct => Element.SpecName,
        _ => throw new InvalidOperationException($"{SpecName} is not a struct type"),
    };

    public static FieldType Parse(string text)
    {
        if (text.StartsWith("[]", StringComparison.Ordinal))
        {
            var element = Parse(text[2..]);
            if (element.IsArray)
            {
                throw new FormatException($"nested arrays are not part of the schema: {text}");
            }
            return new FieldType(FieldKind.Array, text, element);
        }
        return text switch
        {
            "bool" => new FieldType(FieldKind.Bool, text),
            "int8" => new FieldType(FieldKind.Int8, text),
            "int16" => new FieldType(FieldKind.Int16, text),
            "uint16" => new FieldType(FieldKind.UInt16, text),
            "int32" => new FieldType(FieldKind.Int32, text),
            "uint32" => new FieldType(FieldKind.UInt32, text),
            "int64" => new FieldType(FieldKind.Int64, text),
            "float64" => new FieldType(FieldKind.Float64, text),
            "string" => new FieldType(FieldKind.String, text),
            "uuid" => new FieldType(FieldKind.Uuid, text),
            "bytes" => new FieldType(FieldKind.Bytes, text),
            "records" => new FieldType(FieldKind.Records, text),
            _ when text.Length > 0 && char.IsUpper(text[0]) => new FieldType(FieldKind.Struct, text),
            _ => throw new FormatException($"unknown field type '{text}'"),
        };
    }

    public override string ToString() => SpecName;
}
