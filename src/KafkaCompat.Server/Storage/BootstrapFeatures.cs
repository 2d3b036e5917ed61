using System.Globalization;
using KafkaCompat.Broker.Handlers;

namespace KafkaCompat.Server.Storage;

/// <summary>
/// The feature levels <c>kafkacompat storage format</c> starts a cluster with, worked out as Kafka's
/// Formatter does: metadata.version from --release-version (or a --feature metadata.version=N), every
/// other feature from --feature or its default for that release, kraft.version from the kind of
/// quorum (0 for a static controller.quorum.voters, 1 for a dynamic one: --standalone,
/// --initial-controllers, --no-initial-controllers). A level this broker does not serve is refused
/// here rather than written and ignored.
/// </summary>
public static class BootstrapFeatures
{
    public const string KRaftVersion = "kraft.version";

    // The newest level Kafka 4.x defines for each feature: above it Kafka does not know the level at all.
    private static readonly Dictionary<string, short> KafkaMaxLevels = new(StringComparer.Ordinal)
    {
        [KRaftVersion] = 1, ["transaction.version"] = 2, ["group.version"] = 1,
        ["eligible.leader.replicas.version"] = 1, ["share.version"] = 1, ["streams.version"] = 1,
    };

    // The metadata.version a feature's served level needs as a default (Kafka's bootstrap versions:
    // transaction.version 2 from 4.0-IV2, group.version 1 from 4.0-IV0); otherwise the served release.
    private static readonly Dictionary<string, short> DefaultFrom = new(StringComparer.Ordinal)
    {
        ["transaction.version"] = 24, ["group.version"] = 22,
    };

    /// <summary>Every feature but metadata.version, by name, with the levels this broker serves.</summary>
    public static IReadOnlyDictionary<string, (short Min, short Max)> Supported { get; } = BrokerFeatures.All
        .Where(f => f.Name != MetadataVersion.FeatureName)
        // A dynamic quorum of one voter (kraft.version 1, --standalone) is still one node; both levels format.
        .ToDictionary(f => f.Name, f => f.Name == KRaftVersion ? ((short)0, (short)1) : (f.MinSupported, f.Level), StringComparer.Ordinal);

    /// <summary>The release version and the level of every feature, metadata.version included.</summary>
    /// <exception cref="StorageToolException">The request is ambiguous, names an unknown feature or a level not served.</exception>
    /// <exception cref="ArgumentException">metadata.version names a level that does not exist (Kafka's message).</exception>
    public static (MetadataVersion Release, SortedDictionary<string, short> Levels) Resolve(
        MetadataVersion? releaseVersion, IReadOnlyDictionary<string, short> requested, bool dynamicQuorum)
    {
        MetadataVersion release;
        if (requested.TryGetValue(MetadataVersion.FeatureName, out var metadataLevel))
        {
            if (releaseVersion is not null)
            {
                throw new StorageToolException($"Use --release-version instead of --feature {MetadataVersion.FeatureName}=X to avoid ambiguity.");
            }
            release = MetadataVersion.FromFeatureLevel(metadataLevel);
        }
        else
        {
            release = releaseVersion ?? MetadataVersion.LatestProduction;
        }
        var levels = new SortedDictionary<string, short>(StringComparer.Ordinal);
        foreach (var (name, level) in requested.Where(r => r.Key != MetadataVersion.FeatureName))
        {
            if (!Supported.ContainsKey(name))
            {
                throw new StorageToolException($"Unsupported feature: {name}. Supported features are: {string.Join(", ", Supported.Keys.Order(StringComparer.Ordinal))}");
            }
            levels[name] = level;
        }
        levels[MetadataVersion.FeatureName] = release.FeatureLevel;
        foreach (var name in Supported.Keys)
        {
            if (name == KRaftVersion)
            {
                levels[name] = EffectiveKRaftVersion(levels.TryGetValue(name, out var kraft) ? kraft : null, dynamicQuorum);
            }
            else if (!levels.ContainsKey(name))
            {
                levels[name] = release.FeatureLevel >= DefaultFrom.GetValueOrDefault(name, BrokerFeatures.MetadataVersion40IV3) ? Supported[name].Max : (short)0;
            }
        }
        foreach (var (name, level) in levels.Where(l => l.Key != MetadataVersion.FeatureName))
        {
            var (min, max) = Supported[name];
            if (level < 0 || level > KafkaMaxLevels.GetValueOrDefault(name, max))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"No feature:{name} with feature level {level}"));
            }
            if (level < min || level > max)
            {
                throw new StorageToolException(string.Create(CultureInfo.InvariantCulture,
                    $"{name}={level} is not served by KafkaCompat yet (it serves {name} levels {min} to {max}); nothing was formatted."));
            }
        }
        return (release, levels);
    }

    /// <summary>Kafka's rule: 1 with a dynamic quorum, 0 without, and a --feature kraft.version must agree.</summary>
    private static short EffectiveKRaftVersion(short? configured, bool dynamicQuorum)
    {
        if (configured is { } level)
        {
            if (level == 0 && dynamicQuorum)
            {
                throw new StorageToolException("Cannot set kraft.version to 0 if KIP-853 configuration is present. Try removing the --feature flag for kraft.version.");
            }
            if (level != 0 && !dynamicQuorum)
            {
                throw new StorageToolException(string.Create(CultureInfo.InvariantCulture,
                    $"Cannot set kraft.version to {level} unless KIP-853 configuration is present. Try removing the --feature flag for kraft.version."));
            }
            return level;
        }
        return dynamicQuorum ? (short)1 : (short)0;
    }
}
