using KafkaCompat.Storage;

namespace KafkaCompat.Server.Storage;

/// <summary>
/// <c>kafkacompat storage info -c server.properties</c>: what Kafka's <c>kafka-storage info</c> prints
/// about a node's log dirs (which exist, the meta.properties they hold, the problems found) and its
/// exit code (1 when there is a problem).
/// </summary>
public static class StorageInfo
{
    public static int Run(IFileSystem fileSystem, IReadOnlyCollection<string> directories, TextWriter output)
    {
        var problems = new List<string>();
        var found = new List<string>();
        MetaProperties? first = null;
        foreach (var directory in directories.Order(StringComparer.Ordinal))
        {
            if (!fileSystem.DirectoryExists(directory))
            {
                problems.Add(fileSystem.FileExists(directory) ? $"{directory} is not a directory" : $"{directory} does not exist");
                continue;
            }
            found.Add(directory);
            var metaPath = Path.Combine(directory, MetaProperties.FileName);
            if (!fileSystem.FileExists(metaPath))
            {
                problems.Add($"{directory} is not formatted.");
                continue;
            }
            try
            {
                var current = MetaProperties.Read(fileSystem, directory)!;
                if (first is null)
                {
                    first = current;
                }
                else if (first.ClusterId != current.ClusterId)
                {
                    problems.Add("Mismatched cluster IDs between storage directories.");
                }
                else if (first.NodeId != current.NodeId)
                {
                    problems.Add("Mismatched node IDs between storage directories.");
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                problems.Add($"Error loading {metaPath}: {e.Message}");
            }
        }

        if (directories.Count == 0)
        {
            output.WriteLine("No directories specified.");
            return 0;
        }
        if (found.Count > 0)
        {
            output.WriteLine(found.Count == 1 ? "Found log directory:" : "Found log directories:");
            found.ForEach(d => output.WriteLine($"  {d}"));
            output.WriteLine();
        }
        if (first is not null)
        {
            // Printed as Java prints a sorted map: {cluster.id=..., directory.id=..., node.id=1, version=1}.
            output.WriteLine($"Found metadata: {{{string.Join(", ", first.ToProperties().Select(p => $"{p.Key}={p.Value}"))}}}");
            output.WriteLine();
        }
        if (problems.Count == 0)
        {
            return 0;
        }
        output.WriteLine(problems.Count == 1 ? "Found problem:" : "Found problems:");
        problems.ForEach(p => output.WriteLine($"  {p}"));
        output.WriteLine();
        return 1;
    }
}
