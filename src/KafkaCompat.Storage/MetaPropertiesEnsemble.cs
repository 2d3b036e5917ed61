using KafkaCompat.Protocol;

namespace KafkaCompat.Storage;

/// <summary>
/// The <c>meta.properties</c> of every log dir of a node, as Kafka's MetaPropertiesEnsemble sees
/// them: formatted dirs with their properties, empty dirs (missing, or without the file) and dirs
/// that could not be read. The storage tool formats the empty ones; a KRaft node's start-up
/// (<see cref="Verify"/>) insists that they agree on one cluster and one node.
/// </summary>
public sealed class MetaPropertiesEnsemble
{
    private MetaPropertiesEnsemble(SortedSet<string> emptyLogDirs, SortedSet<string> errorLogDirs, SortedDictionary<string, MetaProperties> logDirProps, string? metadataLogDir)
    {
        EmptyLogDirs = emptyLogDirs;
        ErrorLogDirs = errorLogDirs;
        LogDirProps = logDirProps;
        MetadataLogDir = metadataLogDir;
    }

    /// <summary>Dirs with no meta.properties (or that do not exist yet), in path order.</summary>
    public IReadOnlySet<string> EmptyLogDirs { get; }

    /// <summary>Dirs that could not be read (a file where a directory should be, an I/O error).</summary>
    public IReadOnlySet<string> ErrorLogDirs { get; }

    public IReadOnlyDictionary<string, MetaProperties> LogDirProps { get; }

    /// <summary>Where the metadata log lives (metadata.log.dir, else the first of log.dirs); null when not given.</summary>
    public string? MetadataLogDir { get; }

    /// <summary>The cluster id of the formatted dirs (the first, in path order); null when none is formatted.</summary>
    public string? ClusterId => LogDirProps.Values.Select(p => p.ClusterId).FirstOrDefault();

    /// <exception cref="InvalidDataException">A meta.properties is not a valid version 1 file.</exception>
    public static MetaPropertiesEnsemble Load(IFileSystem fileSystem, IEnumerable<string> logDirs, string? metadataLogDir = null)
    {
        var empty = new SortedSet<string>(StringComparer.Ordinal);
        var errors = new SortedSet<string>(StringComparer.Ordinal);
        var props = new SortedDictionary<string, MetaProperties>(StringComparer.Ordinal);
        var dirs = new SortedSet<string>(logDirs, StringComparer.Ordinal);
        if (metadataLogDir is not null)
        {
            dirs.Add(metadataLogDir);
        }
        foreach (var dir in dirs)
        {
            if (fileSystem.FileExists(dir))
            {
                errors.Add(dir);
                continue;
            }
            try
            {
                if (fileSystem.DirectoryExists(dir) && MetaProperties.Read(fileSystem, dir) is { } read)
                {
                    props[dir] = read;
                }
                else
                {
                    empty.Add(dir);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(dir);
            }
        }
        return new MetaPropertiesEnsemble(empty, errors, props, metadataLogDir);
    }

    /// <summary>
    /// Kafka's checks, with its messages: every formatted dir names the same cluster and node (the
    /// expected ones when given), no two share a directory id, and, as flags ask, at least one is
    /// formatted and the metadata log dir is readable.
    /// </summary>
    /// <exception cref="InvalidOperationException">A check failed.</exception>
    public void Verify(string? expectedClusterId, int? expectedNodeId, bool requireAtLeastOneValid, bool requireMetadataLogDir)
    {
        if (requireAtLeastOneValid && LogDirProps.Count == 0)
        {
            throw new InvalidOperationException("No readable meta.properties files found.");
        }
        var seen = new Dictionary<Uuid, string>();
        foreach (var (logDir, metaProperties) in LogDirProps)
        {
            var path = Path.Combine(logDir, MetaProperties.FileName);
            expectedClusterId ??= metaProperties.ClusterId;
            if (metaProperties.ClusterId != expectedClusterId)
            {
                throw new InvalidOperationException($"Invalid cluster.id in: {path}. Expected {expectedClusterId}, but read {metaProperties.ClusterId}");
            }
            expectedNodeId ??= metaProperties.NodeId;
            if (metaProperties.NodeId != expectedNodeId)
            {
                throw new InvalidOperationException($"Stored node id {metaProperties.NodeId} doesn't match previous node id {expectedNodeId} in {path}. " +
                    "If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories.");
            }
            if (metaProperties.DirectoryId is { } directoryId && !seen.TryAdd(directoryId, logDir))
            {
                throw new InvalidOperationException($"Duplicate directory ID {directoryId} found. It was the ID of {seen[directoryId]}, but also of {logDir}");
            }
        }
        if (requireMetadataLogDir && MetadataLogDir is null)
        {
            throw new InvalidOperationException("No metadata log directory was specified.");
        }
        if (MetadataLogDir is not null && ErrorLogDirs.Contains(MetadataLogDir))
        {
            throw new InvalidOperationException($"Encountered I/O error in metadata log directory {MetadataLogDir}. Cannot continue.");
        }
    }
}
