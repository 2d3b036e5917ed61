namespace KafkaCompat.Broker.Config;

/// <summary>
/// The security protocols this broker serves: PLAINTEXT only, until TLS and SASL are built. A
/// listener configured for SSL, SASL_PLAINTEXT or SASL_SSL would otherwise accept plaintext,
/// unauthenticated connections from anyone while the operator believes it is protected, so
/// start-up stops instead, before anything is written to a log directory.
/// </summary>
public static class ServedSecurityProtocols
{
    public static bool IsServed(SecurityProtocol protocol) => protocol == SecurityProtocol.Plaintext;

    /// <summary>
    /// Every place the configuration asks for a protocol: each listener (the inter-broker listener of
    /// a node with the broker role is always one of them: <see cref="BrokerConfig"/> refuses any
    /// other), and the controller listeners, which may live only in listener.security.protocol.map
    /// when this node does not bind them.
    /// </summary>
    /// <exception cref="ConfigException">One of them asks for a protocol that is not served; the message names them all.</exception>
    public static void EnsureServed(BrokerConfig config)
    {
        var refused = new List<string>();
        foreach (var listener in config.Listeners.Where(l => !IsServed(l.SecurityProtocol)))
        {
            refused.Add($"listener {listener.ConnectionString} in {BrokerConfigDefinitions.Listeners} uses {listener.SecurityProtocol.KafkaName()}");
        }
        var bound = config.Listeners.Select(l => l.ListenerName).ToHashSet(StringComparer.Ordinal);
        foreach (var name in config.ControllerListenerNames.Where(n => !bound.Contains(n)))
        {
            if (config.ListenerSecurityProtocolMap.TryGetValue(name, out var controller) && !IsServed(controller))
            {
                refused.Add($"the controller listener {name} ({BrokerConfigDefinitions.ControllerListenerNames}) uses {controller.KafkaName()}");
            }
        }
        if (refused.Count > 0)
        {
            throw new ConfigException(
                $"Security protocol not supported yet: {string.Join("; ", refused)}. KafkaCompat serves only PLAINTEXT (no TLS, no SASL); it does not start rather than accept unencrypted, unauthenticated connections on a listener configured otherwise. Map the listeners to PLAINTEXT in {BrokerConfigDefinitions.ListenerSecurityProtocolMap}.");
        }
    }
}
