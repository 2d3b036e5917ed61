using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.ProtocolGen.CodeGen;

/// <summary>A struct to emit as a class: the message itself or one of its nested structs.</summary>
public sealed class StructModel
{
    public required string SpecName { get; init; }
    public required string ClassName { get; set; }
    /// <summary>Fully qualified C# name (global::...), safe to use anywhere in generated code.</summary>
    public required string QualifiedName { get; set; }
    public required IReadOnlyList<FieldSpec> Fields { get; init; }
    public bool IsMessage { get; init; }
    /// <summary>Name of the keyed collection class when some array of this struct has a mapKey.</summary>
    public string? CollectionName { get; set; }
}

/// <summary>
/// Resolves a message's struct types: inline definitions, commonStructs and
/// references to either, and gives each a C# class name that does not clash
/// with the members of the class it is nested in.
/// </summary>
public sealed class MessageModel
{
    public MessageSpec Spec { get; }
    public string Namespace { get; }
    public StructModel Root { get; }
    public IReadOnlyList<StructModel> Structs => _structs;

    private readonly List<StructModel> _structs = [];
    private readonly Dictionary<string, StructModel> _bySpecName = new(StringComparer.Ordinal);

    /// <summary>
    /// The C# property for a field: its spec name in C#'s PascalCase (a few old specs spell fields
    /// in camelCase, as validateOnly), with "Value" added when that clashes with a member every
    /// generated class has (FetchSnapshotResponse has a field called Size).
    /// </summary>
    public static string PropertyName(string fieldName)
    {
        var name = char.ToUpperInvariant(fieldName[0]) + fieldName[1..];
        return GeneratedMembers.Contains(name) ? name + "Value" : name;
    }

    private static readonly HashSet<string> GeneratedMembers =
    [
        "Read", "Write", "Size", "Equals", "GetHashCode", "ToString", "GetType", "UnknownTaggedFields",
        "ReadNew", "LowestVersion", "HighestVersion",
    ];

    public MessageModel(MessageSpec spec, string ns)
    {
        Spec = spec;
        Namespace = ns;
        var className = ClassNameOf(spec);
        Root = new StructModel
        {
            SpecName = spec.Name,
            ClassName = className,
            QualifiedName = $"global::{ns}.{className}",
            Fields = spec.Fields,
            IsMessage = true,
        };
        foreach (var common in spec.CommonStructs)
        {
            Define(common.Name, common.Fields);
        }
        Collect(spec.Fields);
        foreach (var s in spec.CommonStructs)
        {
            Collect(s.Fields);
        }
        CheckReferences(spec.Fields);
        AssignNames();
    }

    /// <summary>Kafka's convention: RPC and header classes end in "Data"; records keep their names.</summary>
    public static string ClassNameOf(MessageSpec spec) =>
        spec.Type is "request" or "response" or "header" ? spec.Name + "Data" : spec.Name;

    public StructModel StructOf(FieldSpec field) =>
        _bySpecName.TryGetValue(field.Type.StructName, out var s)
            ? s
            : throw new FormatException($"{Spec.Name}: field {field.Name} refers to unknown struct {field.Type.StructName}");

    private void Collect(IReadOnlyList<FieldSpec> fields)
    {
        foreach (var f in fields)
        {
            if (f.DefinesStruct)
            {
                Define(f.Type.StructName, f.Fields);
                Collect(f.Fields);
            }
        }
    }

    private void Define(string name, IReadOnlyList<FieldSpec> fields)
    {
        if (_bySpecName.ContainsKey(name))
        {
            throw new FormatException($"{Spec.Name}: struct {name} is defined twice");
        }
        var model = new StructModel { SpecName = name, ClassName = name, QualifiedName = "", Fields = fields };
        _bySpecName[name] = model;
        _structs.Add(model);
    }

    private void CheckReferences(IReadOnlyList<FieldSpec> fields)
    {
        foreach (var f in fields)
        {
            if (f.Type.IsStruct || f.Type.IsStructArray)
            {
                _ = StructOf(f);
            }
            CheckReferences(f.Fields);
        }
    }

    private void AssignNames()
    {
        // Nested classes share the message class's member names with its properties.
        var taken = new HashSet<string>(Root.Fields.Select(f => PropertyName(f.Name)), StringComparer.Ordinal) { Root.ClassName };
        taken.UnionWith(GeneratedMembers);
        foreach (var s in _structs)
        {
            var name = s.SpecName;
            while (taken.Contains(name) || s.Fields.Any(f => PropertyName(f.Name) == name))
            {
                name += "Data";
            }
            taken.Add(name);
            s.ClassName = name;
            s.QualifiedName = $"{Root.QualifiedName}.{name}";
        }
        // Arrays of a struct with a mapKey field get a collection that can be searched by key.
        foreach (var s in _structs.Where(s => s.Fields.Any(f => f.MapKey)))
        {
            var name = s.ClassName + "Collection";
            while (taken.Contains(name))
            {
                name += "Data";
            }
            taken.Add(name);
            s.CollectionName = name;
        }
    }

}
