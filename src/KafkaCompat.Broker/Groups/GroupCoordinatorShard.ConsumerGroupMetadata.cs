using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using Microsoft.Extensions.Logging;
using static KafkaCompat.Broker.Groups.Consumer.ConsumerGroupRecords;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// Consumer groups following the cluster's metadata (KIP-848, KIP-1101), as Kafka's
/// GroupMetadataManager does: subscribed regular expressions are resolved in the background against
/// a metadata image and the result written as ConsumerGroupRegularExpression records; a group's
/// subscribed topics are hashed into ConsumerGroupMetadataValue.MetadataHash, and a heartbeat that
/// finds another hash (new partitions, a topic created or deleted) bumps the group epoch, so the
/// target assignment is computed again and every member gets it on its next heartbeat. A metadata
/// change to a subscribed topic makes the next heartbeat of the group look.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>Kafka's REGEX_BATCH_REFRESH_MIN_INTERVAL_MS: a group's regular expressions are resolved at most this often, so that a burst of heartbeats rebalances once.</summary>
    public const int RegexBatchRefreshMinIntervalMs = 10_000;

    /// <summary>Kafka's METADATA_REFRESH_INTERVAL_MS since KIP-1101: no periodic refresh, only when the metadata of a subscribed topic changes.</summary>
    private const long MetadataRefreshIntervalMs = int.MaxValue;

    private CoordinatorExecutor? _background;
    private MetadataImage? _image;
    private MetadataImage? _requestImage;
    private long _imageVersion = -1;
    private long _lastImageWithNewTopics = -1;

    private CoordinatorExecutor Background => _background ??= new CoordinatorExecutor(Executor, Logger);

    /// <summary>For tests: completes once every regular-expression resolution started so far has handed its result to the executor.</summary>
    public Task BackgroundIdleAsync() => _background?.IdleAsync() ?? Task.CompletedTask;

    /// <summary>
    /// A new metadata image (Kafka's onNewMetadataImage), at metadata log offset <paramref name="version"/>:
    /// the groups subscribed to a topic of <paramref name="changedTopics"/> (created, deleted, with new
    /// partitions) look at their metadata on their next heartbeat; when topics were created, regular
    /// expressions resolved against an older image are resolved again (a deleted topic leaves through
    /// the metadata hash, and the resolutions are cleaned at their next refresh).
    /// </summary>
    public void OnNewMetadataImage(MetadataImage image, long version, IReadOnlySet<string> changedTopics, bool topicsCreated)
    {
        _image = image;
        _imageVersion = version;
        if (_lastImageWithNewTopics == -1 || topicsCreated)
        {
            _lastImageWithNewTopics = version;
        }
        foreach (var group in _consumerGroups.Values)
        {
            if (group.SubscribedTopicNames().Overlaps(changedTopics))
            {
                group.MetadataRefreshDeadline = MetadataRefreshDeadline.Expired;
            }
        }
    }

    /// <summary>The newest image this shard knows: the one published to it, else the one the request came with.</summary>
    private MetadataImage CurrentImage(MetadataImage requestImage)
    {
        _requestImage = requestImage;
        return _image ?? requestImage;
    }

    /// <summary>For work no request brings an image to (timers, background results): the newest image this shard knows.</summary>
    private MetadataImage KnownImage => _image ?? _requestImage ?? MetadataImage.Empty;

    private enum RegexUpdate
    {
        NoChange,
        Updated,
        UpdatedAndResolved,
    }

    /// <summary>
    /// Kafka's maybeUpdateRegularExpressions: a member changing its regular expression tombstones the
    /// resolution of the old one when it was its last subscriber; a regular expression new to the group
    /// is validated (INVALID_REGULAR_EXPRESSION) and resolved in the background; one already resolved
    /// bumps the group epoch at once. The group's regular expressions are resolved again, at most once
    /// per <see cref="RegexBatchRefreshMinIntervalMs"/>, when one is unresolved, when topics were
    /// created since, or when the last resolution is older than <c>group.consumer.regex.refresh.interval.ms</c>.
    /// </summary>
    private RegexUpdate MaybeUpdateRegularExpressions(ConsumerGroup group, ConsumerGroupMember member, ConsumerGroupMember updated, List<CoordinatorRecord> records, MetadataImage image)
    {
        var oldRegex = member.HasRegex ? member.SubscribedTopicRegex : null;
        var newRegex = updated.HasRegex ? updated.SubscribedTopicRegex : null;
        var result = RegexUpdate.NoChange;
        var requireRefresh = false;
        if (oldRegex != newRegex)
        {
            result = RegexUpdate.Updated;
            if (oldRegex is not null && group.NumSubscribedMembers(oldRegex) == 1)
            {
                records.Add(new CoordinatorRecord.ConsumerGroupRegularExpression(group.GroupId, oldRegex, null));
            }
            if (newRegex is not null)
            {
                if (group.NumSubscribedMembers(newRegex) == 0)
                {
                    if (Re2JRegex.TryCompile(newRegex, out var error) is null)
                    {
                        throw new ConsumerGroupException(ErrorCode.InvalidRegularExpression, $"SubscribedTopicRegex `{newRegex}` is not a valid regular expression: {error}.");
                    }
                    requireRefresh = true;
                }
                else if (group.ResolvedRegularExpressions.ContainsKey(newRegex))
                {
                    result = RegexUpdate.UpdatedAndResolved;
                }
            }
            else if (oldRegex is not null)
            {
                // Dropping a regular expression needs no resolution: the epoch is bumped at once, as in Kafka.
                result = RegexUpdate.UpdatedAndResolved;
            }
        }

        var subscribed = group.SubscribedRegularExpressions();
        if (!requireRefresh && subscribed.Count == 0 || Background.IsScheduled(group.GroupId))
        {
            return result;
        }
        var now = NowMs;
        var lastRefresh = group.LastRegexRefreshTimeMs;
        var everResolved = lastRefresh != long.MinValue;
        if (everResolved && now <= lastRefresh + RegexBatchRefreshMinIntervalMs)
        {
            return result;
        }
        if (oldRegex is not null && subscribed.TryGetValue(oldRegex, out var count))
        {
            if (count <= 1)
            {
                subscribed.Remove(oldRegex);
            }
            else
            {
                subscribed[oldRegex] = count - 1;
            }
        }
        if (newRegex is not null)
        {
            subscribed[newRegex] = subscribed.GetValueOrDefault(newRegex) + 1;
        }
        requireRefresh |= subscribed.Count != group.ResolvedRegularExpressions.Count;
        requireRefresh |= group.LastRegexVersion < _lastImageWithNewTopics;
        requireRefresh |= !everResolved || now > lastRefresh + Config.GroupConsumerRegexRefreshIntervalMs;
        if (requireRefresh && subscribed.Count > 0)
        {
            var regexes = subscribed.Keys.ToList();
            var resolveImage = CurrentImage(image);
            var version = _imageVersion;
            var groupId = group.GroupId;
            Background.Schedule(groupId, () => ResolveRegularExpressions(regexes, resolveImage, version, now), resolved => OnRegularExpressionsResolved(groupId, resolved));
        }
        return result;
    }

    /// <summary>
    /// Kafka's refreshRegularExpressions, run in the background: every topic of the image each regular
    /// expression matches as a whole name. As in Kafka, internal topics are candidates like any other
    /// (only a DESCRIBE authorizer would filter, and this broker has none).
    /// </summary>
    private static Dictionary<string, ResolvedRegularExpression> ResolveRegularExpressions(IReadOnlyList<string> regexes, MetadataImage image, long version, long nowMs)
    {
        var compiled = regexes.Select(r => Re2JRegex.TryCompile(r, out _)).OfType<Re2JRegex>().ToList();
        var matches = regexes.ToDictionary(r => r, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var topic in image.Topics.Keys)
        {
            foreach (var regex in compiled)
            {
                if (regex.Matches(topic))
                {
                    matches[regex.Pattern].Add(topic);
                }
            }
        }
        return matches.ToDictionary(m => m.Key,
            m => new ResolvedRegularExpression([.. m.Value.Order(StringComparer.Ordinal)], version, nowMs), StringComparer.Ordinal);
    }

    /// <summary>
    /// Kafka's handleRegularExpressionsResult: the resolutions of the regular expressions still
    /// subscribed are written; when one matches other topics than before, or the group's metadata hash
    /// moved, the group epoch is bumped so the next heartbeat computes a new target assignment.
    /// </summary>
    private void OnRegularExpressionsResolved(string groupId, Dictionary<string, ResolvedRegularExpression> resolved)
    {
        if (_runtime.Status != ShardStatus.Active || !_consumerGroups.TryGetValue(groupId, out var group))
        {
            return;
        }
        var records = new List<CoordinatorRecord>();
        var resolutions = new Dictionary<string, ResolvedRegularExpression>(group.ResolvedRegularExpressions, StringComparer.Ordinal);
        var bumpEpoch = false;
        foreach (var (regex, resolution) in resolved)
        {
            if (group.NumSubscribedMembers(regex) == 0)
            {
                continue;
            }
            bumpEpoch |= !(group.ResolvedRegularExpressions.GetValueOrDefault(regex) ?? ResolvedRegularExpression.Empty).SameTopics(resolution);
            resolutions[regex] = resolution;
            records.Add(new CoordinatorRecord.ConsumerGroupRegularExpression(groupId, regex, RegularExpressionValue(resolution)));
        }
        var hash = TopicHash.Group(group.Members.Values.SelectMany(m => ConsumerGroup.TopicsOf(m, resolutions)), KnownImage);
        bumpEpoch |= hash != group.MetadataHash;
        var epoch = group.GroupEpoch + 1;
        if (bumpEpoch)
        {
            records.Add(new CoordinatorRecord.ConsumerGroupMetadata(groupId, new ConsumerGroupMetadataValue { Epoch = epoch, MetadataHash = hash }));
        }
        if (WriteConsumerGroupRecords(records) == ErrorCode.None && bumpEpoch)
        {
            Logger.LogInformation("Consumer group {GroupId}: regular expressions resolved, group epoch bumped to {Epoch}", groupId, epoch);
            MetadataRefreshed(_consumerGroups[groupId], epoch);
        }
    }

    /// <summary>
    /// Kafka's updateSubscriptionMetadata since KIP-1101: the hash of the topics the members will be
    /// subscribed to; a hash other than the group's bumps the epoch too, and the epoch record carries
    /// it. A group still holding a pre-4.1 ConsumerGroupPartitionMetadata record gets it tombstoned.
    /// Returns the group epoch.
    /// </summary>
    private int UpdateSubscriptionMetadata(ConsumerGroup group, IEnumerable<ConsumerGroupMember> members, bool bumpEpoch, MetadataImage image, List<CoordinatorRecord> records)
    {
        var hash = TopicHash.Group(members.SelectMany(group.TopicsOf), image);
        var epoch = group.GroupEpoch;
        if (bumpEpoch || hash != group.MetadataHash)
        {
            epoch++;
            records.Add(new CoordinatorRecord.ConsumerGroupMetadata(group.GroupId, new ConsumerGroupMetadataValue { Epoch = epoch, MetadataHash = hash }));
        }
        if (group.HasSubscriptionMetadataRecord)
        {
            records.Add(new CoordinatorRecord.ConsumerGroupPartitionMetadata(group.GroupId, null));
        }
        return epoch;
    }

    /// <summary>After the records of a refresh are written: no need to look again until the metadata of a subscribed topic changes.</summary>
    private void MetadataRefreshed(ConsumerGroup group, int groupEpoch) =>
        group.MetadataRefreshDeadline = new MetadataRefreshDeadline(NowMs + MetadataRefreshIntervalMs, groupEpoch);
}
