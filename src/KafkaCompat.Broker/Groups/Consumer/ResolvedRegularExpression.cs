using System.Collections.Immutable;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// What a subscribed regular expression matched (ConsumerGroupRegularExpressionValue): the topic
/// names, the metadata version (offset of the metadata log) of the image it was resolved against,
/// and when. A resolution older than the last image with new topics is resolved again.
/// </summary>
public sealed record ResolvedRegularExpression(ImmutableSortedSet<string> Topics, long Version, long TimestampMs)
{
    public static ResolvedRegularExpression Empty { get; } = new(ImmutableSortedSet.Create<string>(StringComparer.Ordinal), -1, -1);

    public bool SameTopics(ResolvedRegularExpression other) => Topics.SetEquals(other.Topics);
}
