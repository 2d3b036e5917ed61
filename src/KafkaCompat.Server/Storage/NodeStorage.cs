using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Server.Storage;

/// <summary>
/// The log dirs at start-up, before the log manager opens them. A node given process.roles is run
/// as Kafka runs a KRaft node: its storage must have been formatted (<c>kafkacompat storage format</c>),
/// every log dir must agree on the cluster and this node, and the cluster id is the formatted one
/// (Kafka's KafkaRaftServer.initializeLogDirs, with its messages). The embedded single node (no
/// process.roles given) formats itself on first start, as it always has.
/// </summary>
public static class NodeStorage
{
    /// <summary>Returns the cluster id the node runs with.</summary>
    /// <exception cref="InvalidOperationException">The storage is not formatted, or formatted for another cluster or node.</exception>
    /// <exception cref="ConfigException">The formatted quorum is one this node cannot serve yet (<see cref="ServedQuorum"/>).</exception>
    public static string Prepare(IFileSystem fileSystem, BrokerConfig config, ILogger logger)
    {
        if (!config.ProcessRolesConfigured)
        {
            return config.LogDirs.Select(dir => MetaProperties.Read(fileSystem, dir)?.ClusterId).FirstOrDefault(id => id is not null)
                ?? Uuid.NewRandom().ToString();
        }

        var metadataLogDir = config.MetadataLogDir;
        var ensemble = MetaPropertiesEnsemble.Load(fileSystem, config.LogDirs, metadataLogDir);
        ensemble.Verify(null, config.NodeId, requireAtLeastOneValid: true, requireMetadataLogDir: true);
        foreach (var logDir in ensemble.EmptyLogDirs)
        {
            throw new InvalidOperationException($"No `meta.properties` found in {logDir} (have you run `kafka-storage.sh` to format the directory?)");
        }
        foreach (var (logDir, metaProperties) in ensemble.LogDirProps.Where(p => p.Value.DirectoryId is null))
        {
            logger.LogInformation("Rewriting {MetaProperties}", Path.Combine(logDir, MetaProperties.FileName));
            (metaProperties with { DirectoryId = Uuid.NewRandom() }).Write(fileSystem, logDir);
        }

        CheckBootstrap(fileSystem, config, metadataLogDir, logger);
        return ensemble.ClusterId!;
    }

    /// <summary>
    /// What the format wrote for the metadata log: a voter set this node can serve, and feature levels
    /// it finalizes (any other is named, since this broker's levels are fixed until the quorum lands).
    /// </summary>
    private static void CheckBootstrap(IFileSystem fileSystem, BrokerConfig config, string metadataLogDir, ILogger logger)
    {
        var partitionDir = Path.Combine(metadataLogDir, LogMetadataJournal.Partition.ToString());
        var bootstrapSnapshot = Path.Combine(partitionDir, MetadataSnapshotFile.FileName(new Raft.OffsetAndEpoch(0, 0)));
        var levels = BootstrapCheckpoint.Read(fileSystem, metadataLogDir);
        if (fileSystem.FileExists(bootstrapSnapshot))
        {
            var snapshot = MetadataSnapshotFile.TryRead(fileSystem, bootstrapSnapshot, out var problem)
                ?? throw new InvalidOperationException($"The bootstrap snapshot {bootstrapSnapshot} does not read back: {problem}");
            ServedQuorum.EnsureServed(config.NodeId, snapshot.Voters?.Voters.Select(v => v.VoterId) ?? [], "the initial voter set (--initial-controllers) in " + bootstrapSnapshot);
        }
        else if (!fileSystem.DirectoryExists(partitionDir) && levels?.GetValueOrDefault(BootstrapFeatures.KRaftVersion) > 0 && config.QuorumVoters.Count == 0)
        {
            // Formatted with --no-initial-controllers: a node that joins a quorum found through
            // controller.quorum.bootstrap.servers, as an observer, and never has a voter of its own.
            throw new ConfigException(
                "KafkaCompat does not run a multi-node KRaft controller quorum yet: this node was formatted with --no-initial-controllers, to join an existing quorum through controller.quorum.bootstrap.servers, which it cannot do. Format it with --standalone to run it alone.");
        }
        if (levels is null)
        {
            return;
        }
        // bootstrap.checkpoint leaves out the features at level 0.
        foreach (var feature in BrokerFeatures.All.Where(f => levels.GetValueOrDefault(f.Name) != f.Level))
        {
            logger.LogWarning("The storage was formatted with {Feature}={Level}; this broker finalizes {Feature} at {Served} and does not run at other levels yet",
                feature.Name, levels.GetValueOrDefault(feature.Name), feature.Name, feature.Level);
        }
    }
}
