using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Share.Partitions;

/// <summary>
/// One partition as one share group consumes it, on the partition's leader (KIP-932): the records
/// between the share-partition start offset (SPSO) and end offset (SPEO) are in flight, each with
/// its <see cref="RecordState"/>, delivery count and, while acquired, the member holding it and
/// when its acquisition lock expires. Records below the SPSO are done (acknowledged or archived);
/// records from the SPEO on were never delivered. The SPSO moves up past every finished record at
/// the front, so the window holds at most about <see cref="ShareGroupSettings.PartitionMaxRecordLocks"/>
/// records. All state changes happen under one lock; expired locks are found by a timer on the
/// broker's clock and on every call. An acknowledgement or release is a <see cref="StateTransition"/>
/// until the share coordinator has stored it, undone if that write fails, as Kafka's leader does.
/// </summary>
public sealed class SharePartition : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly List<InFlightRecord> _records = [];
    private readonly List<IPartitionWatcher> _watchers = [];
    private readonly Dictionary<long, PendingState> _pending = [];
    private readonly ITimer _lockTimer;
    private long _startOffset;
    private long _nextLockExpiryMs = long.MaxValue;

    public SharePartition(string groupId, Uuid topicId, Replication.Partition log, ShareGroupSettings settings, TimeProvider time)
    {
        GroupId = groupId;
        TopicId = topicId;
        Log = log;
        Settings = settings;
        _time = time;
        _lockTimer = time.CreateTimer(_ => OnLockTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string GroupId { get; }

    public Uuid TopicId { get; }

    /// <summary>The partition whose records are shared.</summary>
    public Replication.Partition Log { get; }

    /// <summary>The group's settings as of the latest request; a change applies from the next acquisition or acknowledgement.</summary>
    public ShareGroupSettings Settings { get; set; }

    /// <summary>The share coordinator's epoch of this partition's state, sent back with every write.</summary>
    public int StateEpoch { get; private set; }

    /// <summary>Called (outside the lock) after acquisition locks expired: the manager persists the released records.</summary>
    public Action<SharePartition>? LocksExpired { get; set; }

    public long StartOffset
    {
        get
        {
            lock (_lock)
            {
                return _startOffset;
            }
        }
    }

    public long EndOffset
    {
        get
        {
            lock (_lock)
            {
                return _startOffset + _records.Count;
            }
        }
    }

    /// <summary>Sets the state read from the share coordinator (or the reset offset when it had none); an acquired record comes back available, its lock having died with the previous leader.</summary>
    public void Initialize(int stateEpoch, long startOffset, IEnumerable<PersistedStateBatch> batches)
    {
        lock (_lock)
        {
            StateEpoch = stateEpoch;
            _startOffset = startOffset;
            _records.Clear();
            _pending.Clear();
            foreach (var batch in batches.OrderBy(b => b.FirstOffset))
            {
                for (var offset = Math.Max(batch.FirstOffset, _startOffset + _records.Count); offset <= batch.LastOffset; offset++)
                {
                    // Offsets between persisted batches were never delivered.
                    while (_startOffset + _records.Count < offset)
                    {
                        _records.Add(default);
                    }
                    var state = batch.State == RecordState.Acquired ? RecordState.Available : batch.State;
                    _records.Add(new InFlightRecord(state, batch.DeliveryCount, null, 0));
                }
            }
            AdvanceStartOffset();
        }
    }

    /// <summary>The first offset a fetch should read from: the first available in-flight record, else the SPEO.</summary>
    public long NextFetchOffset()
    {
        lock (_lock)
        {
            ExpireLocks(_time.GetUtcNow().ToUnixTimeMilliseconds());
            var index = FirstAcquirable();
            return index >= 0 ? _startOffset + index : _startOffset + _records.Count;
        }
    }

    /// <summary>
    /// Whether a fetch may acquire anything: an in-flight record is available, or fewer records than
    /// the limit are in flight so new ones may join them (Kafka's max.record.locks).
    /// </summary>
    public bool CanAcquire()
    {
        lock (_lock)
        {
            ExpireLocks(_time.GetUtcNow().ToUnixTimeMilliseconds());
            return _records.Count < Settings.PartitionMaxRecordLocks || FirstAcquirable() >= 0;
        }
    }

    /// <summary>
    /// Acquires for <paramref name="memberId"/> the acquirable records of the given log batches (first
    /// and last offsets, in log order), whole batches at a time until <paramref name="maxRecords"/> are
    /// acquired (a batch may carry the count past it, as Kafka's batch-optimised acquisition does). A
    /// record is acquirable when it is available in the window, or new (from the SPEO on) while fewer
    /// records than the limit are in flight. Each acquired record's delivery count goes up by one and
    /// its lock runs for the group's record.lock.duration.ms. The ranges come back in offset order.
    /// The batches of <paramref name="abortedBatches"/> (by base offset: read_committed, records of
    /// aborted transactions) are archived instead, never delivered, as Kafka's leader does. With
    /// <paramref name="recordLimit"/> (ShareFetch v2's record_limit acquire mode, KIP-1206) acquisition
    /// stops at exactly <paramref name="maxRecords"/>, within a batch if need be. A range holding
    /// <paramref name="batchSize"/> records or more (ShareFetch's BatchSize, KIP-932: the size of the
    /// batches records are acquired and acknowledged in) ends at the next log batch, so a member
    /// acknowledges the records of one fetch in ranges of about that many; 0 never cuts.
    /// </summary>
    public List<AcquiredRange> Acquire(string memberId, IEnumerable<(long BaseOffset, long LastOffset)> batches, int maxRecords,
        IReadOnlySet<long>? abortedBatches = null, bool recordLimit = false, int batchSize = 0)
    {
        var ranges = new List<AcquiredRange>();
        lock (_lock)
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            ExpireLocks(now);
            var lockExpiry = now + Settings.RecordLockDurationMs;
            var acquired = 0;
            foreach (var (baseOffset, lastOffset) in batches)
            {
                if (acquired >= maxRecords)
                {
                    break;
                }
                var endOffset = _startOffset + _records.Count;
                if (lastOffset >= endOffset && _records.Count >= Settings.PartitionMaxRecordLocks)
                {
                    break;
                }
                var aborted = abortedBatches?.Contains(baseOffset) == true;
                // Cut only between log batches, as Kafka's leader does: a log batch is never split over two ranges by size.
                var cut = batchSize > 0 && ranges.Count > 0 && ranges[^1].Count >= batchSize;
                for (var offset = Math.Max(baseOffset, _startOffset); offset <= lastOffset && !(recordLimit && acquired >= maxRecords); offset++)
                {
                    // Offsets the log has no record for (compacted away) are finished at once.
                    while (_startOffset + _records.Count < offset)
                    {
                        _records.Add(new InFlightRecord(RecordState.Archived, 0, null, 0));
                    }
                    var index = (int)(offset - _startOffset);
                    if (index == _records.Count)
                    {
                        _records.Add(default);
                    }
                    var record = _records[index];
                    if (record.State != RecordState.Available || _pending.ContainsKey(offset))
                    {
                        continue;
                    }
                    if (aborted)
                    {
                        _records[index] = new InFlightRecord(RecordState.Archived, record.DeliveryCount, null, 0);
                        continue;
                    }
                    var deliveryCount = (short)(record.DeliveryCount + 1);
                    _records[index] = new InFlightRecord(RecordState.Acquired, deliveryCount, memberId, lockExpiry);
                    acquired++;
                    if (!cut && ranges.Count > 0 && ranges[^1] is var last && last.LastOffset == offset - 1 && last.DeliveryCount == deliveryCount)
                    {
                        ranges[^1] = last with { LastOffset = offset };
                    }
                    else
                    {
                        ranges.Add(new AcquiredRange(offset, offset, deliveryCount));
                        cut = false;
                    }
                }
            }
            if (acquired > 0 && lockExpiry < _nextLockExpiryMs)
            {
                ScheduleLockTimer(lockExpiry, now);
            }
            AdvanceStartOffset();
        }
        return ranges;
    }

    /// <summary>
    /// Applies a member's acknowledgements, all or none: every offset must be a record this member
    /// holds acquired, else INVALID_RECORD_STATE and nothing changes. Accept acknowledges; reject and
    /// gap archive; release makes the record available again, or archives it once it was delivered
    /// group.share.delivery.count.limit times; renew (KIP-1222) keeps it acquired under a new lock of
    /// the full duration. The changes form a <see cref="StateTransition"/> that the caller persists
    /// and then hands to <see cref="Complete"/>: only then does the SPSO move past finished records.
    /// </summary>
    public (ErrorCode Error, string? Message, StateTransition? Transition) Acknowledge(string memberId, IReadOnlyList<AcknowledgementBatch> batches)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            ExpireLocks(now);
            var endOffset = _startOffset + _records.Count;
            foreach (var batch in batches)
            {
                if (batch.FirstOffset < _startOffset || batch.LastOffset >= endOffset)
                {
                    return (ErrorCode.InvalidRecordState, $"Offsets {batch.FirstOffset}-{batch.LastOffset} are not in flight (in flight: {_startOffset}-{endOffset - 1})", null);
                }
                for (var offset = batch.FirstOffset; offset <= batch.LastOffset; offset++)
                {
                    var record = _records[(int)(offset - _startOffset)];
                    if (record.State != RecordState.Acquired || record.MemberId != memberId)
                    {
                        return (ErrorCode.InvalidRecordState, $"Offset {offset} is not acquired by member {memberId}", null);
                    }
                }
            }
            var transition = new StateTransition();
            foreach (var batch in batches)
            {
                for (var offset = batch.FirstOffset; offset <= batch.LastOffset; offset++)
                {
                    var index = (int)(offset - _startOffset);
                    var record = _records[index];
                    if (batch.TypeOf(offset) == AcknowledgeType.Renew)
                    {
                        // A later expiry than any scheduled: the timer finds it when it next runs.
                        _records[index] = record with { LockExpiryMs = now + Settings.RecordLockDurationMs };
                        continue;
                    }
                    var state = batch.TypeOf(offset) switch
                    {
                        AcknowledgeType.Accept => RecordState.Acknowledged,
                        AcknowledgeType.Release => AfterDelivery(record.DeliveryCount),
                        _ => RecordState.Archived,
                    };
                    Transit(transition, offset, new InFlightRecord(state, record.DeliveryCount, null, 0));
                }
            }
            return (ErrorCode.None, null, transition);
        }
    }

    /// <summary>
    /// Gives back every record <paramref name="memberId"/> holds (its share session closed, or it left
    /// the group), as if released: a <see cref="StateTransition"/> to persist and complete, as an acknowledgement is.
    /// </summary>
    public StateTransition ReleaseAcquiredRecords(string memberId)
    {
        var transition = new StateTransition();
        lock (_lock)
        {
            for (var i = 0; i < _records.Count; i++)
            {
                var record = _records[i];
                if (record.State == RecordState.Acquired && record.MemberId == memberId)
                {
                    Transit(transition, _startOffset + i, new InFlightRecord(AfterDelivery(record.DeliveryCount), record.DeliveryCount, null, 0));
                }
            }
        }
        return transition;
    }

    /// <summary>
    /// Ends a <see cref="StateTransition"/> once the share coordinator answered. Stored: its records are
    /// final, the SPSO moves past finished ones and a waiting ShareFetch wakes for released ones. Not
    /// stored: every record the transition still holds is put back as it was before, acquired by the
    /// same member with the same lock (which may expire at once), as Kafka's leader rolls back.
    /// </summary>
    public void Complete(StateTransition transition, bool persisted)
    {
        bool moved;
        lock (_lock)
        {
            var restoredExpiry = long.MaxValue;
            foreach (var offset in transition.Offsets)
            {
                if (!_pending.TryGetValue(offset, out var pending) || pending.Transition != transition)
                {
                    continue;
                }
                _pending.Remove(offset);
                var index = offset - _startOffset;
                if (!persisted && index >= 0 && index < _records.Count)
                {
                    _records[(int)index] = pending.Previous;
                    restoredExpiry = Math.Min(restoredExpiry, pending.Previous.LockExpiryMs);
                }
            }
            if (restoredExpiry < _nextLockExpiryMs)
            {
                ScheduleLockTimer(restoredExpiry, _time.GetUtcNow().ToUnixTimeMilliseconds());
            }
            var before = _startOffset;
            AdvanceStartOffset();
            moved = _startOffset != before;
        }
        // A fetch waiting on this partition is woken when records were released or the SPSO moved
        // (the in-flight limit has room again), as Kafka's leader completes delayed share fetches once
        // acknowledgements are applied: else a member waiting for the limit would sleep its whole
        // MaxWaitMs while the acknowledging member takes the room.
        if ((persisted && transition.Released) || moved)
        {
            NotifyWatchers();
        }
    }

    /// <summary>The log start offset moved past the SPSO (retention, DeleteRecords): what was below it is gone, in flight or not.</summary>
    public void MaybeMoveStartOffset(long logStartOffset)
    {
        lock (_lock)
        {
            if (logStartOffset <= _startOffset)
            {
                return;
            }
            _records.RemoveRange(0, (int)Math.Min(_records.Count, logStartOffset - _startOffset));
            foreach (var gone in _pending.Keys.Where(o => o < logStartOffset).ToList())
            {
                _pending.Remove(gone);
            }
            _startOffset = logStartOffset;
            AdvanceStartOffset();
        }
    }

    /// <summary>
    /// What WriteShareGroupState persists for <paramref name="transition"/> (null: only what is
    /// final, as after expired locks): the SPSO and the in-flight records as runs of equal state and
    /// delivery count, with that transition's changes and without those of others still unstored, so
    /// that a write never carries a change another write may yet undo. An acquired record is written
    /// as available: its lock does not outlive this leader. The SPSO written is past the finished
    /// records at the front, as it will be once the transition completes.
    /// </summary>
    public (int StateEpoch, long StartOffset, List<PersistedStateBatch> Batches) Snapshot(StateTransition? transition = null)
    {
        lock (_lock)
        {
            var batches = new List<PersistedStateBatch>();
            var startOffset = _startOffset;
            var front = true;
            for (var i = 0; i < _records.Count; i++)
            {
                var offset = _startOffset + i;
                var record = _pending.TryGetValue(offset, out var pending) && pending.Transition != transition ? pending.Previous : _records[i];
                var state = record.State == RecordState.Acquired ? RecordState.Available : record.State;
                if (front && state is RecordState.Acknowledged or RecordState.Archived)
                {
                    startOffset = offset + 1;
                    continue;
                }
                front = false;
                if (batches.Count > 0 && batches[^1] is var last && last.State == state && last.DeliveryCount == record.DeliveryCount)
                {
                    batches[^1] = last with { LastOffset = offset };
                }
                else
                {
                    batches.Add(new PersistedStateBatch(offset, offset, state, record.DeliveryCount));
                }
            }
            return (StateEpoch, startOffset, batches);
        }
    }

    /// <summary>The state of one offset, for tests and diagnostics: below the SPSO it is finished, from the SPEO on never delivered.</summary>
    public (RecordState State, short DeliveryCount, string? MemberId) StateOf(long offset)
    {
        lock (_lock)
        {
            ExpireLocks(_time.GetUtcNow().ToUnixTimeMilliseconds());
            if (offset < _startOffset)
            {
                return (RecordState.Acknowledged, 0, null);
            }
            var index = offset - _startOffset;
            if (index >= _records.Count)
            {
                return (RecordState.Available, 0, null);
            }
            var record = _records[(int)index];
            return (record.State, record.DeliveryCount, record.MemberId);
        }
    }

    /// <summary>A ShareFetch waiting for records registers here too: released or expired records wake it as an append does.</summary>
    public void Watch(IPartitionWatcher watcher)
    {
        lock (_watchers)
        {
            _watchers.Add(watcher);
        }
    }

    public void Unwatch(IPartitionWatcher watcher)
    {
        lock (_watchers)
        {
            _watchers.Remove(watcher);
        }
    }

    public void Dispose() => _lockTimer.Dispose();

    private RecordState AfterDelivery(short deliveryCount) =>
        deliveryCount >= Settings.DeliveryCountLimit ? RecordState.Archived : RecordState.Available;

    private void OnLockTimer()
    {
        bool expired;
        lock (_lock)
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            expired = ExpireLocks(now);
            if (!expired && _nextLockExpiryMs != long.MaxValue)
            {
                // A timer may fire within the millisecond before the lock's due time: wait for it again.
                ScheduleLockTimer(_nextLockExpiryMs, now);
            }
        }
        if (expired)
        {
            NotifyWatchers();
            LocksExpired?.Invoke(this);
        }
    }

    /// <summary>Under the lock: every lock due by <paramref name="now"/> expires (the record becomes available, or archived at the delivery limit); the timer is set for the next one.</summary>
    private bool ExpireLocks(long now)
    {
        if (now < _nextLockExpiryMs)
        {
            return false;
        }
        var expired = false;
        var next = long.MaxValue;
        for (var i = 0; i < _records.Count; i++)
        {
            var record = _records[i];
            if (record.State != RecordState.Acquired)
            {
                continue;
            }
            if (record.LockExpiryMs <= now)
            {
                _records[i] = new InFlightRecord(AfterDelivery(record.DeliveryCount), record.DeliveryCount, null, 0);
                expired = true;
            }
            else
            {
                next = Math.Min(next, record.LockExpiryMs);
            }
        }
        _nextLockExpiryMs = long.MaxValue;
        if (next != long.MaxValue)
        {
            ScheduleLockTimer(next, now);
        }
        AdvanceStartOffset();
        return expired;
    }

    private void ScheduleLockTimer(long dueMs, long now)
    {
        _nextLockExpiryMs = dueMs;
        _lockTimer.Change(TimeSpan.FromMilliseconds(Math.Max(0, dueMs - now)), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Under the lock: the SPSO moves past the finished records at the front of the window, up to the first one whose change is not stored yet.</summary>
    private void AdvanceStartOffset()
    {
        var finished = 0;
        while (finished < _records.Count && _records[finished].State is RecordState.Acknowledged or RecordState.Archived
            && (_pending.Count == 0 || !_pending.ContainsKey(_startOffset + finished)))
        {
            finished++;
        }
        if (finished > 0)
        {
            _records.RemoveRange(0, finished);
            _startOffset += finished;
        }
    }

    private void NotifyWatchers()
    {
        IPartitionWatcher[] watchers;
        lock (_watchers)
        {
            watchers = [.. _watchers];
        }
        foreach (var watcher in watchers)
        {
            watcher.OnPartitionChanged(Log);
        }
    }

    /// <summary>Under the lock: the index of the first record a fetch may acquire (available, its release stored), or -1.</summary>
    private int FirstAcquirable()
    {
        for (var i = 0; i < _records.Count; i++)
        {
            if (_records[i].State == RecordState.Available && (_pending.Count == 0 || !_pending.ContainsKey(_startOffset + i)))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Under the lock: a record takes its new state as part of <paramref name="transition"/>, remembering the one to go back to.</summary>
    private void Transit(StateTransition transition, long offset, InFlightRecord next)
    {
        var index = (int)(offset - _startOffset);
        _pending[offset] = new PendingState(_records[index], transition);
        _records[index] = next;
        transition.Offsets.Add(offset);
        transition.Released |= next.State == RecordState.Available;
    }

    private readonly record struct InFlightRecord(RecordState State, short DeliveryCount, string? MemberId, long LockExpiryMs);

    /// <summary>A record changed by a transition not yet stored, and the record as it was before.</summary>
    private readonly record struct PendingState(InFlightRecord Previous, StateTransition Transition);
}
