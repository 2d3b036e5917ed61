using System.Collections;
using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// Fills generated messages with random contents, driven by the spec (not by
/// the generated code): only fields that exist in the chosen version get
/// values, null only where that version allows it, and flexible versions get
/// unknown tagged fields too.
/// </summary>
internal sealed class RandomMessages(int seed)
{
    private readonly Random _random = new(seed);
    private static readonly string[] Words = ["", "a", "topic-1", "grüße", "日本語", "__consumer_offsets", "x/y.z", "kafka"];

    public object Create(SpecCatalog.Entry entry, short version)
    {
        var message = Activator.CreateInstance(entry.Class)!;
        Fill(message, entry.Spec.Fields, entry, version, depth: 0);
        return message;
    }

    private void Fill(object target, IReadOnlyList<FieldSpec> fields, SpecCatalog.Entry entry, short version, int depth)
    {
        var type = target.GetType();
        foreach (var field in fields)
        {
            if (!field.Versions.Contains(version))
            {
                continue;
            }
            var property = SpecCatalog.Property(type, field);
            // Leave some values at their defaults (tagged fields are then not written at all).
            if (_random.Next(5) == 0)
            {
                continue;
            }
            if (field.NullableVersions.Contains(version) && _random.Next(6) == 0)
            {
                property.SetValue(target, null);
                continue;
            }
            property.SetValue(target, Value(field, property.PropertyType, entry, version, depth));
        }
        if (entry.Spec.FlexibleVersions.Contains(version) && _random.Next(3) == 0)
        {
            type.GetProperty(nameof(IKafkaMessage.UnknownTaggedFields))!.SetValue(target, UnknownTags(fields));
        }
    }

    /// <summary>Tags above every known tag, ascending, as a newer peer would send them.</summary>
    private List<RawTaggedField> UnknownTags(IReadOnlyList<FieldSpec> fields)
    {
        var tag = fields.Where(f => f.Tag.HasValue).Select(f => f.Tag!.Value).DefaultIfEmpty(-1).Max() + 1 + _random.Next(3);
        var list = new List<RawTaggedField>();
        for (var i = _random.Next(1, 3); i > 0; i--)
        {
            list.Add(new RawTaggedField(tag, Bytes(_random.Next(0, 6))));
            tag += 1 + _random.Next(200);
        }
        return list;
    }

    private object? Value(FieldSpec field, Type propertyType, SpecCatalog.Entry entry, short version, int depth)
    {
        var type = field.Type;
        return type.Kind switch
        {
            FieldKind.Struct => Struct(type.StructName, Nullable.GetUnderlyingType(propertyType) ?? propertyType, entry, version, depth),
            FieldKind.Array => Array(type.Element!, propertyType, entry, version, depth),
            _ => Scalar(type.Kind),
        };
    }

    private object Struct(string name, Type classType, SpecCatalog.Entry entry, short version, int depth)
    {
        var value = Activator.CreateInstance(classType)!;
        Fill(value, entry.Structs[name], entry, version, depth + 1);
        return value;
    }

    private IList Array(FieldType element, Type listType, SpecCatalog.Entry entry, short version, int depth)
    {
        var list = (IList)Activator.CreateInstance(listType)!;
        var elementType = listType.GetGenericArguments().FirstOrDefault() ?? listType.BaseType!.GetGenericArguments()[0];
        var count = depth > 3 ? 0 : _random.Next(0, 4);
        for (var i = 0; i < count; i++)
        {
            list.Add(element.IsStruct ? Struct(element.StructName, elementType, entry, version, depth) : Scalar(element.Kind));
        }
        return list;
    }

    private object Scalar(FieldKind kind) => kind switch
    {
        FieldKind.Bool => _random.Next(2) == 1,
        FieldKind.Int8 => (sbyte)_random.Next(sbyte.MinValue, sbyte.MaxValue + 1),
        FieldKind.Int16 => (short)_random.Next(short.MinValue, short.MaxValue + 1),
        FieldKind.UInt16 => (ushort)_random.Next(0, ushort.MaxValue + 1),
        FieldKind.Int32 => _random.Next(int.MinValue, int.MaxValue),
        FieldKind.UInt32 => (uint)_random.NextInt64(0, uint.MaxValue + 1L),
        FieldKind.Int64 => _random.NextInt64(long.MinValue, long.MaxValue),
        FieldKind.Float64 => (_random.NextDouble() - 0.5) * 1e6,
        FieldKind.String => Words[_random.Next(Words.Length)] + new string('k', _random.Next(0, 3)),
        FieldKind.Uuid => new Uuid(_random.NextInt64(), _random.NextInt64()),
        FieldKind.Bytes or FieldKind.Records => Bytes(_random.Next(0, 40)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private ReadOnlyMemory<byte> Bytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }
}
