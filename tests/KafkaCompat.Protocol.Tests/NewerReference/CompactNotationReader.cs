using System.Globalization;
using System.Text.RegularExpressions;
using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests.NewerReference;

/// <summary>
/// Reads the compact protocol notation of ../shared/kafka-protocol-newer (one file per API key): a
/// "XRequest =&gt; key N, max version M, flexible vK+" line, then one field per line indented two spaces
/// per level, "Name: type" with an optional "// vA+", "// vA-vB" or "// tag N" after it, "=&gt;" for a
/// struct, "[=&gt;]" for an array of structs, "[T]" for an array, "nullable" prefixes, defaults in
/// parentheses, enums by name, and "not top level" structs that other fields name as their type.
/// The response that follows a request shares its key and versions. Comment lines are skipped: only
/// the wire facts are read.
/// </summary>
public static partial class CompactNotationReader
{
    private sealed class Node(string name, string kind, Versions? versions, int? tag)
    {
        public string Name { get; } = name;
        public string Kind { get; set; } = kind;
        public Versions? Versions { get; } = versions;
        public int? Tag { get; } = tag;
        public string? StructRef { get; set; }
        public List<Node> Children { get; } = [];
    }

    public static IReadOnlyList<ReferenceMessage> ReadFolder(string folder)
    {
        var enums = ReadEnumTypes(Path.Combine(folder, "enums"));
        var commonStructs = new Dictionary<string, Node>();
        var messages = new List<(string Name, short Key, bool IsRequest, short Max, Versions Flexible, Node Root)>();
        foreach (var file in Directory.GetFiles(folder).Where(f => ApiFileName().IsMatch(Path.GetFileName(f))).Order(StringComparer.Ordinal))
        {
            short key = -1, max = -1;
            var flexible = Versions.None;
            var stack = new List<Node>();
            foreach (var raw in File.ReadLines(file))
            {
                if (raw.Trim().Length == 0 || raw.TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }
                var comment = raw.IndexOf("//", StringComparison.Ordinal);
                var body = (comment >= 0 ? raw[..comment] : raw).TrimEnd();
                var annotation = comment >= 0 ? raw[(comment + 2)..].Trim() : "";
                var depth = (body.Length - body.TrimStart().Length) / 2;
                if (depth == 0)
                {
                    var header = TopLevel().Match(body);
                    if (!header.Success)
                    {
                        throw new FormatException($"{file}: unexpected top-level line '{raw}'");
                    }
                    var name = header.Groups["name"].Value;
                    var rest = header.Groups["rest"].Value;
                    var root = new Node(name, "struct", null, null);
                    stack = [root];
                    if (rest.Contains("not top level", StringComparison.Ordinal))
                    {
                        commonStructs[name] = root;
                        continue;
                    }
                    var isRequest = name.EndsWith("Request", StringComparison.Ordinal);
                    if (isRequest)
                    {
                        var facts = RequestFacts().Match(rest);
                        key = short.Parse(facts.Groups["key"].Value, CultureInfo.InvariantCulture);
                        max = short.Parse(facts.Groups["max"].Value, CultureInfo.InvariantCulture);
                        flexible = facts.Groups["flex"].Success
                            ? new Versions(short.Parse(facts.Groups["flex"].Value, CultureInfo.InvariantCulture), short.MaxValue)
                            : Versions.None;
                    }
                    messages.Add((name, key, isRequest, max, flexible, root));
                    continue;
                }
                if (depth > stack.Count)
                {
                    throw new FormatException($"{file}: line indented past its parent: '{raw}'");
                }
                var node = ParseField(body.Trim(), annotation, enums, file);
                stack[depth - 1].Children.Add(node);
                stack.RemoveRange(depth, stack.Count - depth);
                stack.Add(node);
            }
        }
        return messages
            .Select(m => new ReferenceMessage(m.Name, m.Key, m.IsRequest, m.Max, m.Flexible, Freeze(m.Root, commonStructs).Fields))
            .ToList();
    }

