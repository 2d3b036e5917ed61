namespace KafkaCompat.Broker.Metadata;

/// <summary>A consumer of the broker's metadata image (Kafka's MetadataPublisher): told of every image the loader publishes, in order.</summary>
public interface IMetadataPublisher
{
    void OnMetadataUpdate(MetadataImage image, LoaderManifest manifest);
}
