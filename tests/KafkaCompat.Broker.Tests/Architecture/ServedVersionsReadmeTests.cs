using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Handlers;

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
        // A node that runs the KRaft quorum serves the most: its controller listener's APIs too.
        await using var harness = new GroupHarness(raft: new TestRaftRequestHandler());
        var served = harness.Handlers.Handlers
            .Select(h => $"{h.ApiKey} | {(short)h.ApiKey} | {h.Versions.Lowest}-{h.Versions.Highest}");

        // Equivalence rather than equality: NUnit then names the rows missing and the rows extra.
        Assert.That(ReadmeRows().Select(r => r.Row), Is.EquivalentTo(served));
    }

    [Test]
    public async Task TheRowsOfControllerListenerApisSaySo()
    {
        await using var harness = new GroupHarness(raft: new TestRaftRequestHandler());
        var onBrokerListeners = harness.Handlers.HandlersOn(HandlerRequest.Listener)
            .Select(h => $"{h.ApiKey} | {(short)h.ApiKey} | {h.Versions.Lowest}-{h.Versions.Highest}")
            .ToHashSet();

        var rows = ReadmeRows().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(rows.Where(r => !onBrokerListeners.Contains(r.Row) && !r.Notes.StartsWith(ControllerListenerNote, StringComparison.Ordinal)).Select(r => r.Row),
                Is.Empty, "rows served only on the controller listener without the note");
            Assert.That(rows.Where(r => onBrokerListeners.Contains(r.Row) && r.Notes.StartsWith(ControllerListenerNote, StringComparison.Ordinal)).Select(r => r.Row),
                Is.Empty, "rows served on broker listeners with the controller listener's note");
        });
    }

    private const string ControllerListenerNote = "Controller listener";

    /// <summary>The first three cells of each data row of the table under <see cref="Heading"/>, and its note.</summary>
    private static IEnumerable<(string Row, string Notes)> ReadmeRows()
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
            yield return ($"{cells[0]} | {cells[1]} | {cells[2]}", cells.Length > 3 ? cells[3] : "");
        }
    }
}
