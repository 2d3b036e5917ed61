using System.Reflection;
using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Raft;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Architecture;

/// <summary>
/// The layering the README states, checked on the .csproj files and on the compiled assemblies
/// (Kafka checks its module boundaries with a build rule too): Protocol needs only the base class
/// library; Records builds on Protocol; Storage on Records and Protocol; Raft (the KRaft quorum) on
/// those three; Network knows nothing of Kafka's protocol; only Broker joins them, nothing below Broker knows it, and nothing but the test
/// projects that host it references the server.
/// </summary>
public class ProjectReferenceTests
{
    private const string Protocol = "KafkaCompat.Protocol";
    private const string Records = "KafkaCompat.Records";
    private const string Storage = "KafkaCompat.Storage";
    private const string Network = "KafkaCompat.Network";
    private const string Raft = "KafkaCompat.Raft";
    private const string Broker = "KafkaCompat.Broker";
    private const string Server = "KafkaCompat.Server";

    /// <summary>What each source project may reference.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [Protocol] = [],
        [Records] = [Protocol],
        [Storage] = [Records, Protocol],
        [Network] = [],
        [Raft] = [Protocol, Records, Storage],
        [Broker] = [Protocol, Records, Storage, Network, Raft],
        [Server] = [Protocol, Records, Storage, Network, Raft, Broker],
    };

    /// <summary>
    /// References that break the layering today, each reported in an issue. Every one must still
    /// exist (a fixed one fails the test until it is removed here), so the list only shrinks.
    /// </summary>
    private static readonly (string From, string To, string Why)[] KnownViolations =
    [
    ];

    private static readonly Dictionary<string, Assembly> Compiled = new(StringComparer.Ordinal)
    {
        [Protocol] = typeof(ApiKey).Assembly,
        [Records] = typeof(RecordBatch).Assembly,
        [Storage] = typeof(PartitionLog).Assembly,
        [Network] = typeof(KafkaServerHost).Assembly,
        [Raft] = typeof(IRaftLog).Assembly,
        [Broker] = typeof(RequestDispatcher).Assembly,
    };

    [Test]
    public void EverySourceProjectHasAPlaceInTheLayering()
    {
        Assert.That(ProjectGraph.ProjectFiles("src").Keys, Is.EquivalentTo(Allowed.Keys), "a new project under src/ needs its line in Allowed");
    }

    [Test]
    public void DeclaredProjectReferencesFollowTheLayering()
    {
        var declared = ProjectGraph.ProjectFiles("src")
            .SelectMany(p => ProjectGraph.ProjectReferences(p.Value).Select(to => (From: p.Key, To: to)));
        AssertOnlyKnownViolations(declared, "declared in a .csproj");
    }

    [Test]
    public void CompiledAssemblyReferencesFollowTheLayering()
    {
        var compiled = Compiled.SelectMany(a => ProjectGraph.CompiledReferences(a.Value).Select(to => (From: a.Key, To: to)));
        AssertOnlyKnownViolations(compiled, "recorded in the compiled assembly");
    }

    [Test]
    public void ProtocolNeedsOnlyTheBaseClassLibrary()
    {
        var csproj = ProjectGraph.ProjectFiles("src")[Protocol];
        Assert.That(ProjectGraph.OtherReferences(csproj), Is.Empty, "package, framework or file references of " + Protocol);
        var beyondTheBcl = Compiled[Protocol].GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(name => name is not ("netstandard" or "mscorlib") && !name.StartsWith("System", StringComparison.Ordinal))
            .ToList();
        Assert.That(beyondTheBcl, Is.Empty, "assemblies " + Protocol + " is compiled against");
    }

    [Test]
    public void NothingButTheTestsThatHostItReferencesTheServer()
    {
        var referencing = new[] { "src", "tools" }
            .SelectMany(ProjectGraph.ProjectFiles)
            .Where(p => ProjectGraph.ProjectReferences(p.Value).Contains(Server))
            .Select(p => p.Key);
        Assert.That(referencing, Is.Empty);
        Assert.That(Compiled.Where(a => ProjectGraph.CompiledReferences(a.Value).Contains(Server)).Select(a => a.Key), Is.Empty);
    }

    private static void AssertOnlyKnownViolations(IEnumerable<(string From, string To)> references, string where)
    {
        var violations = references.Where(r => !Allowed[r.From].Contains(r.To)).Distinct().ToList();
        var known = KnownViolations.Select(k => (k.From, k.To)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(violations.Except(known).Select(v => $"{v.From} -> {v.To}"), Is.Empty, $"references {where} that the layering forbids");
            Assert.That(known.Except(violations).Select(v => $"{v.From} -> {v.To}"), Is.Empty, $"known violations no longer {where}: remove them from KnownViolations");
        });
    }
}
