using System.Globalization;
using System.Text;
using KafkaCompat.Protocol;

namespace KafkaCompat.Storage;

/// <summary>
/// <c>meta.properties</c> in each log dir, in Kafka's KRaft format (version=1, node.id, cluster.id,
/// and since KIP-858 a directory.id naming this one directory): it ties the directory to one node of
/// one cluster, so a broker pointed at another broker's data refuses to start instead of serving it.
/// </summary>
public sealed record MetaProperties(int NodeId, string ClusterId, Uuid? DirectoryId = null)
{
    public const string FileName = "meta.properties";

    /// <summary>Reads the file; null when it does not exist.</summary>
    /// <exception cref="InvalidDataException">The file is not a version 1 meta.properties.</exception>
    public static MetaProperties? Read(IFileSystem fileSystem, string logDir)
    {
        string path = Path.Combine(logDir, FileName);
        if (!fileSystem.FileExists(path))
        {
            return null;
        }

        var properties = ReadProperties(fileSystem, path);
        if (properties.GetValueOrDefault("version") != "1")
        {
            throw new InvalidDataException($"{path}: only version=1 (KRaft) meta.properties is supported.");
        }

        if (!properties.TryGetValue("node.id", out string? nodeId) || !int.TryParse(nodeId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsedNodeId))
        {
            throw new InvalidDataException($"{path}: node.id is missing or not an integer.");
        }

        if (!properties.TryGetValue("cluster.id", out string? clusterId) || clusterId.Length == 0)
        {
            throw new InvalidDataException($"{path}: cluster.id is missing.");
        }

        Uuid? directoryId = null;
        if (properties.TryGetValue("directory.id", out string? directory))
        {
            try
            {
                directoryId = Uuid.Parse(directory);
            }
            catch (FormatException e)
            {
                // Kafka's MetaProperties wording.
                throw new InvalidDataException($"Unable to read directory.id as a Uuid: {e.Message}", e);
            }
        }

        return new MetaProperties(parsedNodeId, clusterId, directoryId);
    }

    /// <summary>The file's keys and values, as <c>kafka-storage info</c> prints them (sorted by key).</summary>
    public SortedDictionary<string, string> ToProperties()
    {
        var properties = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["version"] = "1",
            ["node.id"] = NodeId.ToString(CultureInfo.InvariantCulture),
            ["cluster.id"] = ClusterId,
        };
        if (DirectoryId is { } directoryId)
        {
            properties["directory.id"] = directoryId.ToString();
        }
        return properties;
    }

    public void Write(IFileSystem fileSystem, string logDir)
    {
        var content = new StringBuilder("#\n#Written by KafkaCompat\n");
        foreach (var (key, value) in ToProperties())
        {
            content.Append(key).Append('=').Append(value).Append('\n');
        }
        fileSystem.WriteAllAtomic(Path.Combine(logDir, FileName), Encoding.UTF8.GetBytes(content.ToString()));
    }

    /// <summary>
    /// Writes the file when missing (with a new directory id); otherwise checks it names this node and
    /// cluster, and gives it a directory id if it has none, as Kafka's start-up does.
    /// </summary>
    /// <exception cref="InvalidOperationException">The directory belongs to another node or cluster.</exception>
    public void EnsureMatches(IFileSystem fileSystem, string logDir)
    {
        MetaProperties? existing = Read(fileSystem, logDir);
        if (existing is null)
        {
            (this with { DirectoryId = DirectoryId ?? Uuid.NewRandom() }).Write(fileSystem, logDir);
            return;
        }

        if (existing.NodeId != NodeId)
        {
            throw new InvalidOperationException(
                $"Stored node id {existing.NodeId} in {Path.Combine(logDir, FileName)} doesn't match the configured node.id {NodeId}.");
        }

        if (existing.ClusterId != ClusterId)
        {
            throw new InvalidOperationException(
                $"Stored cluster id {existing.ClusterId} in {Path.Combine(logDir, FileName)} doesn't match the configured cluster id {ClusterId}.");
        }

        if (existing.DirectoryId is null)
        {
            (existing with { DirectoryId = Uuid.NewRandom() }).Write(fileSystem, logDir);
        }
    }

    private static Dictionary<string, string> ReadProperties(IFileSystem fileSystem, string path)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in Encoding.UTF8.GetString(fileSystem.ReadAll(path)).Split('\n'))
        {
            string line = raw.Trim();
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line[0] is '#' or '!' || equals < 0)
            {
                continue;
            }

            properties[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }
        return properties;
    }
}
