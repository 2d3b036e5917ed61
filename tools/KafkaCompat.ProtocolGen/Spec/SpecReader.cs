using System.Globalization;
using System.Text.Json;

namespace KafkaCompat.ProtocolGen.Spec;

/// <summary>
/// Reads Kafka's JSON message schema (as in Kafka's own source tree, where files
/// carry <c>//</c> comments) into <see cref="MessageSpec"/>. Unknown keys are an
/// error so that a schema change upstream is noticed rather than silently dropped.
/// </summary>
public static class SpecReader
{
    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly HashSet<string> MessageKeys =
    [
        "apiKey", "type", "name", "validVersions", "flexibleVersions", "deprecatedVersions",
        "latestVersionUnstable", "listeners", "fields", "commonStructs", "about",
    ];

    private static readonly HashSet<string> FieldKeys =
    [
        "name", "type", "versions", "nullableVersions", "taggedVersions", "tag", "default",
        "ignorable", "mapKey", "entityType", "zeroCopy", "flexibleVersions", "fields", "about",
    ];

    public static MessageSpec ReadFile(string path)
    {
        try
        {
            return Read(File.ReadAllText(path));
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Every *.json spec under a folder (recursively), ordered by path for stable output.</summary>
    public static IReadOnlyList<(string Path, MessageSpec Spec)> ReadFolder(string folder) =>
        Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(p => (p, ReadFile(p)))
            .ToList();

    public static MessageSpec Read(string json)
    {
        using var doc = JsonDocument.Parse(json, Options);
        var root = doc.RootElement;
        CheckKeys(root, MessageKeys, "message");
        var name = root.GetProperty("name").GetString()!;
        return new MessageSpec
        {
            Name = name,
            Type = root.GetProperty("type").GetString()!,
            ApiKey = root.TryGetProperty("apiKey", out var key) ? checked((short)IntValue(key)) : null,
            ValidVersions = Versions.Parse(root.GetProperty("validVersions").GetString()),
            FlexibleVersions = Versions.Parse(OptionalString(root, "flexibleVersions"), Versions.None),
            DeprecatedVersions = OptionalString(root, "deprecatedVersions") is { } dep ? Versions.Parse(dep) : null,
            LatestVersionUnstable = root.TryGetProperty("latestVersionUnstable", out var unstable) && unstable.GetBoolean(),
            Listeners = root.TryGetProperty("listeners", out var listeners)
                ? listeners.EnumerateArray().Select(l => l.GetString()!).ToList()
                : [],
            Fields = ReadFields(root, name),
            CommonStructs = root.TryGetProperty("commonStructs", out var common)
                ? common.EnumerateArray().Select(ReadCommonStruct).ToList()
                : [],
            About = OptionalString(root, "about"),
        };
    }

    private static StructSpec ReadCommonStruct(JsonElement e)
    {
        var name = e.GetProperty("name").GetString()!;
        return new StructSpec(name, Versions.Parse(OptionalString(e, "versions"), Versions.All), ReadFields(e, name));
    }

    private static List<FieldSpec> ReadFields(JsonElement parent, string context) =>
        parent.TryGetProperty("fields", out var fields)
            ? fields.EnumerateArray().Select(f => ReadField(f, context)).ToList()
            : [];

    private static FieldSpec ReadField(JsonElement e, string context)
    {
        CheckKeys(e, FieldKeys, context);
        var name = e.GetProperty("name").GetString()!;
        var tagged = Versions.Parse(OptionalString(e, "taggedVersions"), Versions.None);
        return new FieldSpec
        {
            Name = name,
            Type = FieldType.Parse(e.GetProperty("type").GetString()!.Trim()),
            // A field with only taggedVersions is present exactly in those versions.
            Versions = Versions.Parse(OptionalString(e, "versions"), tagged.IsEmpty ? null : tagged),
            NullableVersions = Versions.Parse(OptionalString(e, "nullableVersions"), Versions.None),
            TaggedVersions = tagged,
            Tag = e.TryGetProperty("tag", out var tag) ? IntValue(tag) : null,
            Default = e.TryGetProperty("default", out var def) ? DefaultText(def) : null,
            Ignorable = OptionalBool(e, "ignorable"),
            MapKey = OptionalBool(e, "mapKey"),
            EntityType = OptionalString(e, "entityType"),
            ZeroCopy = OptionalBool(e, "zeroCopy"),
            FlexibleVersions = OptionalString(e, "flexibleVersions") is { } flex ? Versions.Parse(flex) : null,
            About = OptionalString(e, "about"),
            Fields = ReadFields(e, $"{context}.{name}"),
        };
    }

    // Specs write defaults as strings ("-1") and sometimes as bare JSON values (-1, false, null).
    private static string DefaultText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!.Trim(),
        JsonValueKind.Null => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => e.GetRawText(),
        _ => throw new FormatException($"unsupported default {e.GetRawText()}"),
    };

    // A few specs write numbers as strings ("tag": "0").
    private static int IntValue(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? int.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetInt32();

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetString() : null;

    private static bool OptionalBool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => bool.Parse(v.GetString()!),
            _ => throw new FormatException($"'{name}' must be a boolean"),
        };

    private static void CheckKeys(JsonElement e, HashSet<string> allowed, string context)
    {
        foreach (var p in e.EnumerateObject())
        {
            if (!allowed.Contains(p.Name))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{context}: unknown key '{p.Name}'"));
            }
        }
    }
}
