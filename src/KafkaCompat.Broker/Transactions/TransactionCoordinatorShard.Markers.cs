using KafkaCompat.Protocol;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Transactions;

// The second phase: markers to every partition of a prepared transaction, then its completion.
public sealed partial class TransactionCoordinatorShard
{
    /// <summary>Transactions whose markers are being written, and the retry timer of each (null while a write is in flight).</summary>
    private readonly Dictionary<string, ITimer?> _markersInFlight = new(StringComparer.Ordinal);

    /// <summary>Starts writing the markers of a prepared transaction, unless that is already under way.</summary>
    private void SendMarkers(TransactionMetadata prepared)
    {
        if (_markersInFlight.ContainsKey(prepared.TransactionalId))
        {
            return;
        }
        _markersInFlight[prepared.TransactionalId] = null;
        SendMarkers(prepared, prepared.Partitions);
    }

    private void SendMarkers(TransactionMetadata prepared, IReadOnlyCollection<TopicPartition> partitions)
    {
        var markers = new TransactionMarkers(prepared.TransactionalId, prepared.ProducerId, prepared.ProducerEpoch,
            prepared.State == TransactionState.PrepareCommit, CoordinatorEpoch, partitions, prepared.ClientTransactionVersion);
        Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> written;
        try
        {
            written = _context.Markers.WriteAsync(markers);
        }
        catch (Exception ex)
        {
            written = Task.FromException<IReadOnlyDictionary<TopicPartition, ErrorCode>>(ex);
        }
        written.ContinueWith(t => Executor.Post(() => OnMarkersWritten(prepared, partitions, t)), TaskScheduler.Default);
    }

    /// <summary>
    /// Partitions that took their marker are done; the others are tried again after a back-off
    /// (Kafka keeps retrying markers: the transaction stays Prepare*, and its producer gets
    /// CONCURRENT_TRANSACTIONS meanwhile). With every partition marked, the completion is written.
    /// </summary>
    private void OnMarkersWritten(TransactionMetadata prepared, IReadOnlyCollection<TopicPartition> sent, Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> written)
    {
        if (!_markersInFlight.ContainsKey(prepared.TransactionalId))
        {
            return; // the shard closed meanwhile
        }
        if (!IsStill(prepared))
        {
            _markersInFlight.Remove(prepared.TransactionalId);
            return;
        }
        List<TopicPartition> failed;
        if (written.IsCompletedSuccessfully)
        {
            failed = [.. sent.Where(tp => written.Result.GetValueOrDefault(tp, ErrorCode.UnknownServerError) != ErrorCode.None)];
            foreach (var tp in failed)
            {
                Logger.LogWarning("Writing the {Marker} marker of {TransactionalId} to {Partition} failed: {Error}; retrying",
                    prepared.State == TransactionState.PrepareCommit ? "COMMIT" : "ABORT", prepared.TransactionalId, tp, written.Result.GetValueOrDefault(tp, ErrorCode.UnknownServerError));
            }
        }
        else
        {
            Logger.LogWarning(written.Exception, "Writing the markers of {TransactionalId} failed; retrying", prepared.TransactionalId);
            failed = [.. sent];
        }
        if (failed.Count > 0)
        {
            _markersInFlight[prepared.TransactionalId] = _runtime.Schedule(_context.MarkerRetryBackoffMs, () =>
            {
                if (_markersInFlight.ContainsKey(prepared.TransactionalId))
                {
                    _markersInFlight[prepared.TransactionalId] = null;
                    SendMarkers(prepared, failed);
                }
            });
            return;
        }
        CompleteTransaction(prepared);
    }

    private void CompleteTransaction(TransactionMetadata prepared)
    {
        var completed = prepared.Complete(NowMs);
        var error = Write(completed);
        if (error != ErrorCode.None)
        {
            // The markers are written; only the completion record is missing. Try again later.
            Logger.LogWarning("Writing the completion of {TransactionalId} failed: {Error}; retrying", prepared.TransactionalId, error);
            _markersInFlight[prepared.TransactionalId] = _runtime.Schedule(_context.MarkerRetryBackoffMs, () =>
            {
                if (_markersInFlight.ContainsKey(prepared.TransactionalId) && IsStill(prepared))
                {
                    CompleteTransaction(prepared);
                }
            });
            return;
        }
        _markersInFlight.Remove(prepared.TransactionalId);
        Logger.LogDebug("Completed {State} of {TransactionalId} (producer id {ProducerId}, epoch {Epoch})", completed.State, completed.TransactionalId, completed.ProducerId, completed.ProducerEpoch);
    }

    /// <summary>The transactional id is still in exactly the prepared state these markers belong to.</summary>
    private bool IsStill(TransactionMetadata prepared) =>
        _transactions.TryGetValue(prepared.TransactionalId, out var current) && current.State == prepared.State
        && current.ProducerId == prepared.ProducerId && current.ProducerEpoch == prepared.ProducerEpoch;

    private void CancelMarkerRetries()
    {
        foreach (var timer in _markersInFlight.Values)
        {
            timer?.Dispose();
        }
        _markersInFlight.Clear();
    }
}
