using System.Collections.Concurrent;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Share.Partitions;
using KafkaCompat.Broker.Share.Sessions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Share;

/// <summary>
/// The share-partitions this broker leads (KIP-932), one per group and partition, and the share
/// sessions of their members. A share-partition is loaded on first use from the share coordinator
/// (ReadShareGroupState through <see cref="IShareStatePersister"/>), starting at share.auto.offset.reset
/// when nothing was persisted; every acknowledgement, release and lock expiry that changes it is
/// written back (WriteShareGroupState) before the member is answered, one write at a time per
/// partition, so the coordinator never sees an older state after a newer one.
/// </summary>
public sealed class SharePartitionManager : IDisposable
{
    private readonly IShareStatePersister _persister;
    private readonly Func<string, ShareGroupSettings> _settingsOf;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string GroupId, Uuid TopicId, int Partition), Lazy<Task<LoadResult>>> _partitions = new();
    private readonly ConcurrentDictionary<SharePartition, SemaphoreSlim> _writeGates = new();

    /// <summary>
    /// <paramref name="settingsOf"/> is the one place a group's share settings are read: the broker's
    /// group.share.* defaults until group configs (KIP-932's share.* group settings) are served, then
    /// the group's own values.
    /// </summary>
    public SharePartitionManager(IShareStatePersister persister, Func<string, ShareGroupSettings> settingsOf,
        int maxShareSessions, TimeProvider time, ILogger logger)
    {
        _persister = persister;
        _settingsOf = settingsOf;
        _time = time;
        _logger = logger;
        Sessions = new ShareSessionCache(maxShareSessions);
    }

    public ShareSessionCache Sessions { get; }

    public ShareGroupSettings SettingsOf(string groupId) => _settingsOf(groupId);

    /// <summary>The share-partition of <paramref name="groupId"/> on the partition, loaded from the share coordinator on first use; an error when it cannot be.</summary>
    public async Task<(SharePartition? Partition, ErrorCode Error, string? Message)> GetOrLoadAsync(string groupId, Uuid topicId, Replication.Partition log)
    {
        var key = (groupId, topicId, log.TopicPartition.Partition);
        var lazy = _partitions.GetOrAdd(key, _ => new Lazy<Task<LoadResult>>(() => LoadAsync(groupId, topicId, log)));
        var loaded = await lazy.Value;
        if (loaded.Partition is null)
        {
            // A failed load is tried again by the next request.
            _partitions.TryRemove(new KeyValuePair<(string, Uuid, int), Lazy<Task<LoadResult>>>(key, lazy));
            return (null, loaded.Error, loaded.Message);
        }
        loaded.Partition.Settings = _settingsOf(groupId);
        return (loaded.Partition, ErrorCode.None, null);
    }

    /// <summary>The share-partition if it is loaded already: acknowledgements go only to partitions a fetch loaded, as in Kafka.</summary>
    public SharePartition? Loaded(string groupId, Uuid topicId, int partition) =>
        _partitions.TryGetValue((groupId, topicId, partition), out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully
            ? lazy.Value.Result.Partition
            : null;

    /// <summary>
    /// Reads from the first acquirable offset and acquires for the member what it read (whole
    /// batches, about <paramref name="maxRecords"/> records, in ranges of about <paramref name="batchSize"/>);
    /// the answer carries the batches holding acquired records as a slice of the read, uncopied.
    /// <paramref name="recordLimit"/>: exactly <paramref name="maxRecords"/> at most (ShareFetch v2's record_limit mode).
    /// </summary>
    public ShareAcquisition Acquire(SharePartition share, string memberId, int maxRecords, int maxBytes, bool minOneBatch, bool recordLimit = false, int batchSize = 0)
    {
        var log = share.Log;
        share.MaybeMoveStartOffset(log.LogStartOffset);
        if (maxRecords <= 0 || !share.CanAcquire())
        {
            return ShareAcquisition.Nothing;
        }
        var fetchOffset = share.NextFetchOffset();
        var isolation = Isolation(share.Settings);
        var budget = ReadBudget(share, fetchOffset, maxRecords, maxBytes);
        var read = log.Read(fetchOffset, budget, isolation, minOneBatch);
        if (read.Error == ErrorCode.None && read.Records.IsEmpty && budget < maxBytes)
        {
            // The first batch is larger than the estimate: it is still acquired whole when MaxBytes allows.
            read.Dispose();
            read = log.Read(fetchOffset, maxBytes, isolation, minOneBatch);
        }
        if (read.Error != ErrorCode.None)
        {
            read.Dispose();
            return ShareAcquisition.Failed(read.Error, null);
        }
        var batches = new List<(long BaseOffset, long LastOffset, int Position, int Length)>();
        HashSet<long>? aborted = null;
        var position = 0;
        foreach (var batch in new RecordBatchSet(read.Records))
        {
            batches.Add((batch.BaseOffset, batch.LastOffset, position, batch.SizeInBytes));
            position += batch.SizeInBytes;
            if (share.Settings.ReadCommitted && batch.IsTransactional && !batch.IsControl && IsAborted(batch, read.AbortedTransactions))
            {
                (aborted ??= []).Add(batch.BaseOffset);
            }
        }
        var ranges = share.Acquire(memberId, batches.Select(b => (b.BaseOffset, b.LastOffset)), maxRecords, aborted, recordLimit, batchSize);
        if (ranges.Count == 0)
        {
            read.Dispose();
            return ShareAcquisition.Nothing;
        }
        // Only the batches holding acquired records go out: the member skips what it did not acquire.
        var first = batches.First(b => b.LastOffset >= ranges[0].FirstOffset);
        var last = batches.Last(b => b.BaseOffset <= ranges[^1].LastOffset);
        var records = read.Records[first.Position..(last.Position + last.Length)];
        return new ShareAcquisition(ErrorCode.None, null, read, records, ranges);
    }

    /// <summary>Applies a member's acknowledgements of one partition and persists the result before answering.</summary>
    public async Task<(ErrorCode Error, string? Message)> AcknowledgeAsync(string groupId, string memberId, Uuid topicId, int partition,
        IReadOnlyList<AcknowledgementBatch> batches)
    {
        var share = Loaded(groupId, topicId, partition);
        if (share is null)
        {
            return (ErrorCode.UnknownTopicOrPartition, $"No share-partition of group {groupId} is loaded for partition {partition} of topic {topicId}");
        }
        share.Settings = _settingsOf(groupId);
        var (error, message, transition) = share.Acknowledge(memberId, batches);
        return error != ErrorCode.None ? (error, message) : await PersistAsync(share, transition);
    }

    /// <summary>
    /// Ties a new share session to the connection that opened it: when the connection closes, the
    /// session ends and the member's records are released at once, as Kafka's leader does on a
    /// disconnect, instead of waiting for their locks to expire.
    /// </summary>
    public void CloseWithConnection(ShareSession session, CancellationToken connectionClosed) =>
        session.ConnectionClosed = connectionClosed.Register(() =>
        {
            if (Sessions.Remove(session) is { } partitions)
            {
                _ = ReleaseSessionAsync(session.GroupId, session.MemberId, partitions);
            }
        });

    /// <summary>
    /// A share session closed (ShareFetch or ShareAcknowledge at epoch -1, its connection lost, or
    /// replaced by a new one at epoch 0): the member's records in its partitions are released. When
    /// that was the group's last session here, the group's share-partitions are dropped, as Kafka's
    /// leader drops them when a share group becomes empty on it: an empty group is what
    /// AlterShareGroupOffsets and DeleteShareGroupOffsets change, and its next member must start from
    /// the state the share coordinator holds then, not from this leader's copy.
    /// </summary>
    public async Task ReleaseSessionAsync(string groupId, string memberId, IEnumerable<SharePartitionKey> partitions)
    {
        var releasing = new List<Task>();
        foreach (var key in partitions)
        {
            if (Loaded(groupId, key.TopicId, key.Partition) is { } share && share.ReleaseAcquiredRecords(memberId) is { Count: > 0 } released)
            {
                releasing.Add(PersistAsync(share, released));
            }
        }
        await Task.WhenAll(releasing);
        if (!Sessions.HasSessions(groupId))
        {
            Forget(key => key.GroupId == groupId);
        }
    }

    /// <summary>
    /// A new metadata image: the share-partitions of topics it no longer holds are dropped, as Kafka's
    /// leader drops them when their partition is deleted (the share coordinator forgets their state
    /// on its own), instead of being kept until a restart.
    /// </summary>
    public void OnMetadataImage(MetadataImage image) => Forget(key => image.Topic(key.TopicId) is null);

    /// <summary>Drops the loaded share-partitions whose key <paramref name="matches"/>; the next fetch of one loads it again.</summary>
    private void Forget(Func<(string GroupId, Uuid TopicId, int Partition), bool> matches)
    {
        foreach (var (key, lazy) in _partitions)
        {
            if (matches(key) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.Partition is { } share)
            {
                Evict(share);
            }
        }
    }

    /// <summary>
    /// Writes the partition's state with <paramref name="transition"/>'s changes to the share coordinator,
    /// after any write already under way, then completes the transition: kept when stored, undone when
    /// not (Kafka's leader rolls back an acknowledgement or release it could not persist, and answers
    /// the error as its persister maps it).
    /// </summary>
    public async Task<(ErrorCode Error, string? Message)> PersistAsync(SharePartition share, StateTransition? transition = null)
    {
        var (error, message) = await WriteStateAsync(share, transition);
        if (transition is not null)
        {
            share.Complete(transition, persisted: error == ErrorCode.None);
        }
        return error == ErrorCode.None ? (error, message) : (PersisterError(error), message);
    }

    private async Task<(ErrorCode Error, string? Message)> WriteStateAsync(SharePartition share, StateTransition? transition)
    {
        var gate = _writeGates.GetOrAdd(share, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            // The snapshot is taken inside the gate: a later write always carries a later state.
            var (stateEpoch, startOffset, batches) = share.Snapshot(transition);
            var request = new WriteShareGroupStateRequestData
            {
                GroupId = share.GroupId,
                Topics =
                [
                    new WriteShareGroupStateRequestData.WriteStateData
                    {
                        TopicId = share.TopicId,
                        Partitions =
                        [
                            new WriteShareGroupStateRequestData.PartitionData
                            {
                                Partition = share.Log.TopicPartition.Partition,
                                StateEpoch = stateEpoch,
                                LeaderEpoch = share.Log.LeaderEpoch,
                                StartOffset = startOffset,
                                // KIP-1226: the records at or past the start offset that are finished
                                // (acknowledged or archived), which DescribeShareGroupOffsets' lag leaves out.
                                DeliveryCompleteCount = (int)batches.Where(b => b.FirstOffset >= startOffset && b.State is RecordState.Acknowledged or RecordState.Archived)
                                    .Sum(b => b.LastOffset - b.FirstOffset + 1),
                                StateBatches = [.. batches.Select(b => new WriteShareGroupStateRequestData.StateBatch
                                {
                                    FirstOffset = b.FirstOffset,
                                    LastOffset = b.LastOffset,
                                    DeliveryState = (sbyte)b.State,
                                    DeliveryCount = b.DeliveryCount,
                                })],
                            },
                        ],
                    },
                ],
            };
            var response = await _persister.WriteStateAsync(request);
            var result = response.Results.SelectMany(r => r.Partitions).FirstOrDefault();
            var error = result is null ? ErrorCode.UnknownServerError : (ErrorCode)result.ErrorCode;
            if (error != ErrorCode.None)
            {
                _logger.LogWarning("Writing the state of share group {GroupId} on {TopicPartition} failed: {Error} {Message}",
                    share.GroupId, share.Log.TopicPartition, error.KafkaName(), result?.ErrorMessage);
            }
            if (error is ErrorCode.FencedStateEpoch or ErrorCode.FencedLeaderEpoch)
            {
                // The coordinator holds a newer state than this one (its epoch moved on, as when the group's
                // offsets were reset or its state deleted): drop this copy, the next fetch loads the new one.
                Evict(share);
            }
            return (error, result?.ErrorMessage);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError(e, "Writing the state of share group {GroupId} on {TopicPartition} failed", share.GroupId, share.Log.TopicPartition);
            return (ErrorCode.UnknownServerError, e.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    private void Evict(SharePartition share)
    {
        var key = (share.GroupId, share.TopicId, share.Log.TopicPartition.Partition);
        if (_partitions.TryGetValue(key, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.Partition == share
            && _partitions.TryRemove(new KeyValuePair<(string, Uuid, int), Lazy<Task<LoadResult>>>(key, lazy)))
        {
            _writeGates.TryRemove(share, out _);
            share.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _partitions.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Partition?.Dispose();
            }
        }
        _partitions.Clear();
    }

    /// <summary>
    /// How many bytes a share fetch reads: the offsets from <paramref name="fetchOffset"/> to the end of
    /// the in-flight window plus <paramref name="maxRecords"/> new ones, at the log's average bytes per
    /// offset, twice over for batches larger than the average; never more than <paramref name="maxBytes"/>.
    /// Kafka's leader reads a lazy slice of the log file, so reading MaxBytes to acquire a few hundred
    /// records costs it nothing; this log read copies what it reads, and librdkafka asks for 50 MiB
    /// with MaxRecords 500, so reading MaxBytes copied about 70 times the bytes answered (docs/performance.md).
    /// Too small an estimate only acquires fewer records this time; MaxRecords is a soft limit.
    /// </summary>
    private static int ReadBudget(SharePartition share, long fetchOffset, int maxRecords, int maxBytes)
    {
        var log = share.Log;
        var offsets = log.LogEndOffset - log.LogStartOffset;
        if (offsets <= 0)
        {
            return maxBytes;
        }
        var bytesPerOffset = (double)log.Size / offsets;
        var span = Math.Max(0, share.EndOffset - fetchOffset) + maxRecords;
        return (int)Math.Clamp(2 * span * bytesPerOffset, 1, maxBytes);
    }

    /// <summary>A transactional batch is aborted when its producer's aborted transaction spans it: from its first offset to its ABORT marker.</summary>
    private static bool IsAborted(RecordBatch batch, IReadOnlyList<AbortedTxn> abortedTransactions)
    {
        foreach (var transaction in abortedTransactions)
        {
            if (transaction.ProducerId == batch.ProducerId && transaction.FirstOffset <= batch.BaseOffset && batch.LastOffset < transaction.LastOffset)
            {
                return true;
            }
        }
        return false;
    }

    private static FetchIsolation Isolation(ShareGroupSettings settings) =>
        settings.ReadCommitted ? FetchIsolation.TxnCommitted : FetchIsolation.HighWatermark;

    private async Task<LoadResult> LoadAsync(string groupId, Uuid topicId, Replication.Partition log)
    {
        var partition = log.TopicPartition.Partition;
        var settings = _settingsOf(groupId);
        ReadShareGroupStateResponseData.PartitionResult? result;
        try
        {
            var response = await _persister.ReadStateAsync(new ReadShareGroupStateRequestData
            {
                GroupId = groupId,
                Topics =
                [
                    new ReadShareGroupStateRequestData.ReadStateData
                    {
                        TopicId = topicId,
                        Partitions = [new ReadShareGroupStateRequestData.PartitionData { Partition = partition, LeaderEpoch = log.LeaderEpoch }],
                    },
                ],
            });
            result = response.Results.SelectMany(r => r.Partitions).FirstOrDefault(p => p.Partition == partition);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError(e, "Reading the state of share group {GroupId} on {TopicPartition} failed", groupId, log.TopicPartition);
            return new LoadResult(null, ErrorCode.UnknownServerError, e.Message);
        }
        if (result is null)
        {
            return new LoadResult(null, ErrorCode.UnknownServerError, "The share coordinator did not answer for the partition");
        }
        var share = new SharePartition(groupId, topicId, log, settings, _time);
        var error = (ErrorCode)result.ErrorCode;
        if (error == ErrorCode.None && result.StartOffset >= 0)
        {
            share.Initialize(result.StateEpoch, result.StartOffset, result.StateBatches.Select(b =>
                new PersistedStateBatch(b.FirstOffset, b.LastOffset, (RecordState)b.DeliveryState, b.DeliveryCount)));
        }
        else if (error == ErrorCode.None || error == ErrorCode.UnknownTopicOrPartition)
        {
            // No state yet (start offset -1, as the group coordinator initialises a partition it assigns; or none at
            // all): the partition starts where share.auto.offset.reset says, and that start is stored first.
            var startOffset = ResetOffset(settings, log);
            if (error == ErrorCode.UnknownTopicOrPartition)
            {
                var initialized = await InitializeAsync(groupId, topicId, partition, startOffset);
                if (initialized != ErrorCode.None)
                {
                    share.Dispose();
                    return new LoadResult(null, initialized, "The share coordinator could not initialise the partition's state");
                }
            }
            share.Initialize(result.StateEpoch, startOffset, []);
            if (error == ErrorCode.None)
            {
                // Stored before any delivery: a later leader must start where this one did, not at a later "latest".
                var (written, message) = await WriteStateAsync(share, null);
                if (written != ErrorCode.None)
                {
                    share.Dispose();
                    return new LoadResult(null, PersisterError(written), message);
                }
            }
        }
        else
        {
            share.Dispose();
            return new LoadResult(null, PersisterError(error), result.ErrorMessage);
        }
        share.LocksExpired = expired => _ = PersistAsync(expired);
        return new LoadResult(share, ErrorCode.None, null);
    }

    private async Task<ErrorCode> InitializeAsync(string groupId, Uuid topicId, int partition, long startOffset)
    {
        var response = await _persister.InitializeStateAsync(new InitializeShareGroupStateRequestData
        {
            GroupId = groupId,
            Topics =
            [
                new InitializeShareGroupStateRequestData.InitializeStateData
                {
                    TopicId = topicId,
                    Partitions = [new InitializeShareGroupStateRequestData.PartitionData { Partition = partition, StateEpoch = 0, StartOffset = startOffset }],
                },
            ],
        });
        var result = response.Results.SelectMany(r => r.Partitions).FirstOrDefault();
        return result is null ? ErrorCode.UnknownServerError : (ErrorCode)result.ErrorCode;
    }

    /// <summary>
    /// What a member is told when the share coordinator refused a read or write, as Kafka's leader maps
    /// its persister's errors: a coordinator it cannot reach is COORDINATOR_NOT_AVAILABLE (retried), a
    /// newer leader epoch NOT_LEADER_OR_FOLLOWER (the member looks for the leader), a few pass through,
    /// anything else is UNKNOWN_SERVER_ERROR.
    /// </summary>
    private static ErrorCode PersisterError(ErrorCode error) => error switch
    {
        ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress => ErrorCode.CoordinatorNotAvailable,
        ErrorCode.FencedLeaderEpoch => ErrorCode.NotLeaderOrFollower,
        ErrorCode.GroupIdNotFound or ErrorCode.UnknownTopicOrPartition or ErrorCode.FencedStateEpoch or ErrorCode.None => error,
        _ => ErrorCode.UnknownServerError,
    };

    private long ResetOffset(ShareGroupSettings settings, Replication.Partition log)
    {
        var isolation = Isolation(settings);
        var latest = settings.ReadCommitted ? log.LastStableOffset : log.HighWatermark;
        return settings.AutoOffsetReset.Kind switch
        {
            ShareAutoOffsetResetKind.Earliest => log.LogStartOffset,
            ShareAutoOffsetResetKind.ByDuration => log.FetchOffsetForTimestamp(
                _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)settings.AutoOffsetReset.Duration.TotalMilliseconds, isolation)?.Offset ?? latest,
            _ => latest,
        };
    }

    private sealed record LoadResult(SharePartition? Partition, ErrorCode Error, string? Message);
}
