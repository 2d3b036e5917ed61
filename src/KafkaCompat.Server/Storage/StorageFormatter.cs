using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Raft;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Server.Storage;

/// <summary>What <c>kafkacompat storage format</c> was asked for.</summary>
public sealed record FormatRequest
{
    public required string ClusterId { get; init; }

    public bool IgnoreFormatted { get; init; }

    public string? ReleaseVersion { get; init; }

    public IReadOnlyList<string> Features { get; init; } = [];

    public bool Standalone { get; init; }

    public string? InitialControllers { get; init; }

    public bool NoInitialControllers { get; init; }

    public IReadOnlyList<string> AddScram { get; init; } = [];
}

/// <summary>
/// <c>kafkacompat storage format</c>, as Kafka's storage tool and Formatter do it: check the request
/// against the node's configuration, then in every log dir not yet formatted write
/// <c>bootstrap.checkpoint</c> (the feature levels) and <c>meta.properties</c> (cluster id, node id,
/// a new directory id), and for a dynamic quorum (KIP-853: --standalone, --initial-controllers) the
/// metadata log's bootstrap snapshot <c>__cluster_metadata-0/00000000000000000000-0000000000.checkpoint</c>
/// holding the KRaftVersion and KRaftVoters control records. Messages and refusals are Kafka's.
/// </summary>
public sealed class StorageFormatter(IFileSystem fileSystem, TimeProvider time, TextWriter output)
{
    private const string NotController = "You can only use --standalone on a controller.";

    /// <exception cref="StorageToolException">The request cannot be formatted (Kafka's message).</exception>
    /// <exception cref="ArgumentException">An argument does not parse (Kafka's message).</exception>
    /// <exception cref="InvalidOperationException">The log dirs belong to another cluster or node (Kafka's message).</exception>
    public void Run(BrokerConfig config, FormatRequest request)
    {
        if (!config.ProcessRolesConfigured)
        {
            throw new StorageToolException("The kafka configuration file appears to be for a legacy cluster. Formatting is only supported for clusters in KRaft mode.");
        }
        if (request.AddScram.Count > 0)
        {
            // Kafka writes UserScramCredentialRecords into bootstrap.checkpoint; this broker has no SCRAM
            // (no SASL at all) to use them, so nothing is written rather than credentials that do nothing.
            throw new StorageToolException("--add-scram: SCRAM credentials are not served by KafkaCompat yet (SASL/SCRAM is issue 14); nothing was formatted.");
        }
        try
        {
            Uuid.Parse(request.ClusterId);
        }
        catch (FormatException e)
        {
            throw new StorageToolException($"Cluster ID string {request.ClusterId} does not appear to be a valid UUID: {e.Message}");
        }

        // In Kafka's order: the release version and features parse before the quorum flags are checked.
        var release = request.ReleaseVersion is { } version ? MetadataVersion.FromVersionString(version) : null;
        var requested = new Dictionary<string, short>(StringComparer.Ordinal);
        foreach (var feature in request.Features)
        {
            var (name, level) = ParseNameAndLevel(feature);
            requested[name] = level;
        }
        var isController = config.ProcessRoles.Contains("controller");
        var initialControllers = request.InitialControllers is { } list ? DynamicVoters.Parse(list) : null;
        if (request.Standalone)
        {
            initialControllers = StandaloneVoter(config);
        }
        if (!request.NoInitialControllers && isController && config.QuorumVoters.Count == 0 && initialControllers is null)
        {
            throw new StorageToolException("Because controller.quorum.voters is not set on this controller, you must specify one of the following: " +
                "--standalone, --initial-controllers, or --no-initial-controllers.");
        }
        if (config.NodeId < 0)
        {
            throw new StorageToolException("You must specify a valid non-negative node ID.");
        }
        var controllerListenerName = config.ControllerListenerNames.FirstOrDefault()
            ?? throw new StorageToolException("You must specify the name of the initial controller listener.");
        var metadataLogDir = config.MetadataLogDir;
        var directories = new SortedSet<string>(config.LogDirs, StringComparer.Ordinal) { metadataLogDir };

        var dynamicQuorum = initialControllers is not null || request.NoInitialControllers;
        var (effectiveRelease, levels) = BootstrapFeatures.Resolve(release, requested, dynamicQuorum);

        Format(config.NodeId, request, directories, metadataLogDir, initialControllers, controllerListenerName, effectiveRelease, levels);
    }

