using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace KafkaCompat.ProtocolGen.Spec;

/// <summary>
/// Writes a spec back in Kafka's JSON schema carrying only wire facts: names,
/// types, versions, nullability, tags, defaults, map keys and entity types.
/// Descriptive text is dropped. The output is canonical (one field per line,
/// fixed key order), so two specs carry the same wire facts exactly when their
/// renderings are equal; that is how protocol-specs/ is checked against an
/// upstream Kafka checkout.
/// </summary>
public static class SpecFactsWriter
{
    public static string Write(MessageSpec spec)
    {
        var sb = new StringBuilder();
        sb.Append("{\n");
        var top = new List<string>();
        if (spec.ApiKey is { } apiKey)
        {
            top.Add(Pair("apiKey", apiKey.ToString(CultureInfo.InvariantCulture)));
        }
        top.Add(Pair("type", Quote(spec.Type)));
        top.Add(Pair("name", Quote(spec.Name)));
        if (spec.Listeners.Count > 0)
        {
            top.Add(Pair("listeners", "[" + string.Join(", ", spec.Listeners.Select(Quote)) + "]"));
        }
        top.Add(Pair("validVersions", Quote(spec.ValidVersions.ToString())));
        if (spec.DeprecatedVersions is { } deprecated)
        {
            top.Add(Pair("deprecatedVersions", Quote(deprecated.ToString())));
        }
        top.Add(Pair("flexibleVersions", Quote(spec.FlexibleVersions.ToString())));
        if (spec.LatestVersionUnstable)
        {
            top.Add(Pair("latestVersionUnstable", "true"));
        }
        foreach (var line in top)
        {
            sb.Append("  ").Append(line).Append(",\n");
        }
        sb.Append("  \"fields\": ");
        WriteFields(sb, spec.Fields, 1);
        if (spec.CommonStructs.Count > 0)
        {
            sb.Append(",\n  \"commonStructs\": [\n");
            for (var i = 0; i < spec.CommonStructs.Count; i++)
            {
                var s = spec.CommonStructs[i];
                sb.Append("    { ").Append(Pair("name", Quote(s.Name))).Append(", ")
                  .Append(Pair("versions", Quote(s.Versions.ToString()))).Append(", \"fields\": ");
                WriteFields(sb, s.Fields, 2);
                sb.Append(" }").Append(i + 1 < spec.CommonStructs.Count ? ",\n" : "\n");
            }
            sb.Append("  ]");
        }
        sb.Append("\n}\n");
        return sb.ToString();
    }

    private static void WriteFields(StringBuilder sb, IReadOnlyList<FieldSpec> fields, int depth)
    {
        if (fields.Count == 0)
        {
            sb.Append("[]");
            return;
        }
        var indent = new string(' ', (depth + 1) * 2);
        sb.Append("[\n");
        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            sb.Append(indent).Append("{ ").Append(string.Join(", ", FieldFacts(f)));
            if (f.DefinesStruct)
            {
                sb.Append(", \"fields\": ");
                WriteFields(sb, f.Fields, depth + 1);
            }
            sb.Append(" }").Append(i + 1 < fields.Count ? ",\n" : "\n");
        }
        sb.Append(new string(' ', depth * 2)).Append(']');
    }

    private static IEnumerable<string> FieldFacts(FieldSpec f)
    {
        yield return Pair("name", Quote(f.Name));
        yield return Pair("type", Quote(f.Type.SpecName));
        yield return Pair("versions", Quote(f.Versions.ToString()));
        if (!f.NullableVersions.IsEmpty)
        {
            yield return Pair("nullableVersions", Quote(f.NullableVersions.ToString()));
        }
        if (!f.TaggedVersions.IsEmpty)
        {
            yield return Pair("taggedVersions", Quote(f.TaggedVersions.ToString()));
        }
        if (f.Tag is { } tag)
        {
            yield return Pair("tag", tag.ToString(CultureInfo.InvariantCulture));
        }
        if (f.FlexibleVersions is { } flexible)
        {
            yield return Pair("flexibleVersions", Quote(flexible.ToString()));
        }
        if (f.Default is { } def)
        {
            yield return Pair("default", Quote(def));
        }
        if (f.Ignorable)
        {
            yield return Pair("ignorable", "true");
        }
        if (f.MapKey)
        {
            yield return Pair("mapKey", "true");
        }
        if (f.ZeroCopy)
        {
            yield return Pair("zeroCopy", "true");
        }
        if (f.EntityType is { } entity)
        {
            yield return Pair("entityType", Quote(entity));
        }
    }

    private static string Pair(string key, string value) => $"\"{key}\": {value}";

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Quote(string s) => JsonSerializer.Serialize(s, Relaxed);
}
