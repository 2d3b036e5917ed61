using System.Collections.Immutable;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Metadata;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The registered brokers and controllers at one point of the metadata log (Kafka's ClusterImage):
/// changed only by replaying registration records, so a restart rebuilds it from the log exactly.
/// </summary>
public sealed record ClusterImage(ImmutableSortedDictionary<int, BrokerRegistration> Brokers, ImmutableSortedDictionary<int, ControllerRegistration> Controllers)
{
    // BrokerRegistrationChangeRecord's codes (Kafka's BrokerRegistrationFencingChange and
    // BrokerRegistrationInControlledShutdownChange): 0 leaves the flag as it is.
    public const sbyte Fence = 1;
    public const sbyte Unfence = -1;
    public const sbyte EnterControlledShutdown = 1;

    public static ClusterImage Empty { get; } = new(ImmutableSortedDictionary<int, BrokerRegistration>.Empty, ImmutableSortedDictionary<int, ControllerRegistration>.Empty);

    public BrokerRegistration? Broker(int id) => Brokers.GetValueOrDefault(id);

    /// <summary>The brokers clients are told about: registered and not fenced (a broker in controlled shutdown still serves).</summary>
    public IEnumerable<BrokerRegistration> UnfencedBrokers => Brokers.Values.Where(b => !b.Fenced);

    /// <summary>The image after <paramref name="record"/>, or null when it is not a cluster record.</summary>
    public ClusterImage? Apply(IKafkaMessage record) => record switch
    {
        RegisterBrokerRecord register => this with { Brokers = Brokers.SetItem(register.BrokerId, FromRecord(register)) },
        UnregisterBrokerRecord unregister => this with { Brokers = Brokers.Remove(Registered(unregister, unregister.BrokerId, unregister.BrokerEpoch).Id) },
        FenceBrokerRecord fence => Change(fence, fence.Id, fence.Epoch, fenced: true, inControlledShutdown: null),
        UnfenceBrokerRecord unfence => Change(unfence, unfence.Id, unfence.Epoch, fenced: false, inControlledShutdown: null),
        BrokerRegistrationChangeRecord change => Change(change, change.BrokerId, change.BrokerEpoch,
            change.Fenced switch
            {
                Fence => true,
                Unfence => false,
                0 => null,
                _ => throw new InvalidOperationException($"Unable to replay {change}: unknown value for fenced field: {change.Fenced}"),
            },
            change.InControlledShutdown switch
            {
                EnterControlledShutdown => true,
                0 => null,
                _ => throw new InvalidOperationException($"Unable to replay {change}: unknown value for inControlledShutdown field: {change.InControlledShutdown}"),
            }),
        RegisterControllerRecord controller => this with
        {
            Controllers = Controllers.SetItem(controller.ControllerId, new ControllerRegistration(controller.ControllerId, controller.IncarnationId, controller.ZkMigrationReady,
                [.. controller.EndPoints.Select(e => new RegisteredEndpoint(e.Name, e.Host, e.Port, e.SecurityProtocol))],
                [.. controller.Features.Select(f => new FeatureRange(f.Name, f.MinSupportedVersion, f.MaxSupportedVersion))])),
        },
        _ => null,
    };

    /// <summary>The records that rebuild this image: one registration per node, its fencing and shutdown state included.</summary>
    public IEnumerable<IKafkaMessage> ToRecords()
    {
        foreach (var broker in Brokers.Values)
        {
            yield return ToRecord(broker);
        }
        foreach (var controller in Controllers.Values)
        {
            var record = new RegisterControllerRecord { ControllerId = controller.Id, IncarnationId = controller.IncarnationId, ZkMigrationReady = controller.ZkMigrationReady };
            record.EndPoints.AddRange(controller.Endpoints.Select(e => new RegisterControllerRecord.ControllerEndpoint { Name = e.Name, Host = e.Host, Port = (ushort)e.Port, SecurityProtocol = e.SecurityProtocol }));
            record.Features.AddRange(controller.Features.Select(f => new RegisterControllerRecord.ControllerFeature { Name = f.Name, MinSupportedVersion = f.MinSupportedVersion, MaxSupportedVersion = f.MaxSupportedVersion }));
            yield return record;
        }
    }

    public static RegisterBrokerRecord ToRecord(BrokerRegistration broker)
    {
        var record = new RegisterBrokerRecord
        {
            BrokerId = broker.Id,
            BrokerEpoch = broker.Epoch,
            IncarnationId = broker.IncarnationId,
            Rack = broker.Rack,
            Fenced = broker.Fenced,
            InControlledShutdown = broker.InControlledShutdown,
        };
        record.EndPoints.AddRange(broker.Endpoints.Select(e => new RegisterBrokerRecord.BrokerEndpoint { Name = e.Name, Host = e.Host, Port = (ushort)e.Port, SecurityProtocol = e.SecurityProtocol }));
        record.Features.AddRange(broker.Features.Select(f => new RegisterBrokerRecord.BrokerFeature { Name = f.Name, MinSupportedVersion = f.MinSupportedVersion, MaxSupportedVersion = f.MaxSupportedVersion }));
        return record;
    }

    private static BrokerRegistration FromRecord(RegisterBrokerRecord record) => new(
        record.BrokerId,
        record.BrokerEpoch,
        record.IncarnationId,
        [.. record.EndPoints.Select(e => new RegisteredEndpoint(e.Name, e.Host, e.Port, e.SecurityProtocol))],
        [.. record.Features.Select(f => new FeatureRange(f.Name, f.MinSupportedVersion, f.MaxSupportedVersion))],
        record.Rack,
        record.Fenced,
        record.InControlledShutdown);

    private ClusterImage Change(IKafkaMessage record, int brokerId, long epoch, bool? fenced, bool? inControlledShutdown)
    {
        var current = Registered(record, brokerId, epoch);
        return this with
        {
            Brokers = Brokers.SetItem(brokerId, current with
            {
                Fenced = fenced ?? current.Fenced,
                InControlledShutdown = inControlledShutdown ?? current.InControlledShutdown,
            }),
        };
    }

    /// <summary>
    /// The registration a change names. The controller writes changes only for the registration in
    /// force, so any other is a corrupt log, refused as Kafka's replay refuses it.
    /// </summary>
    private BrokerRegistration Registered(IKafkaMessage record, int brokerId, long epoch)
    {
        var current = Brokers.GetValueOrDefault(brokerId) ?? throw new InvalidOperationException($"Unable to replay {record}: no broker registration found for that id");
        return current.Epoch == epoch ? current : throw new InvalidOperationException($"Unable to replay {record}: no broker registration with that epoch found");
    }
}
