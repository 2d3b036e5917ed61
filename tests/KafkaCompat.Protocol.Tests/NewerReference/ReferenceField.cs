using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests.NewerReference;

/// <summary>
/// A field of the compact reference notation, reduced to its wire facts. Kind is a primitive
/// ("int32", "string", ...), "struct", or "[]" and an element kind; Versions is null when the
/// line names no range (the field is in every version of its message).
/// </summary>
public sealed record ReferenceField(string Name, string Kind, Versions? Versions, int? Tag, IReadOnlyList<ReferenceField> Fields);
