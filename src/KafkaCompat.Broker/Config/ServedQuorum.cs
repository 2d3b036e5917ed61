using D = KafkaCompat.Broker.Config.BrokerConfigDefinitions;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// The controller quorums this node serves: one voter, itself, in a combined node (broker and
/// controller), until the KRaft quorum of issue 12 is wired. A configuration that asks for more
/// (several voters, a voter elsewhere, a broker-only or controller-only node) would otherwise start
/// as a cluster of one and let the operator believe the metadata is replicated, or that this broker
/// follows other controllers; start-up stops instead, before anything is written to a log directory.
/// Kafka itself accepts these configurations; the refusal is KafkaCompat's and says so.
/// </summary>
public static class ServedQuorum
{
    private const string NotYet = "KafkaCompat does not run a multi-node KRaft controller quorum yet";

    /// <exception cref="ConfigException">The configuration asks for a quorum this node cannot be.</exception>
    public static void EnsureServed(BrokerConfig config)
    {
        if (config.ProcessRolesConfigured && !(config.ProcessRoles.Contains("broker") && config.ProcessRoles.Contains("controller")))
        {
            throw new ConfigException(
                $"{NotYet}: {D.ProcessRoles}={string.Join(",", config.ProcessRoles)} needs controllers and brokers on other nodes. Run combined nodes ({D.ProcessRoles}=broker,controller) until then.");
        }
        EnsureServed(config.NodeId, config.QuorumVoters.Keys, "controller.quorum.voters");
    }

    /// <summary>Checks a voter set (from controller.quorum.voters or a bootstrap snapshot) against this node.</summary>
    /// <param name="nodeId">This node's id.</param>
    /// <param name="voterIds">The voters' ids; empty when the set does not come from there.</param>
    /// <param name="source">Where the voter set comes from, for the message.</param>
    /// <exception cref="ConfigException">The set names more than this node, or another node only.</exception>
    public static void EnsureServed(int nodeId, IEnumerable<int> voterIds, string source)
    {
        var voters = voterIds.Order().ToList();
        if (voters.Count > 1)
        {
            throw new ConfigException(
                $"{NotYet}: {source} names {voters.Count} voters ({string.Join(",", voters)}), and this node would run as a cluster of one without replicating its metadata to them. Use a single voter, this node ({nodeId}), until the quorum is served.");
        }
        if (voters.Count == 1 && voters[0] != nodeId)
        {
            throw new ConfigException(
                $"{NotYet}: {source} names voter {voters[0]} only, a controller on another node, which this node cannot follow. Make this node ({nodeId}) the voter until the quorum is served.");
        }
    }
}
