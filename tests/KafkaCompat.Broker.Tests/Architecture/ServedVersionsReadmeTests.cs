using KafkaCompat.Broker.Tests.Groups;

namespace KafkaCompat.Broker.Tests.Architecture;

/// <summary>
/// The README's "Served API versions" table is what ApiVersions advertises: one row per handler the
/// broker composes, with its key and version range, and no row for an API it does not serve.
/// </summary>
public class ServedVersionsReadmeTests
{
    private const string Heading = "### Served API versions";

    [Test]
    public async Task TheReadmeTableListsExactlyTheServedVersions()
    {
        await using var harness = new GroupHarness();
        var served = harness.Handlers.Handlers
            .Select(h => $"{h.ApiKey} | {(short)h.ApiKey} | {h.Versions.Lowest}-{h.Versions.Highest}");

        // Equivalence rather than equality: NUnit then names the rows missing and the rows extra.
        Assert.That(ReadmeRows(), Is.EquivalentTo(served));
    }

    /// <summary>The first three cells of each data row of the table under <see cref="Heading"/>.</summary>
    private static IEnumerable<string> ReadmeRows()
    {
        var lines = File.ReadAllLines(Path.Combine(ProjectGraph.FindRoot(), "README.md"));
        var start = Array.IndexOf(lines, Heading);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"README.md has no '{Heading}' section");
        var table = lines.Skip(start + 1)
            .SkipWhile(l => !l.StartsWith('|'))
            .TakeWhile(l => l.StartsWith('|'))
            .Skip(2); // the header row and its |---| separator
        foreach (var row in table)
        {
            var cells = row.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            yield return $"{cells[0]} | {cells[1]} | {cells[2]}";
        }
    }
}
