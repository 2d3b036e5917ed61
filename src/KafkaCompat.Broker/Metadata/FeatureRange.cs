namespace KafkaCompat.Broker.Metadata;

/// <summary>The levels of a feature (KIP-584) a registered node supports, inclusive.</summary>
public sealed record FeatureRange(string Name, short MinSupportedVersion, short MaxSupportedVersion)
{
    public bool Contains(short level) => level >= MinSupportedVersion && level <= MaxSupportedVersion;
}
