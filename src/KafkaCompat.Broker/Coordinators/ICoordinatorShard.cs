namespace KafkaCompat.Broker.Coordinators;

/// <summary>
/// The state machine kept in one partition of an internal topic (a group coordinator shard of
/// <c>__consumer_offsets</c>; later the transaction and share coordinators). Its persisted state
/// changes only through <see cref="Replay"/>: the runtime calls it for each record it appended,
/// right after the append, and for each record of the partition when the shard is loaded, so
/// normal operation and a restart go through the same code.
/// </summary>
public interface ICoordinatorShard
{
    /// <summary>Applies one record (a null value is a tombstone). <paramref name="loading"/> is true while the partition is being read at load time.</summary>
    void Replay(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, bool loading);

    /// <summary>The partition has been read to its end: start what runs on timers (session expiries, ...).</summary>
    void OnLoaded();

    /// <summary>The shard is closing: stop its timers. Queued work still runs and finds the shard closed.</summary>
    void OnClosed();
}
