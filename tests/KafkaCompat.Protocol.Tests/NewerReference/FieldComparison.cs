using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests.NewerReference;

/// <summary>
/// Compares one version of a message: the reference's fields with protocol-specs' fields, struct by
/// struct. Untagged fields are paired by wire position (their order is the encoding), then checked for
/// name (<see cref="FieldNames"/>) and type; tagged fields are paired by tag. The reference does not
/// say in which versions a tagged field exists, so at the highest version every reference tag must be
/// present, and in every version each tag protocol-specs carries must be one the reference knows.
/// </summary>
internal sealed class FieldComparison(
    IReadOnlyDictionary<string, IReadOnlyList<FieldSpec>> commonStructs,
    Versions flexibleVersions,
    short version,
    short highestVersion,
    List<string> problems)
{
    public void Compare(string path, IReadOnlyList<ReferenceField> theirs, IReadOnlyList<FieldSpec> ours)
    {
        var theirUntagged = theirs.Where(f => f.Tag is null && (f.Versions?.Contains(version) ?? true)).ToList();
        var ourUntagged = ours.Where(f => f.Versions.Contains(version) && !f.TaggedVersions.Contains(version)).ToList();
        for (var i = 0; i < Math.Max(theirUntagged.Count, ourUntagged.Count); i++)
        {
            if (i >= theirUntagged.Count)
            {
                problems.Add($"{path} v{version}: {ourUntagged[i].Name} is not in the reference");
            }
            else if (i >= ourUntagged.Count)
            {
                problems.Add($"{path} v{version}: the reference's {theirUntagged[i].Name} ({theirUntagged[i].Kind}) is missing");
            }
            else
            {
                CompareOne(path, theirUntagged[i], ourUntagged[i]);
            }
        }
        if (!flexibleVersions.Contains(version))
        {
            return;
        }
        var theirTagged = theirs.Where(f => f.Tag is not null).ToDictionary(f => f.Tag!.Value);
        var ourTagged = ours.Where(f => f.Tag is not null && f.Versions.Contains(version) && f.TaggedVersions.Contains(version)).ToDictionary(f => f.Tag!.Value);
        foreach (var (tag, field) in ourTagged)
        {
            if (theirTagged.TryGetValue(tag, out var their))
            {
                CompareOne(path, their, field);
            }
            else
            {
                problems.Add($"{path} v{version}: tagged {field.Name} (tag {tag}) is not in the reference");
            }
        }
        if (version == highestVersion)
        {
            foreach (var (tag, field) in theirTagged.Where(t => !ourTagged.ContainsKey(t.Key)))
            {
                problems.Add($"{path} v{version}: the reference's tagged {field.Name} (tag {tag}) is missing");
            }
        }
    }

    private void CompareOne(string path, ReferenceField theirs, FieldSpec ours)
    {
        var where = $"{path}.{ours.Name} v{version}";
        if (!FieldNames.Match(theirs.Name, ours.Name))
        {
            problems.Add($"{where}: the reference names it {theirs.Name}");
        }
        var kind = KindOf(ours.Type);
        if (kind != theirs.Kind)
        {
            problems.Add($"{where}: type {kind}, the reference says {theirs.Kind}");
            return;
        }
        if (kind.EndsWith("struct", StringComparison.Ordinal))
        {
            var fields = ours.DefinesStruct ? ours.Fields : commonStructs[ours.Type.StructName];
            Compare(where, theirs.Fields, fields);
        }
    }

    /// <summary>Kafka's "records" travel as bytes; a struct is compared by its fields, not its name.</summary>
    private static string KindOf(FieldType type) => type.Kind switch
    {
        FieldKind.Array => "[]" + KindOf(type.Element!),
        FieldKind.Struct => "struct",
        FieldKind.Records => "bytes",
        _ => type.SpecName,
    };
}
