using KafkaCompat.Protocol;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Transactions;

// What the coordinator does on its own, on timers: abort transactions left open too long, forget ids unused too long.
public sealed partial class TransactionCoordinatorShard
{
    /// <summary>
    /// Aborts every transaction open longer than its timeout, fencing its producer's epoch so the
    /// producer's late writes fail (Kafka's abortTimedOutTransactions, run every
    /// transaction.abort.timed.out.transaction.cleanup.interval.ms). Returns how many it aborted.
    /// </summary>
    public int AbortTimedOutTransactions()
    {
        var now = NowMs;
        var aborted = 0;
        foreach (var open in _transactions.Values.Where(t => t.State == TransactionState.Ongoing && t.StartTimestampMs + t.TimeoutMs < now).ToList())
        {
            var fenced = open.FenceAndAbort(now, _context.TransactionVersionLevel());
            if (Write(fenced) == ErrorCode.None)
            {
                Logger.LogInformation("Aborting transaction of {TransactionalId} (producer id {ProducerId}), open for {Ms} ms, longer than its timeout {Timeout} ms",
                    open.TransactionalId, open.ProducerId, now - open.StartTimestampMs, open.TimeoutMs);
                SendMarkers(fenced);
                aborted++;
            }
        }
        return aborted;
    }

    /// <summary>
    /// Removes transactional ids with no transaction in progress whose last update is older than
    /// transactional.id.expiration.ms, by writing their tombstones (Kafka's removal of expired ids,
    /// run every transaction.remove.expired.transaction.cleanup.interval.ms). Returns how many.
    /// </summary>
    public int RemoveExpiredTransactionalIds()
    {
        var now = NowMs;
        var expiration = Config.GetInt("transactional.id.expiration.ms");
        var expired = _transactions.Values.Where(t => t.State.IsExpirationAllowed() && t.LastUpdateTimestampMs + expiration <= now).ToList();
        if (expired.Count == 0)
        {
            return 0;
        }
        foreach (var dead in expired)
        {
            _ = dead.Expire(); // checks that Dead may follow its state
        }
        var error = _runtime.Append([.. expired.Select(t => (TransactionLogSerde.Key(t.TransactionalId), (byte[]?)null))]);
        if (error != ErrorCode.None)
        {
            Logger.LogWarning("Writing the tombstones of {Count} expired transactional ids failed: {Error}", expired.Count, error);
            return 0;
        }
        Logger.LogInformation("Removed {Count} transactional ids unused for {Ms} ms", expired.Count, expiration);
        return expired.Count;
    }
}
