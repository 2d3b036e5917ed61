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
    /// Each partition's answer decides, as Kafka's TransactionMarkerRequestCompletionHandler does
    /// (<see cref="OutcomeOf"/>): a written marker or a partition nothing is left to mark is done;
    /// a retriable error has that partition tried again after a back-off (the transaction stays
    /// Prepare*, and its producer gets CONCURRENT_TRANSACTIONS meanwhile); a partition that saw a
    /// newer producer epoch or coordinator epoch means this transaction was settled by someone
    /// newer, so no marker of it is sent any more and no completion is written. With every
    /// partition done, the completion is written.
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
        var marker = prepared.State == TransactionState.PrepareCommit ? "COMMIT" : "ABORT";
        if (!written.IsCompletedSuccessfully)
        {
            // Kafka's disconnected request: every partition of it is sent again.
            Logger.LogWarning(written.Exception, "Writing the {Marker} markers of {TransactionalId} failed; retrying", marker, prepared.TransactionalId);
            RetryMarkers(prepared, sent);
            return;
        }
        var failed = new List<TopicPartition>();
        foreach (var tp in sent)
        {
            var error = written.Result.GetValueOrDefault(tp, ErrorCode.UnknownServerError);
            switch (OutcomeOf(error))
            {
                case MarkerOutcome.Written:
                    break;
                case MarkerOutcome.Dropped:
                    Logger.LogInformation("The {Marker} marker of {TransactionalId} for {Partition} is not written ({Error}): the partition is likely deleted, nothing is left to mark",
                        marker, prepared.TransactionalId, tp, error);
                    break;
                case MarkerOutcome.Retry:
                    Logger.LogWarning("Writing the {Marker} marker of {TransactionalId} to {Partition} failed: {Error}; retrying", marker, prepared.TransactionalId, tp, error);
                    failed.Add(tp);
                    break;
                default:
                    Logger.LogWarning("Writing the {Marker} marker of {TransactionalId} (producer id {ProducerId}, epoch {Epoch}) to {Partition} failed for good: {Error}; no more markers of it are sent",
                        marker, prepared.TransactionalId, prepared.ProducerId, prepared.ProducerEpoch, tp, error);
                    _markersInFlight.Remove(prepared.TransactionalId);
                    return;
            }
        }
        if (failed.Count > 0)
        {
            RetryMarkers(prepared, failed);
            return;
        }
        CompleteTransaction(prepared);
    }

    private void RetryMarkers(TransactionMetadata prepared, IReadOnlyCollection<TopicPartition> partitions)
    {
        _markersInFlight[prepared.TransactionalId] = _runtime.Schedule(_context.MarkerRetryBackoffMs, () =>
        {
            if (_markersInFlight.ContainsKey(prepared.TransactionalId))
            {
                _markersInFlight[prepared.TransactionalId] = null;
                SendMarkers(prepared, partitions);
            }
        });
    }

    /// <summary>
    /// What a partition leader's answer to a marker means for the coordinator, per Kafka's completion
    /// handler. UNKNOWN_TOPIC_OR_PARTITION: the metadata no longer knows the topic (a leader answers it
    /// for nothing else), where Kafka finds no leader to send the retry to and drops the partition.
    /// UNSUPPORTED_FOR_MESSAGE_FORMAT / UNSUPPORTED_VERSION: the producer could not have written there
    /// either. INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED: a newer producer or coordinator
    /// epoch reached the partition. Anything else is retried (Kafka throws on errors it does not expect,
    /// which stops that transaction's markers with no completion; retrying keeps a marker from being lost
    /// to an error of this broker's own).
    /// </summary>
    private static MarkerOutcome OutcomeOf(ErrorCode error) => error switch
    {
        ErrorCode.None => MarkerOutcome.Written,
        ErrorCode.UnknownTopicOrPartition or ErrorCode.UnsupportedForMessageFormat or ErrorCode.UnsupportedVersion => MarkerOutcome.Dropped,
        ErrorCode.InvalidProducerEpoch or ErrorCode.TransactionCoordinatorFenced => MarkerOutcome.Abandoned,
        _ => MarkerOutcome.Retry,
    };

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

    private enum MarkerOutcome
    {
        Written,
        Dropped,
        Retry,
        Abandoned,
    }
}
