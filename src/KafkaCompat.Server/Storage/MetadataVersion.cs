using System.Globalization;
using KafkaCompat.Broker.Handlers;

namespace KafkaCompat.Server.Storage;

/// <summary>
/// Kafka's metadata.version levels that a KRaft cluster can be formatted with: from 3.3-IV3 (level 7,
/// the oldest Kafka 4.x bootstraps) up to the one this broker serves (4.0-IV3, level 25). A release
/// name without its IV ("3.9") means the newest IV of that release, as Kafka's fromVersionString reads it.
/// </summary>
public sealed record MetadataVersion(short FeatureLevel, string Release, int Iv)
{
    public const string FeatureName = "metadata.version";

    // Kafka's table (server-common MetadataVersion), levels 7 to 25.
    private static readonly (short Level, string Release, int Iv)[] Table =
    [
        (7, "3.3", 3), (8, "3.4", 0), (9, "3.5", 0), (10, "3.5", 1), (11, "3.5", 2), (12, "3.6", 0), (13, "3.6", 1),
        (14, "3.6", 2), (15, "3.7", 0), (16, "3.7", 1), (17, "3.7", 2), (18, "3.7", 3), (19, "3.7", 4), (20, "3.8", 0),
        (21, "3.9", 0), (22, "4.0", 0), (23, "4.0", 1), (24, "4.0", 2), (25, "4.0", 3),
    ];

    public static IReadOnlyList<MetadataVersion> All { get; } = [.. Table.Select(v => new MetadataVersion(v.Level, v.Release, v.Iv))];

    /// <summary>The level this broker serves (<see cref="BrokerFeatures.MetadataVersion40IV3"/>): the default for a new cluster.</summary>
    public static MetadataVersion LatestProduction { get; } = All.Single(v => v.FeatureLevel == BrokerFeatures.MetadataVersion40IV3);

    public static MetadataVersion Minimum => All[0];

    /// <exception cref="ArgumentException">Not a release this broker knows (Kafka's message).</exception>
    public static MetadataVersion FromVersionString(string version)
    {
        // Like Kafka: only the first two dotted parts count ("3.9.1" is 3.9).
        var parts = version.Split('-', 2);
        var release = string.Join(".", parts[0].Split('.').Take(2));
        var match = parts.Length == 2
            ? All.FirstOrDefault(v => v.Release == release && $"IV{v.Iv}" == parts[1])
            : All.LastOrDefault(v => v.Release == release);
        return match ?? throw new ArgumentException($"Version {version} is not a valid version");
    }

    /// <exception cref="ArgumentException">No metadata.version has that level here.</exception>
    public static MetadataVersion FromFeatureLevel(short level) =>
        All.FirstOrDefault(v => v.FeatureLevel == level)
        ?? throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"No MetadataVersion with feature level {level}. Valid feature levels are from {Minimum.FeatureLevel} to {LatestProduction.FeatureLevel}."));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Release}-IV{Iv}");
}
