using D = KafkaCompat.Broker.Config.BrokerConfigDefinitions;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Kafka's start-up checks of a KRaft node's configuration (KafkaConfig.validateValues, Kafka 4.x):
/// how process.roles, node.id, controller.listener.names, listeners, advertised.listeners,
/// listener.security.protocol.map and the controller quorum (controller.quorum.voters or, since
/// KIP-853, controller.quorum.bootstrap.servers) must fit together for a broker-only, a
/// controller-only and a combined node. The messages are Kafka's, "requirement failed: " included
/// where Kafka's check is a Scala require, so a user searching for one finds Kafka's explanation.
/// Applied when process.roles is given (<see cref="BrokerConfig.ProcessRolesConfigured"/>); the
/// embedded single node has no quorum configuration to check.
/// </summary>
internal static class KRaftConfigValidator
{
    private const string Broker = "broker";
    private const string Controller = "controller";
    private const string Voters = "controller.quorum.voters";

    /// <param name="config">A configuration whose listeners, roles and voters are parsed.</param>
    /// <param name="configuredAdvertised">advertised.listeners as given, controller listeners included; null when unset.</param>
    /// <exception cref="ConfigException">A check failed.</exception>
    public static void Validate(BrokerConfig config, IReadOnlyList<Endpoint>? configuredAdvertised)
    {
        var roles = config.ProcessRoles.ToHashSet(StringComparer.Ordinal);
        var isBroker = roles.Contains(Broker);
        var isController = roles.Contains(Controller);
        var controllerNames = config.ControllerListenerNames;
        var listenerNames = config.Listeners.Select(l => l.ListenerName).ToHashSet(StringComparer.Ordinal);
        var advertisedControllers = config.AdvertisedControllerListeners;
        var voterIds = config.QuorumVoters.Keys.Order().ToList();
        var voterSet = $"{Voters}=Set({string.Join(", ", voterIds)})";

        if (roles.Count > 0 && voterIds.Count == 0 && config.QuorumBootstrapServers.Count == 0)
        {
            throw new ConfigException(
                $"If using {D.ProcessRoles}, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or {Voters} must contain a parseable set of controllers.");
        }
        if (isBroker && !isController)
        {
            Require(!voterIds.Contains(config.NodeId),
                $"If {D.ProcessRoles} contains just the 'broker' role, the node id {config.NodeId} must not be included in the set of voters {voterSet}");
            Require(controllerNames.Count > 0,
                $"{D.ControllerListenerNames} must contain at least one value when running KRaft with just the broker role");
            Require(!controllerNames.Any(listenerNames.Contains),
                $"{D.ControllerListenerNames} must not contain a value appearing in the '{D.Listeners}' configuration when running KRaft with just the broker role");
            foreach (var name in controllerNames.Where(n => !config.ListenerSecurityProtocolMap.ContainsKey(n)))
            {
                throw new ConfigException(
                    $"Controller listener with name {name} defined in {D.ControllerListenerNames} not found in {D.ListenerSecurityProtocolMap}  (an explicit security mapping for each controller listener is required if {D.ListenerSecurityProtocolMap} is non-empty, or if there are security protocols other than PLAINTEXT in use)");
            }
        }
        if (isController && !isBroker)
        {
            Require(advertisedControllers.Count == config.Listeners.Count,
                $"The {D.Listeners} config must only contain KRaft controller listeners from {D.ControllerListenerNames} when {D.ProcessRoles}=controller");
            if (config.GivenConfigNames.Contains(D.InterBrokerListenerName))
            {
                Require(!controllerNames.Contains(config.GetString(D.InterBrokerListenerName)!.ToUpperInvariant()),
                    $"{D.ControllerListenerNames} must not contain an explicitly set {D.InterBrokerListenerName} configuration value when {D.ProcessRoles}=controller'");
            }
        }
        if (isController)
        {
            Require(voterIds.Count == 0 || voterIds.Contains(config.NodeId),
                $"If {D.ProcessRoles} contains the 'controller' role, the node id {config.NodeId} must be included in the set of voters {voterSet}");
            Require(advertisedControllers.Count > 0,
                $"{D.ControllerListenerNames} must contain at least one value appearing in the '{D.Listeners}' configuration when running the KRaft controller role");
            Require(controllerNames.All(listenerNames.Contains),
                $"{D.ControllerListenerNames} must only contain values appearing in the '{D.Listeners}' configuration when running the KRaft controller role");
        }
        if (isBroker)
        {
            var brokerAdvertised = (configuredAdvertised ?? config.Listeners).Where(e => !controllerNames.Contains(e.ListenerName));
            Require(brokerAdvertised.Any(),
                $"There must be at least one broker advertised listener. Perhaps all listeners appear in {D.ControllerListenerNames}?");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ConfigException("requirement failed: " + message);
        }
    }
}
