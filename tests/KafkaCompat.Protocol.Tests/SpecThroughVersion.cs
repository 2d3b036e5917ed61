using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// A spec cut down to the versions up to a given one, as an older spec of the same message would state
/// them: protocol-specs/ runs ahead of the late-2024 upstream folder (newer versions and fields), and
/// within upstream's versions the two must state the same facts. A range ending at or past the cut
/// becomes open-ended ("0-12" cut at 11 is "0+", as upstream wrote it before the field was retired);
/// fields and common structs that only exist in later versions disappear.
/// </summary>
public static class SpecThroughVersion
{
    /// <param name="spec">The spec to cut.</param>
    /// <param name="highest">The last version kept.</param>
    /// <param name="latestVersionUnstable">
    /// "latestVersionUnstable" speaks of the highest version only: cut, the spec's highest version is another
    /// one, whose stability the older spec states and the newer one does not; the caller says it.
    /// </param>
    public static MessageSpec Cut(MessageSpec spec, short highest, bool latestVersionUnstable)
    {
        if (spec.ValidVersions.IsEmpty || spec.ValidVersions.Highest <= highest)
        {
            return spec;
        }
        return new MessageSpec
        {
            Name = spec.Name,
            Type = spec.Type,
            ApiKey = spec.ApiKey,
            ValidVersions = new Versions(spec.ValidVersions.Lowest, highest),
            FlexibleVersions = Cut(spec.FlexibleVersions, highest),
            DeprecatedVersions = spec.DeprecatedVersions is { } deprecated ? Cut(deprecated, highest) : null,
            LatestVersionUnstable = latestVersionUnstable,
            Listeners = spec.Listeners,
            Fields = Cut(spec.Fields, highest),
            CommonStructs = spec.CommonStructs
                .Where(s => !Cut(s.Versions, highest).IsEmpty)
                .Select(s => new StructSpec(s.Name, Cut(s.Versions, highest), Cut(s.Fields, highest)))
                .ToList(),
            About = spec.About,
        };
    }

    private static List<FieldSpec> Cut(IReadOnlyList<FieldSpec> fields, short highest) =>
        fields.Where(f => !Cut(f.Versions, highest).IsEmpty).Select(f => new FieldSpec
        {
            Name = f.Name,
            Type = f.Type,
            Versions = Cut(f.Versions, highest),
            NullableVersions = Cut(f.NullableVersions, highest),
            TaggedVersions = Cut(f.TaggedVersions, highest),
            Tag = Cut(f.TaggedVersions, highest).IsEmpty ? null : f.Tag,
            Default = f.Default,
            Ignorable = f.Ignorable,
            MapKey = f.MapKey,
            EntityType = f.EntityType,
            ZeroCopy = f.ZeroCopy,
            FlexibleVersions = f.FlexibleVersions is { } flexible ? Cut(flexible, highest) : null,
            About = f.About,
            Fields = Cut(f.Fields, highest),
        }).ToList();

    private static Versions Cut(Versions versions, short highest) =>
        versions.IsEmpty || versions.Lowest > highest ? Versions.None
        : versions.Highest >= highest ? new Versions(versions.Lowest, short.MaxValue)
        : versions;
}
