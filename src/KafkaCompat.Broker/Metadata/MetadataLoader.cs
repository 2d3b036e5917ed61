using KafkaCompat.Protocol;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The broker side of the metadata path (Kafka's MetadataLoader): it follows the journal's committed
/// records only, replays them into a new immutable <see cref="MetadataImage"/>, and publishes each
/// image to the installed publishers (the broker's configs, the replica manager, the snapshot
/// generator) before the journal goes on. It never sees a record that is not committed, so nothing
/// it publishes is ever taken back. Readers take <see cref="Image"/> without locking.
/// </summary>
public sealed class MetadataLoader : IMetadataListener
{
    private readonly List<IMetadataPublisher> _publishers = [];
    private volatile MetadataImage _image = MetadataImage.Empty;
    private long _highestOffset = -1;

    public MetadataImage Image => _image;

    /// <summary>The offset of the last record in <see cref="Image"/> (-1 before any): what a broker heartbeat reports as its metadata offset.</summary>
    public long HighestOffset => Interlocked.Read(ref _highestOffset);

    /// <summary>Adds a publisher; it is told of every image published from now on.</summary>
    public void Install(IMetadataPublisher publisher)
    {
        lock (_publishers)
        {
            _publishers.Add(publisher);
        }
    }

    /// <summary>Adds a publisher that only needs the image.</summary>
    public void Install(Action<MetadataImage> publisher) => Install(new ImagePublisher(publisher));

    public void HandleLoadSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp, IReadOnlyList<IKafkaMessage> records) =>
        Publish(MetadataImage.Empty.ApplyAll(records), new LoaderManifest(LoaderManifestType.Snapshot, snapshotId, lastContainedLogTimestamp, 0));

    public void HandleCommit(MetadataBatch batch) =>
        Publish(_image.ApplyAll(batch.Records), new LoaderManifest(LoaderManifestType.LogDelta, new OffsetAndEpoch(batch.LastOffset + 1, batch.Epoch), batch.AppendTimestamp, batch.SizeInBytes));

    public void HandleLeaderChange(int epoch, Exception? cause)
    {
        // The broker's image holds committed records only: a change of leader takes nothing back.
    }

    private void Publish(MetadataImage image, LoaderManifest manifest)
    {
        _image = image;
        Interlocked.Exchange(ref _highestOffset, manifest.SnapshotId.Offset - 1);
        IMetadataPublisher[] publishers;
        lock (_publishers)
        {
            publishers = [.. _publishers];
        }
        foreach (var publisher in publishers)
        {
            publisher.OnMetadataUpdate(image, manifest);
        }
    }

    private sealed class ImagePublisher(Action<MetadataImage> publish) : IMetadataPublisher
    {
        public void OnMetadataUpdate(MetadataImage image, LoaderManifest manifest) => publish(image);
    }
}
