namespace KafkaCompat.Raft;

/// <summary>
/// One request in flight per destination, with a backoff after a failure (Kafka's RequestManager):
/// the Raft client re-sends from its poll loop rather than queueing, so at most one Fetch, Vote or
/// BeginQuorumEpoch is outstanding to a replica, and an answer to an older request (after a
/// transition reset the connections) is recognised as stale by its correlation id.
/// </summary>
internal sealed class RequestManager(int retryBackoffMs, int requestTimeoutMs)
{
    private readonly Dictionary<int, ConnectionState> _connections = [];

    public bool IsReady(int destination, long nowMs)
    {
        var connection = Get(destination);
        if (connection.InFlightCorrelationId is not null && nowMs - connection.LastSendMs >= requestTimeoutMs)
        {
            // The channel reports a timeout too; this keeps a lost callback from wedging the destination.
            connection.InFlightCorrelationId = null;
        }
        return connection.InFlightCorrelationId is null && nowMs >= connection.BackoffUntilMs;
    }

    public bool IsBackingOff(int destination, long nowMs) => Get(destination).InFlightCorrelationId is null && nowMs < Get(destination).BackoffUntilMs;

    public long RemainingBackoffMs(int destination, long nowMs) => Math.Max(0, Get(destination).BackoffUntilMs - nowMs);

    /// <summary>Time until the in-flight request to <paramref name="destination"/> times out (0 when none is in flight).</summary>
    public long RemainingRequestTimeMs(int destination, long nowMs)
    {
        var connection = Get(destination);
        return connection.InFlightCorrelationId is null ? 0 : Math.Max(0, connection.LastSendMs + requestTimeoutMs - nowMs);
    }

    public bool HasRequestTimedOut(int destination, long nowMs)
    {
        var connection = Get(destination);
        return connection.InFlightCorrelationId is not null && nowMs - connection.LastSendMs >= requestTimeoutMs;
    }

    public void OnRequestSent(int destination, int correlationId, long nowMs)
    {
        var connection = Get(destination);
        connection.InFlightCorrelationId = correlationId;
        connection.LastSendMs = nowMs;
    }

    public bool IsResponseExpected(int destination, int correlationId) => Get(destination).InFlightCorrelationId == correlationId;

    /// <summary>A response was handled; a failed one backs the destination off for controller.quorum.retry.backoff.ms.</summary>
    public void OnResponseResult(int destination, int correlationId, bool success, long nowMs)
    {
        var connection = Get(destination);
        if (connection.InFlightCorrelationId != correlationId)
        {
            return;
        }
        connection.InFlightCorrelationId = null;
        connection.BackoffUntilMs = success ? 0 : nowMs + retryBackoffMs;
    }

    /// <summary>The first of <paramref name="candidates"/> that is ready, starting after the one used last, so a dead replica does not catch every retry.</summary>
    public int? FindReadyServer(IReadOnlyList<int> candidates, long nowMs, ref int cursor)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            var index = (cursor + i) % candidates.Count;
            if (IsReady(candidates[index], nowMs))
            {
                cursor = index + 1;
                return candidates[index];
            }
        }
        return null;
    }

    public long BackoffBeforeAvailableServer(IReadOnlyList<int> candidates, long nowMs) =>
        candidates.Count == 0 ? long.MaxValue : candidates.Min(c => Math.Max(RemainingBackoffMs(c, nowMs), RemainingRequestTimeMs(c, nowMs)));

    public void Reset(int destination) => _connections.Remove(destination);

    /// <summary>Every transition forgets in-flight requests: their answers belong to the previous state.</summary>
    public void ResetAll() => _connections.Clear();

    private ConnectionState Get(int destination)
    {
        if (!_connections.TryGetValue(destination, out var connection))
        {
            connection = new ConnectionState();
            _connections[destination] = connection;
        }
        return connection;
    }

    private sealed class ConnectionState
    {
        public int? InFlightCorrelationId { get; set; }

        public long LastSendMs { get; set; }

        public long BackoffUntilMs { get; set; }
    }
}
