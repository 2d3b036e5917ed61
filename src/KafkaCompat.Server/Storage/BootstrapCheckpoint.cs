using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Metadata;
using KafkaCompat.Storage;

namespace KafkaCompat.Server.Storage;

/// <summary>
/// Kafka's <c>bootstrap.checkpoint</c>: the feature levels a cluster starts with, which
/// <c>kafka-storage format</c> writes in each log dir it formats, in the snapshot file format (a
/// SnapshotHeader, FeatureLevelRecords, a SnapshotFooter; offsets from 0, epoch 0). metadata.version
/// comes first, then every other feature above level 0, by name, as Kafka's BootstrapMetadata lists them.
/// </summary>
public static class BootstrapCheckpoint
{
    public const string FileName = "bootstrap.checkpoint";

    public static void Write(IFileSystem fileSystem, string logDir, IReadOnlyDictionary<string, short> levels, long now)
    {
        var records = new List<IKafkaMessage> { new FeatureLevelRecord { Name = MetadataVersion.FeatureName, FeatureLevel = levels[MetadataVersion.FeatureName] } };
        records.AddRange(levels
            .Where(l => l.Key != MetadataVersion.FeatureName && l.Value > 0)
            .OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => new FeatureLevelRecord { Name = l.Key, FeatureLevel = l.Value }));
        MetadataSnapshotFile.WriteFile(fileSystem, Path.Combine(logDir, FileName), 0, 0, now, records);
    }

    /// <summary>The feature levels of the file in <paramref name="logDir"/>; null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file does not read back as a snapshot.</exception>
    public static IReadOnlyDictionary<string, short>? Read(IFileSystem fileSystem, string logDir)
    {
        var path = Path.Combine(logDir, FileName);
        if (!fileSystem.FileExists(path))
        {
            return null;
        }
        var snapshot = MetadataSnapshotFile.TryRead(fileSystem, path, out var problem)
            ?? throw new InvalidDataException($"{path} is not a bootstrap checkpoint: {problem}");
        return snapshot.Records.OfType<FeatureLevelRecord>().ToDictionary(r => r.Name, r => r.FeatureLevel, StringComparer.Ordinal);
    }
}
