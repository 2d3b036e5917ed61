using System.Text.RegularExpressions;

namespace KafkaCompat.Protocol.Tests.NewerReference;

/// <summary>
/// Kafka's field names (which protocol-specs/ keeps) against the reference notation's, which names
/// the same fields in its own style: shorter ("Partition" for PartitionIndex, "Topic" for Name),
/// "Millis" for "Ms", "ID" for "Id", and collections after what they hold ("Topics" for Responses).
/// Both names are cut into words; the words that only decorate (Id, Index, Name, Ms, ...) are
/// dropped, and the two match when one's remaining words are all among the other's, after the
/// synonyms below. Positions and types are compared separately, so a lenient name check cannot
/// hide a field out of place.
/// </summary>
internal static partial class FieldNames
{
    /// <summary>Words that say how a value is carried, not what it is.</summary>
    private static readonly HashSet<string> Decorations =
        ["id", "ids", "index", "indexe", "name", "time", "timestamp", "ms", "data", "node", "value", "v", "0", "3", "and", "below", "key", "filter"];

    /// <summary>
    /// The reference's word, and the words Kafka uses for the same thing (only pairs that occur).
    /// Collections: Kafka names the per-topic or per-resource arrays of many responses Responses or Results.
    /// </summary>
    private static readonly Dictionary<string, string[]> Synonyms = new()
    {
        ["topic"] = ["response", "result", "ungrouped"],
        ["group"] = ["result"],
        ["resource"] = ["response", "result"],
        ["dir"] = ["path", "result"],
        ["transaction"] = ["transactional"],
        ["committed"] = ["result"],
        ["commit"] = ["committed"],
        ["offset"] = ["batch"],
        ["relative"] = ["batch"],
        ["byte"] = ["record"],
        ["replica"] = ["broker"],
        ["broker"] = ["endpoint"],
        ["zk"] = ["partition", "epoch"],
        ["sasl"] = ["auth"],
        ["op"] = ["operation", "config"],
        ["config"] = ["configuration", "synonym", "client", "metric"],
        ["supported"] = ["mechanism"],
        ["detail"] = ["token"],
        ["protocol"] = ["member"],
        // A misspelling in the reference (AlterPartitionResponse v2+).
        ["topid"] = ["topic"],
    };

    public static bool Match(string reference, string kafka)
    {
        if (string.Equals(reference, kafka, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var theirs = Words(reference);
        var ours = Words(kafka);
        if (theirs.Count == 0 || ours.Count == 0)
        {
            // A bare "Name", "Id", "Index" or "Timestamp" stands for what the other side names: only these.
            var named = theirs.Count == 0 ? ours : theirs;
            return named.IsSubsetOf(Generic);
        }
        return theirs.All(w => ours.Contains(w) || (Synonyms.TryGetValue(w, out var alts) && alts.Any(ours.Contains)))
            || ours.All(w => theirs.Contains(w) || theirs.Any(t => Synonyms.TryGetValue(t, out var alts) && alts.Contains(w)));
    }

    private static readonly HashSet<string> Generic = ["topic", "partition", "coordinator", "entity", "broker", "replica", "commit"];

    private static HashSet<string> Words(string name) =>
        WordPattern().Matches(name)
            .Select(m => Singular(m.Value.ToLowerInvariant().Replace("millis", "ms", StringComparison.Ordinal)))
            .Where(w => !Decorations.Contains(w))
            .ToHashSet();

    private static string Singular(string word) => word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) ? word[..^1] : word;

    [GeneratedRegex(@"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")]
    private static partial Regex WordPattern();
}