    /// <summary>Kafka's --feature parsing: <c>name=level</c>, the level a short.</summary>
    public static (string Name, short Level) ParseNameAndLevel(string input)
    {
        var equals = input.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            throw new StorageToolException($"Can't parse feature=level string {input}: equals sign not found.");
        }
        var levelText = input[(equals + 1)..].Trim();
        if (!short.TryParse(levelText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var level))
        {
            throw new StorageToolException($"Can't parse feature=level string {input}: unable to parse {levelText} as a short.");
        }
        return (input[..equals].Trim(), level);
    }

    /// <summary>--standalone: this node alone, at its first controller listener as others reach it, in a new directory.</summary>
    private static DynamicVoters StandaloneVoter(BrokerConfig config)
    {
        if (!config.ProcessRoles.Contains("controller"))
        {
            throw new StorageToolException(NotController);
        }
        var listener = config.AdvertisedControllerListeners.FirstOrDefault()
            ?? throw new StorageToolException("No controller listeners found.");
        var host = listener.Host.Length == 0 ? "localhost" : listener.Host;
        return new DynamicVoters([new DynamicVoter(config.NodeId, host, listener.Port, Uuid.NewRandom())]);
    }

    private void Format(int nodeId, FormatRequest request, SortedSet<string> directories, string metadataLogDir, DynamicVoters? initialControllers,
        string controllerListenerName, MetadataVersion release, IReadOnlyDictionary<string, short> levels)
    {
        var ensemble = MetaPropertiesEnsemble.Load(fileSystem, directories, metadataLogDir);
        ensemble.Verify(request.ClusterId, nodeId, requireAtLeastOneValid: false, requireMetadataLogDir: false);
        if (!request.IgnoreFormatted && ensemble.LogDirProps.Count > 0)
        {
            throw new StorageToolException($"Log directory {ensemble.LogDirProps.Keys.First()} is already formatted. Use --ignore-formatted to ignore this directory and format the others.");
        }
        if (ensemble.ErrorLogDirs.Count > 0)
        {
            foreach (var errorDir in ensemble.ErrorLogDirs)
            {
                output.WriteLine($"I/O error trying to read log directory {errorDir}. Ignoring...");
            }
            if (ensemble.EmptyLogDirs.Count == 0 && ensemble.LogDirProps.Count == 0)
            {
                throw new StorageToolException("No available log directories to format.");
            }
        }
        if (ensemble.EmptyLogDirs.Count == 0)
        {
            output.WriteLine("All of the log directories are already formatted.");
            return;
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var usedIds = ensemble.LogDirProps.Values.Select(p => p.DirectoryId).OfType<Uuid>().ToHashSet();
        foreach (var logDir in ensemble.EmptyLogDirs)
        {
            var isMetadataDir = logDir == metadataLogDir;
            var isVoter = isMetadataDir && initialControllers?.Voters.ContainsKey(nodeId) == true;
            var description = !isMetadataDir ? "data directory"
                : initialControllers is null ? "metadata directory"
                : isVoter ? "dynamic metadata voter directory"
                : "dynamic metadata directory";
            // A voter's metadata directory carries the directory id the voter set names (KIP-853).
            var directoryId = isVoter ? initialControllers!.Voters[nodeId].DirectoryId : NewDirectoryId(usedIds);
            usedIds.Add(directoryId);

            output.WriteLine($"Formatting {description} {logDir} with {MetadataVersion.FeatureName} {release}.");
            fileSystem.CreateDirectory(logDir);
            BootstrapCheckpoint.Write(fileSystem, logDir, levels, now);
            if (isMetadataDir && initialControllers is not null)
            {
                WriteBootstrapSnapshot(logDir, initialControllers, levels[BootstrapFeatures.KRaftVersion], controllerListenerName, now);
            }
            new MetaProperties(nodeId, request.ClusterId, directoryId).Write(fileSystem, logDir);
        }
    }

    /// <summary>The 0-0 snapshot of the metadata log: the dynamic quorum's kraft.version and initial voters.</summary>
    private void WriteBootstrapSnapshot(string logDir, DynamicVoters voters, short kraftVersion, string controllerListenerName, long now)
    {
        var partitionDir = Path.Combine(logDir, LogMetadataJournal.Partition.ToString());
        fileSystem.CreateDirectory(partitionDir);
        IReadOnlyList<(ControlRecordType, IKafkaMessage)> controlRecords =
        [
            (ControlRecordType.KRaftVersion, new KRaftVersionRecord { Version = 0, KRaftVersion = kraftVersion }),
            (ControlRecordType.KRaftVoters, voters.ToVotersRecord(controllerListenerName)),
        ];
        MetadataSnapshotFile.Write(fileSystem, partitionDir, new Raft.OffsetAndEpoch(0, 0), now, now, [], controlRecords);
    }

    private static Uuid NewDirectoryId(HashSet<Uuid> used)
    {
        while (true)
        {
            var id = Uuid.NewRandom();
            if (!used.Contains(id))
            {
                return id;
            }
        }
    }
}
