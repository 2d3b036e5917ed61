using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// Decides when the published image is written as a snapshot (Kafka's SnapshotGenerator, KIP-630):
/// once metadata.log.max.record.bytes.between.snapshots of log bytes were replayed since the last
/// snapshot, or, when something was replayed, once metadata.log.max.snapshot.interval.ms passed
/// (0 turns the time trigger off). Loading a snapshot resets both counts. The snapshot is written
/// inline, on the journal's thread, so it is ordered with the commits around it.
/// </summary>
public sealed class SnapshotGenerator(IMetadataJournal journal, MetadataLogConfig config, TimeProvider time, ILogger logger) : IMetadataPublisher
{
    private long _bytesSinceLastSnapshot;
    private long _lastSnapshotMs = time.GetUtcNow().ToUnixTimeMilliseconds();

    public void OnMetadataUpdate(MetadataImage image, LoaderManifest manifest)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (manifest.Type == LoaderManifestType.Snapshot)
        {
            Reset(now);
            return;
        }
        _bytesSinceLastSnapshot += manifest.NumBytes;
        string reason;
        if (_bytesSinceLastSnapshot >= config.MaxRecordBytesBetweenSnapshots)
        {
            reason = $"at least {config.MaxRecordBytesBetweenSnapshots} bytes were replayed";
        }
        else if (config.MaxSnapshotIntervalMs > 0 && now - _lastSnapshotMs >= config.MaxSnapshotIntervalMs)
        {
            reason = $"at least {config.MaxSnapshotIntervalMs} ms passed";
        }
        else
        {
            return;
        }
        Reset(now);
        try
        {
            logger.LogInformation("Writing metadata snapshot {Snapshot} because {Reason}", MetadataSnapshotFile.FileName(manifest.SnapshotId), reason);
            journal.CreateSnapshot(manifest.SnapshotId, manifest.LastContainedLogTimestamp, image.ToRecords());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // A snapshot is an optimisation: without it start-up replays more of the log.
            logger.LogError(e, "Writing metadata snapshot {Snapshot} failed", MetadataSnapshotFile.FileName(manifest.SnapshotId));
        }
    }

    private void Reset(long now)
    {
        _bytesSinceLastSnapshot = 0;
        _lastSnapshotMs = now;
    }
}
