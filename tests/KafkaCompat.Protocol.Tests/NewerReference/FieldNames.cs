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
    /// The reference's word, and the words Kafka uses for the same thing. Collections: Kafka names
    /// the per-topic or per-partition arrays of many responses Responses or Results.
    /// </summary>
    private static readonly Dictionary<string, string[]> Synonyms = new()
    {
        ["topic"] = ["response", "result", "state", "ungrouped"],
        ["partition"] = ["response", "result", "error", "state"],
        ["group"] = ["result", "state"],
        ["resource"] = ["result", "response"],
        ["dir"] = ["result", "path"],
        ["transaction"] = ["result", "transactional", "txn"],
        ["generation"] = ["epoch"],
        ["offset"] = ["committed", "batch"],
        ["instance"] = ["group"],
        ["isr"] = ["new", "with", "epoch"],
        ["replica"] = ["broker"],
        ["broker"] = ["endpoint"],
        ["record"] = ["batch", "unaligned"],
        ["byte"] = ["record"],
        // A misspelling in the reference (AlterPartitionResponse v2+).
        ["topid"] = ["topic"],
        ["error"] = ["batch"],
        ["zk"] = ["partition", "epoch"],
        ["commit"] = ["committed", "result"],
        ["committed"] = ["result"],
        ["relative"] = ["batch"],
        ["renew"] = ["period"],
        ["sasl"] = ["auth"],
        ["op"] = ["operation", "config"],
        ["detail"] = ["token"],
        ["size"] = ["partition"],
        ["config"] = ["configuration", "synonym", "topic", "client", "metric"],
        ["supported"] = ["mechanism"],
        ["type"] = ["entity"],
        ["source"] = ["config"],
        ["metadata"] = ["member", "committed", "protocol"],
        ["protocol"] = ["member"],
        ["state"] = ["group", "transaction"],
        ["start"] = ["transaction"],
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
            // "Name" or "Index" alone: it stands for the topic or partition the reference names.
            return (theirs.Count == 0 && ours.Count == 0) || theirs.IsSubsetOf(Generic) || ours.IsSubsetOf(Generic);
        }
        return theirs.All(w => ours.Contains(w) || (Synonyms.TryGetValue(w, out var alts) && alts.Any(ours.Contains)))
            || ours.All(w => theirs.Contains(w) || theirs.Any(t => Synonyms.TryGetValue(t, out var alts) && alts.Contains(w)));
    }

    private static readonly HashSet<string> Generic = ["topic", "partition", "group", "entity", "resource"];

    private static HashSet<string> Words(string name) =>
        WordPattern().Matches(name)
            .Select(m => Singular(m.Value.ToLowerInvariant().Replace("millis", "ms", StringComparison.Ordinal)))
            .Where(w => !Decorations.Contains(w))
            .ToHashSet();

    private static string Singular(string word) => word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) ? word[..^1] : word;

    [GeneratedRegex(@"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")]
    private static partial Regex WordPattern();
}
