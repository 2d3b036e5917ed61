using KafkaCompat.Broker.Handlers;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Protocol.Metadata;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The rules of broker and controller registration and of broker heartbeats (Kafka's
/// ClusterControlManager with the heartbeat side of its ReplicationControlManager, KIP-631, KIP-919):
/// each operation reads the latest image and returns the records to commit with the answer. Runs on
/// the controller's event queue. A broker's epoch is the offset its RegisterBrokerRecord gets, so it
/// is caught up once it reports a metadata offset at or past its epoch.
/// </summary>
public sealed class ClusterControlManager(ClusterControlConfig config, ILogger logger)
{
    /// <summary>The incarnations registered through this controller process (see <see cref="IsDuplicate"/>).</summary>
    private readonly HashSet<Uuid> _registeredHere = [];

    public BrokerHeartbeatManager Heartbeats { get; } = new(config.SessionTimeoutMs);

    public string ClusterId => config.ClusterId;

    public ControllerResult<BrokerRegistrationReply> RegisterBroker(MetadataImage image, BrokerRegistrationRequestData request, long brokerEpoch, long nowMs)
    {
        if (request.ClusterId != config.ClusterId)
        {
            return Refuse(ErrorCode.InconsistentClusterId, $"Expected cluster ID {config.ClusterId}, but got cluster ID {request.ClusterId}");
        }
        if (IsDuplicate(image.Cluster.Broker(request.BrokerId), request.IncarnationId, nowMs))
        {
            return Refuse(ErrorCode.DuplicateBrokerRegistration,
                "Another broker is registered with that broker id. If the broker was recently restarted this should self-resolve once the heartbeat manager expires the old broker session.");
        }
        // Every feature the cluster has finalized must be within the broker's range; one it does not name it supports at 0 only.
        foreach (var feature in BrokerFeatures.All.Where(f => f.Level > 0))
        {
            var offered = request.Features.FirstOrDefault(f => f.Name == feature.Name);
            var (min, max) = offered is null ? ((short)0, (short)0) : (offered.MinSupportedVersion, offered.MaxSupportedVersion);
            if (feature.Level < min || feature.Level > max)
            {
                return Refuse(ErrorCode.UnsupportedVersion,
                    $"Unable to register because the broker does not support finalized version {feature.Level} of {feature.Name}. The broker wants a version between {min} and {max}, inclusive.");
            }
        }
        var record = new RegisterBrokerRecord
        {
            BrokerId = request.BrokerId,
            IncarnationId = request.IncarnationId,
            BrokerEpoch = brokerEpoch,
            Rack = request.Rack,
            Fenced = true,
        };
        record.EndPoints.AddRange(request.Listeners.Select(l => new RegisterBrokerRecord.BrokerEndpoint { Name = l.Name, Host = l.Host, Port = l.Port, SecurityProtocol = l.SecurityProtocol }));
        record.Features.AddRange(request.Features.Select(f => new RegisterBrokerRecord.BrokerFeature { Name = f.Name, MinSupportedVersion = f.MinSupportedVersion, MaxSupportedVersion = f.MaxSupportedVersion }));
        Heartbeats.Register(request.BrokerId, nowMs);
        _registeredHere.Add(request.IncarnationId);
        logger.LogInformation("Registering broker {BrokerId} (incarnation {IncarnationId}, rack {Rack}) at epoch {BrokerEpoch}",
            request.BrokerId, request.IncarnationId, request.Rack ?? "none", brokerEpoch);
        return new ControllerResult<BrokerRegistrationReply>([record], new BrokerRegistrationReply(MetadataResult.Ok, brokerEpoch));
    }

    public ControllerResult<BrokerHeartbeatReply> ProcessHeartbeat(MetadataImage image, BrokerHeartbeatRequestData request, long nextWriteOffset, long nowMs)
    {
        if (CheckBrokerEpoch(image, request.BrokerId, request.BrokerEpoch) is { } stale)
        {
            return ControllerResult<BrokerHeartbeatReply>.Of(new BrokerHeartbeatReply(stale));
        }
        var broker = image.Cluster.Brokers[request.BrokerId];
        var current = broker.InControlledShutdown ? BrokerControlState.ControlledShutdown : broker.Fenced ? BrokerControlState.Fenced : BrokerControlState.Unfenced;
        // The registration record's offset is the broker epoch.
        var isCaughtUp = request.CurrentMetadataOffset >= broker.Epoch;
        var next = NextState(image, broker, current, request, isCaughtUp, nextWriteOffset);
        IKafkaMessage[] records = [];
        if (next != current)
        {
            var change = new BrokerRegistrationChangeRecord { BrokerId = broker.Id, BrokerEpoch = broker.Epoch };
            switch (next)
            {
                case BrokerControlState.Unfenced:
                    change.Fenced = ClusterImage.Unfence;
                    break;
                case BrokerControlState.ControlledShutdown:
                    change.InControlledShutdown = ClusterImage.EnterControlledShutdown;
                    Heartbeats.ControlledShutdownOffset(broker.Id, nextWriteOffset);
                    break;
                default:
                    change.Fenced = ClusterImage.Fence;
                    break;
            }
            // Fencing a broker that is fenced already changes nothing.
            records = change.Fenced == ClusterImage.Fence && broker.Fenced ? [] : [change];
            logger.LogInformation("Broker {BrokerId} at epoch {BrokerEpoch}: {Current} -> {Next}", broker.Id, broker.Epoch, current, next);
        }
        Heartbeats.Touch(broker.Id, nowMs, request.CurrentMetadataOffset);
        return new ControllerResult<BrokerHeartbeatReply>(records, new BrokerHeartbeatReply(MetadataResult.Ok, isCaughtUp,
            IsFenced: next is BrokerControlState.Fenced or BrokerControlState.ShutdownNow,
            InControlledShutdown: next == BrokerControlState.ControlledShutdown,
            ShouldShutDown: next == BrokerControlState.ShutdownNow));
    }

    /// <summary>STALE_BROKER_EPOCH unless <paramref name="brokerId"/> is registered at <paramref name="epoch"/> (Kafka's checkBrokerEpoch).</summary>
    public static MetadataResult? CheckBrokerEpoch(MetadataImage image, int brokerId, long epoch) => image.Cluster.Broker(brokerId) switch
    {
        null => new MetadataResult(ErrorCode.StaleBrokerEpoch, $"No broker registration found for broker id {brokerId}"),
        { Epoch: var registered } when registered != epoch => new MetadataResult(ErrorCode.StaleBrokerEpoch, $"Expected broker epoch {registered}, but got broker epoch {epoch}"),
        _ => null,
    };

    public ControllerResult<MetadataResult> UnregisterBroker(MetadataImage image, int brokerId)
    {
        if (image.Cluster.Broker(brokerId) is not { } broker)
        {
            return ControllerResult<MetadataResult>.Of(new MetadataResult(ErrorCode.BrokerIdNotRegistered, $"Broker ID {brokerId} is not currently registered"));
        }
        Heartbeats.Remove(brokerId);
        return new ControllerResult<MetadataResult>([new UnregisterBrokerRecord { BrokerId = brokerId, BrokerEpoch = broker.Epoch }], MetadataResult.Ok);
    }

    public static ControllerResult<MetadataResult> RegisterController(ControllerRegistrationRequestData request)
    {
        var record = new RegisterControllerRecord { ControllerId = request.ControllerId, IncarnationId = request.IncarnationId, ZkMigrationReady = request.ZkMigrationReady };
        record.EndPoints.AddRange(request.Listeners.Select(l => new RegisterControllerRecord.ControllerEndpoint { Name = l.Name, Host = l.Host, Port = l.Port, SecurityProtocol = l.SecurityProtocol }));
        record.Features.AddRange(request.Features.Select(f => new RegisterControllerRecord.ControllerFeature { Name = f.Name, MinSupportedVersion = f.MinSupportedVersion, MaxSupportedVersion = f.MaxSupportedVersion }));
        return new ControllerResult<MetadataResult>([record], MetadataResult.Ok);
    }

    /// <summary>Fences every unfenced broker whose session expired (Kafka's maybeFenceStaleBrokers).</summary>
    public ControllerResult<IReadOnlyList<int>> FenceStaleBrokers(MetadataImage image, long nowMs)
    {
        var stale = Heartbeats.StaleBrokers(image.Cluster, nowMs);
        foreach (var id in stale)
        {
            logger.LogInformation("Fencing broker {BrokerId} because its session has timed out", id);
        }
        return new ControllerResult<IReadOnlyList<int>>(
            [.. stale.Select(id => new BrokerRegistrationChangeRecord { BrokerId = id, BrokerEpoch = image.Cluster.Brokers[id].Epoch, Fenced = ClusterImage.Fence })], stale);
    }

    /// <summary>Kafka's BrokerHeartbeatManager.calculateNextBrokerState.</summary>
    private BrokerControlState NextState(MetadataImage image, BrokerRegistration broker, BrokerControlState current, BrokerHeartbeatRequestData request, bool isCaughtUp, long nextWriteOffset)
    {
        switch (current)
        {
            case BrokerControlState.Fenced:
                if (request.WantShutDown)
                {
                    return BrokerControlState.ShutdownNow;
                }
                return !request.WantFence && isCaughtUp ? BrokerControlState.Unfenced : BrokerControlState.Fenced;
            case BrokerControlState.Unfenced:
                if (request.WantFence)
                {
                    return request.WantShutDown ? BrokerControlState.ShutdownNow : BrokerControlState.Fenced;
                }
                if (request.WantShutDown)
                {
                    return HasMovableLeaderships(image, broker.Id) ? BrokerControlState.ControlledShutdown : BrokerControlState.ShutdownNow;
                }
                return BrokerControlState.Unfenced;
            default:
                if (HasMovableLeaderships(image, broker.Id))
                {
                    return BrokerControlState.ControlledShutdown;
                }
                // Done once every active broker has seen the records that began the shutdown.
                return Heartbeats.ControlledShutdownOffset(broker.Id, nextWriteOffset) <= Heartbeats.LowestActiveOffset(image.Cluster)
                    ? BrokerControlState.ShutdownNow
                    : BrokerControlState.ControlledShutdown;
        }
    }

    /// <summary>
    /// Whether the broker leads a partition whose leadership another active in-sync replica could take.
    /// Kafka waits while the broker leads anything, because its controller moves every leadership away
    /// (to another replica, or to none). Moving leaders is partition replication's work (issue 13); until
    /// then a sole replica keeps its leadership, so waiting on it would never end.
    /// </summary>
    private static bool HasMovableLeaderships(MetadataImage image, int brokerId) =>
        image.Topics.Values.SelectMany(t => t.Partitions).Any(p => p.Leader == brokerId && p.Isr.Any(r => r != brokerId && image.Cluster.Broker(r) is { IsActive: true }));

    private static ControllerResult<BrokerRegistrationReply> Refuse(ErrorCode error, string message) =>
        ControllerResult<BrokerRegistrationReply>.Of(new BrokerRegistrationReply(new MetadataResult(error, message)));

    /// <summary>
    /// Another incarnation of the broker still holds a live session (Kafka's check). One exception,
    /// ours: the broker of this controller's own combined node, registered before this controller
    /// process started, cannot be alive, since it shared the process that died; Kafka would make the
    /// restarted node wait out broker.session.timeout.ms for a session nobody can renew.
    /// </summary>
    private bool IsDuplicate(BrokerRegistration? existing, Uuid incarnationId, long nowMs) =>
        existing is not null
        && existing.IncarnationId != incarnationId
        && Heartbeats.HasValidSession(existing, nowMs)
        && !(existing.Id == config.LocalBrokerId && !_registeredHere.Contains(existing.IncarnationId));
}
