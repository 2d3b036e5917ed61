namespace KafkaCompat.Broker.Coordinators;

/// <summary>
/// The state machine kept in one partition of an internal topic (a group coordinator shard of
/// <c>__consumer_offsets</c>; later the transaction and share coordinators). Its persisted state
/// changes only through the Replay methods: the runtime calls them for each record (and
/// transaction marker) it appended, right after the append, and for each one of the partition when
/// the shard is loaded, so normal operation and a restart go through the same code.
/// </summary>
public interface ICoordinatorShard
{
    /// <summary>Applies one record (a null value is a tombstone). <paramref name="loading"/> is true while the partition is being read at load time.</summary>
    void Replay(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, bool loading);

    /// <summary>
    /// Applies one record written at <paramref name="offset"/>, in a transaction of
    /// <paramref name="producerId"/> (-1 when not transactional), which stays pending until its
    /// marker is replayed (<see cref="ReplayEndTransactionMarker"/>). Shards that keep no
    /// transactional records (the transaction coordinator's) need only the plain
    /// <see cref="Replay(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}?, bool)"/>.
    /// </summary>
    void Replay(long offset, long producerId, short producerEpoch, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, bool loading) =>
        Replay(key, value, loading);

    /// <summary>A COMMIT or ABORT marker of the producer's transaction was written to (or read from) the partition.</summary>
    void ReplayEndTransactionMarker(long producerId, short producerEpoch, bool commit)
    {
    }

    /// <summary>The partition has been read to its end: start what runs on timers (session expiries, ...).</summary>
    void OnLoaded();

    /// <summary>The shard is closing: stop its timers. Queued work still runs and finds the shard closed.</summary>
    void OnClosed();
}
