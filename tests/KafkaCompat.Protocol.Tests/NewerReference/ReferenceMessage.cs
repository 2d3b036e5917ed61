using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests.NewerReference;

/// <summary>One request or response of the compact reference notation.</summary>
public sealed record ReferenceMessage(string Name, short ApiKey, bool IsRequest, short MaxVersion, Versions FlexibleVersions, IReadOnlyList<ReferenceField> Fields);