    private static Node ParseField(string body, string annotation, IReadOnlyDictionary<string, string> enums, string file)
    {
        Versions? versions = null;
        int? tag = null;
        var range = VersionAnnotation().Match(annotation);
        if (range.Success)
        {
            var lo = short.Parse(range.Groups["lo"].Value, CultureInfo.InvariantCulture);
            versions = range.Groups["hi"].Success
                ? new Versions(lo, short.Parse(range.Groups["hi"].Value, CultureInfo.InvariantCulture))
                : new Versions(lo, short.MaxValue);
        }
        var tagMatch = TagAnnotation().Match(annotation);
        if (tagMatch.Success)
        {
            tag = int.Parse(tagMatch.Groups["tag"].Value, CultureInfo.InvariantCulture);
        }
        // The two shorthand fields every throttled response and timed request carries: an int32.
        var shorthand = Shorthand().Match(body);
        if (shorthand.Success)
        {
            return new Node(shorthand.Groups["name"].Value, "int32", versions, tag);
        }
        var colon = body.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new FormatException($"{file}: no type in '{body}'");
        }
        var name = body[..colon].Trim();
        var type = Nullable().Replace(body[(colon + 1)..].Trim(), "");
        var isArray = type.StartsWith('[');
        var element = isArray ? type.Trim('[', ']') : type;
        var node = new Node(name, "", versions, tag);
        string kind;
        if (element.StartsWith("=>", StringComparison.Ordinal))
        {
            kind = "struct";
        }
        else
        {
            element = Default().Replace(Nullable().Replace(element, ""), "");
            element = NullableSuffix().Replace(element, "");
            if (element.StartsWith("enum-", StringComparison.Ordinal))
            {
                kind = enums[element["enum-".Length..]];
            }
            else if (Primitives.Contains(element))
            {
                kind = element;
            }
            else
            {
                kind = "struct";
                node.StructRef = element;
            }
        }
        node.Kind = isArray ? "[]" + kind : kind;
        return node;
    }

    private static ReferenceField Freeze(Node node, IReadOnlyDictionary<string, Node> commonStructs)
    {
        var children = node.StructRef is { } name ? commonStructs[name].Children : node.Children;
        return new ReferenceField(node.Name, node.Kind, node.Versions, node.Tag, children.Select(c => Freeze(c, commonStructs)).ToList());
    }

    private static Dictionary<string, string> ReadEnumTypes(string path)
    {
        var types = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(path))
        {
            var m = EnumHeader().Match(line);
            if (m.Success)
            {
                types[m.Groups["name"].Value] = m.Groups["type"].Value;
            }
        }
        return types;
    }

    private static readonly HashSet<string> Primitives =
        ["bool", "int8", "int16", "uint16", "int32", "int64", "uint32", "float64", "string", "bytes", "uuid"];

    [GeneratedRegex(@"^\d\d_[a-z_]+$")]
    private static partial Regex ApiFileName();

    [GeneratedRegex(@"^(?<name>\w+) =>\s*(?<rest>.*)$")]
    private static partial Regex TopLevel();

    [GeneratedRegex(@"key (?<key>\d+), max version (?<max>\d+)(, flexible v(?<flex>\d+)\+)?")]
    private static partial Regex RequestFacts();

    [GeneratedRegex(@"^v(?<lo>\d+)(\+|-v(?<hi>\d+))")]
    private static partial Regex VersionAnnotation();

    [GeneratedRegex(@"\btag (?<tag>\d+)")]
    private static partial Regex TagAnnotation();

    [GeneratedRegex(@"^(?<name>ThrottleMillis|TimeoutMillis)(\(.*\))?$")]
    private static partial Regex Shorthand();

    // "nullable", "nullable-" and "nullable-v1+" before a type: nullability is not compared.
    [GeneratedRegex(@"^nullable(-v\d+\+)?-?")]
    private static partial Regex Nullable();

    [GeneratedRegex(@"-v\d+\+$")]
    private static partial Regex NullableSuffix();

    [GeneratedRegex(@"\(.*\)$")]
    private static partial Regex Default();

    [GeneratedRegex(@"^(?<name>\w+) (?<type>u?int\d+)\b.*\($")]
    private static partial Regex EnumHeader();
}
