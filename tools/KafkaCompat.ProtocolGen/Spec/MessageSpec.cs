namespace KafkaCompat.ProtocolGen.Spec;

/// <summary>A struct declared under a message's <c>commonStructs</c>.</summary>
public sealed record StructSpec(string Name, Versions Versions, IReadOnlyList<FieldSpec> Fields);

/// <summary>A whole spec file: a request, response, header, data or metadata record definition.</summary>
public sealed class MessageSpec
{
    public required string Name { get; init; }
    /// <summary>request, response, header, data or metadata.</summary>
    public required string Type { get; init; }
    public short? ApiKey { get; init; }
    public required Versions ValidVersions { get; init; }
    public required Versions FlexibleVersions { get; init; }
    public Versions? DeprecatedVersions { get; init; }
    public bool LatestVersionUnstable { get; init; }
    public IReadOnlyList<string> Listeners { get; init; } = [];
    public required IReadOnlyList<FieldSpec> Fields { get; init; }
    public IReadOnlyList<StructSpec> CommonStructs { get; init; } = [];
    public string? About { get; init; }

    public bool IsApiMessage => Type is "request" or "response";
}
