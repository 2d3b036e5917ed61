using System.Xml;

namespace KafkaCompat.Broker.Share;

/// <summary>
/// share.auto.offset.reset (KIP-932, by_duration from KIP-1106): where a share-partition with no
/// persisted state starts. <c>latest</c> (the default) starts at the high watermark, <c>earliest</c> at
/// the log start offset, <c>by_duration:PnDTnHnMn.nS</c> at the first record no older than the duration.
/// </summary>
public sealed record ShareAutoOffsetReset(ShareAutoOffsetResetKind Kind, TimeSpan Duration)
{
    public static readonly ShareAutoOffsetReset Latest = new(ShareAutoOffsetResetKind.Latest, TimeSpan.Zero);

    public static readonly ShareAutoOffsetReset Earliest = new(ShareAutoOffsetResetKind.Earliest, TimeSpan.Zero);

    private const string ByDurationPrefix = "by_duration:";

    /// <summary>The config's value; null when it is none of Kafka's forms (a negative duration included).</summary>
    public static ShareAutoOffsetReset? Parse(string value)
    {
        var trimmed = value.Trim();
        if (trimmed.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return Latest;
        }
        if (trimmed.Equals("earliest", StringComparison.OrdinalIgnoreCase))
        {
            return Earliest;
        }
        if (!trimmed.StartsWith(ByDurationPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            // XmlConvert reads ISO 8601 durations, the form Java's Duration.parse takes.
            var duration = XmlConvert.ToTimeSpan(trimmed[ByDurationPrefix.Length..]);
            return duration < TimeSpan.Zero ? null : new ShareAutoOffsetReset(ShareAutoOffsetResetKind.ByDuration, duration);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public enum ShareAutoOffsetResetKind
{
    Latest,
    Earliest,
    ByDuration,
}
