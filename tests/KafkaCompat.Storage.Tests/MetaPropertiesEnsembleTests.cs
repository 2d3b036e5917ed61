using System.Text;
using KafkaCompat.Protocol;

namespace KafkaCompat.Storage.Tests;

/// <summary>The meta.properties of a node's log dirs, loaded and checked with Kafka's messages (MetaPropertiesEnsemble).</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class MetaPropertiesEnsembleTests
{
    private const string ClusterId = "XcZZOzUqS4yHOjhMQB6JLQ";
    private readonly MemoryFileSystem _fileSystem = new();

    private void Format(string dir, int nodeId, string clusterId = ClusterId, Uuid? directoryId = null)
    {
        _fileSystem.CreateDirectory(dir);
        new MetaProperties(nodeId, clusterId, directoryId ?? Uuid.NewRandom()).Write(_fileSystem, dir);
    }

    [Test]
    public void Sorts_dirs_into_formatted_empty_and_unreadable()
    {
        Format("/a", 1);
        _fileSystem.CreateDirectory("/b");
        _fileSystem.WriteAllAtomic("/c", Encoding.UTF8.GetBytes("a file, not a directory"));

        var ensemble = MetaPropertiesEnsemble.Load(_fileSystem, ["/d", "/c", "/b", "/a"]);

        Assert.That(ensemble.LogDirProps.Keys, Is.EqualTo(new[] { "/a" }));
        Assert.That(ensemble.EmptyLogDirs, Is.EqualTo(new[] { "/b", "/d" }), "a missing dir is one to format");
        Assert.That(ensemble.ErrorLogDirs, Is.EqualTo(new[] { "/c" }));
        Assert.That(ensemble.ClusterId, Is.EqualTo(ClusterId));
    }

    [Test]
    public void A_node_needs_at_least_one_formatted_dir() =>
        Assert.That(() => MetaPropertiesEnsemble.Load(_fileSystem, ["/a"], "/a").Verify(null, 1, requireAtLeastOneValid: true, requireMetadataLogDir: true),
            Throws.InvalidOperationException.With.Message.EqualTo("No readable meta.properties files found."));

    [Test]
    public void Every_dir_names_the_same_cluster_and_node()
    {
        Format("/a", 1);
        Format("/b", 1, clusterId: "MvDxzVmcRsaTz33bUuRU6A");
        Format("/c", 2);

        Assert.That(() => MetaPropertiesEnsemble.Load(_fileSystem, ["/a", "/b"]).Verify(null, null, false, false),
            Throws.InvalidOperationException.With.Message.EqualTo($"Invalid cluster.id in: /b/meta.properties. Expected {ClusterId}, but read MvDxzVmcRsaTz33bUuRU6A"));
        Assert.That(() => MetaPropertiesEnsemble.Load(_fileSystem, ["/a", "/c"]).Verify(null, 1, false, false),
            Throws.InvalidOperationException.With.Message.EqualTo("Stored node id 2 doesn't match previous node id 1 in /c/meta.properties. " +
                "If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories."));
    }

    [Test]
    public void Two_dirs_cannot_share_a_directory_id()
    {
        var id = Uuid.NewRandom();
        Format("/a", 1, directoryId: id);
        Format("/b", 1, directoryId: id);

        Assert.That(() => MetaPropertiesEnsemble.Load(_fileSystem, ["/a", "/b"]).Verify(null, null, false, false),
            Throws.InvalidOperationException.With.Message.EqualTo($"Duplicate directory ID {id} found. It was the ID of /a, but also of /b"));
    }

    [Test]
    public void A_directory_id_that_is_not_a_uuid_is_refused()
    {
        _fileSystem.CreateDirectory("/a");
        _fileSystem.WriteAllAtomic("/a/meta.properties", Encoding.UTF8.GetBytes($"version=1\nnode.id=1\ncluster.id={ClusterId}\ndirectory.id=nope\n"));

        Assert.That(() => MetaProperties.Read(_fileSystem, "/a"), Throws.TypeOf<InvalidDataException>().With.Message.StartsWith("Unable to read directory.id as a Uuid: "));
    }
}
