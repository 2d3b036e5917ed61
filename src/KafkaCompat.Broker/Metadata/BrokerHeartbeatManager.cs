namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The active controller's memory of broker sessions (Kafka's BrokerHeartbeatManager): when each
/// broker last heartbeated, the metadata offset it reported, and where its controlled shutdown began.
/// None of it is in the metadata log: a controller that becomes active gives every registered broker a
/// fresh session, as Kafka's does, and fences those that then stay silent for broker.session.timeout.ms.
/// Owned by the controller's event queue.
/// </summary>
public sealed class BrokerHeartbeatManager(long sessionTimeoutMs)
{
    private readonly Dictionary<int, Session> _sessions = [];

    public long SessionTimeoutMs => sessionTimeoutMs;

    /// <summary>Starts a fresh session for every registered broker (the controller has just become active).</summary>
    public void Activate(ClusterImage cluster, long nowMs)
    {
        _sessions.Clear();
        foreach (var id in cluster.Brokers.Keys)
        {
            Touch(id, nowMs, -1);
        }
    }

    public void Touch(int brokerId, long nowMs, long metadataOffset)
    {
        var session = _sessions.TryGetValue(brokerId, out var s) ? s : _sessions[brokerId] = new Session();
        session.LastContactMs = nowMs;
        session.MetadataOffset = Math.Max(session.MetadataOffset, metadataOffset);
    }

    /// <summary>A new registration starts a new session: the old incarnation's offsets mean nothing to it.</summary>
    public void Register(int brokerId, long nowMs)
    {
        _sessions.Remove(brokerId);
        Touch(brokerId, nowMs, -1);
    }

    public void Remove(int brokerId) => _sessions.Remove(brokerId);

    /// <summary>An unfenced broker heard from within the session timeout; a fenced one has no session to protect.</summary>
    public bool HasValidSession(BrokerRegistration broker, long nowMs) =>
        !broker.Fenced && _sessions.TryGetValue(broker.Id, out var session) && session.LastContactMs + sessionTimeoutMs >= nowMs;

    /// <summary>Unfenced brokers whose session has expired, to be fenced.</summary>
    public IReadOnlyList<int> StaleBrokers(ClusterImage cluster, long nowMs) =>
        [.. cluster.Brokers.Values.Where(b => !b.Fenced && !HasValidSession(b, nowMs)).Select(b => b.Id)];

    /// <summary>When the next unfenced broker's session expires if it stays silent, or null when no broker is unfenced.</summary>
    public long? NextExpiryMs(ClusterImage cluster)
    {
        long? next = null;
        foreach (var broker in cluster.Brokers.Values.Where(b => !b.Fenced))
        {
            var expiry = (_sessions.TryGetValue(broker.Id, out var session) ? session.LastContactMs : long.MinValue / 2) + sessionTimeoutMs + 1;
            next = next is null ? expiry : Math.Min(next.Value, expiry);
        }
        return next;
    }

    /// <summary>The offset of the records that began <paramref name="brokerId"/>'s controlled shutdown (kept from the first time).</summary>
    public long ControlledShutdownOffset(int brokerId, long offset)
    {
        var session = _sessions.TryGetValue(brokerId, out var s) ? s : _sessions[brokerId] = new Session();
        session.ControlledShutdownOffset ??= offset;
        return session.ControlledShutdownOffset.Value;
    }

    /// <summary>The lowest metadata offset reported by an active broker (unfenced, not shutting down); long.MaxValue when there is none.</summary>
    public long LowestActiveOffset(ClusterImage cluster) =>
        cluster.Brokers.Values.Where(b => b.IsActive).Select(b => _sessions.TryGetValue(b.Id, out var s) ? s.MetadataOffset : -1).DefaultIfEmpty(long.MaxValue).Min();

    private sealed class Session
    {
        public long LastContactMs { get; set; }

        public long MetadataOffset { get; set; } = -1;

        public long? ControlledShutdownOffset { get; set; }
    }
}
