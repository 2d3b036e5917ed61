using System.Reflection;
using KafkaCompat.ProtocolGen;
using KafkaCompat.ProtocolGen.CodeGen;
using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests;

/// <summary>The project's specs paired with the generated classes they produced.</summary>
public static class SpecCatalog
{
    public sealed record Entry(MessageSpec Spec, Type Class, IReadOnlyDictionary<string, IReadOnlyList<FieldSpec>> Structs)
    {
        public override string ToString() => Spec.Name;
    }

    public static IReadOnlyList<Entry> All { get; } = Load();

    private static List<Entry> Load()
    {
        var assembly = typeof(IKafkaMessage).Assembly;
        var entries = new List<Entry>();
        foreach (var (path, spec) in SpecReader.ReadFolder(RepoPaths.ProtocolSpecs))
        {
            var ns = Generator.NamespaceFor(RepoPaths.ProtocolSpecs, path);
            var type = assembly.GetType($"{ns}.{MessageModel.ClassNameOf(spec)}", throwOnError: true)!;
            entries.Add(new Entry(spec, type, StructsOf(spec)));
        }
        return entries;
    }

    private static Dictionary<string, IReadOnlyList<FieldSpec>> StructsOf(MessageSpec spec)
    {
        var structs = new Dictionary<string, IReadOnlyList<FieldSpec>>();
        foreach (var common in spec.CommonStructs)
        {
            structs[common.Name] = common.Fields;
        }
        void Walk(IEnumerable<FieldSpec> fields)
        {
            foreach (var f in fields.Where(f => f.DefinesStruct))
            {
                structs[f.Type.StructName] = f.Fields;
                Walk(f.Fields);
            }
        }
        Walk(spec.Fields);
        foreach (var common in spec.CommonStructs)
        {
            Walk(common.Fields);
        }
        return structs;
    }

    /// <summary>
    /// The C# property that carries a spec field: its name in PascalCase (a few old specs spell fields
    /// in camelCase), with "Value" added where that would clash with a generated member.
    /// </summary>
    public static PropertyInfo Property(Type type, FieldSpec field)
    {
        var name = char.ToUpperInvariant(field.Name[0]) + field.Name[1..];
        return type.GetProperty(name) is { } p && p.DeclaringType == type && p.Name != "Size"
            ? p
            : type.GetProperty(name + "Value") ?? throw new MissingMemberException(type.Name, field.Name);
    }
}
