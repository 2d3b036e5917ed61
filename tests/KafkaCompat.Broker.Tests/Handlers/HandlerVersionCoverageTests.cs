using System.Reflection;
using KafkaCompat.Broker.Tests.Groups;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// Every handler has a test at the lowest and at the highest version it serves: the meta-test
/// collects the <see cref="HandlerVersionTestAttribute"/> markers and compares them with the table.
/// </summary>
public class HandlerVersionCoverageTests
{
    private static readonly IReadOnlyList<(MethodInfo Test, HandlerVersionTestAttribute Marker)> Markers =
        typeof(HandlerVersionCoverageTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetCustomAttributes<HandlerVersionTestAttribute>().Select(a => (m, a)))
            .ToList();

    [Test]
    public async Task TheTableHoldsEveryHandlerOfTheBroker()
    {
        // With a Raft client, so that the KRaft RPCs' handlers are composed too.
        await using var harness = new GroupHarness(raft: new TestRaftRequestHandler());
        var implemented = typeof(IApiHandler).Assembly.GetTypes()
            .Where(t => typeof(IApiHandler).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => t.Name);
        Assert.That(harness.Handlers.Handlers.Select(h => h.GetType().Name), Is.EquivalentTo(implemented),
            "a handler class that BrokerHandlers does not compose, so the server does not serve it");
    }

    [Test]
    public async Task EveryHandlerHasTestsAtItsLowestAndHighestVersion()
    {
        await using var harness = new GroupHarness(raft: new TestRaftRequestHandler());
        var covered = Markers.Select(m => (m.Marker.Api, m.Marker.Version)).ToHashSet();
        var missing = harness.Handlers.Handlers
            .SelectMany(h => new[] { (h.ApiKey, h.Versions.Lowest), (h.ApiKey, h.Versions.Highest) })
            .Distinct()
            .Where(v => !covered.Contains(v))
            .Select(v => $"{v.Item1} v{v.Item2}")
            .ToList();
        Assert.That(missing, Is.Empty, "handler versions without a [HandlerVersionTest]");
    }

    /// <summary>A marker counts only on a test NUnit runs, and on a parameterised test only when one of its cases is that version.</summary>
    [Test]
    public void EveryMarkerIsOnATestThatRunsThatVersion()
    {
        Assert.That(Markers, Is.Not.Empty);
        var misplaced = Markers.Where(m => !RunsVersion(m.Test, m.Marker.Version))
            .Select(m => $"{m.Test.DeclaringType!.Name}.{m.Test.Name}: {m.Marker.Api} v{m.Marker.Version}")
            .ToList();
        Assert.That(misplaced, Is.Empty);
    }

    private static bool RunsVersion(MethodInfo test, short version)
    {
        var cases = test.GetCustomAttributes<TestCaseAttribute>().ToList();
        if (cases.Count > 0)
        {
            return cases.Any(c => c.Arguments.Contains(version));
        }
        return test.GetCustomAttribute<TestAttribute>() is not null;
    }
}
