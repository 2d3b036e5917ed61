using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// The few request bodies whose fields moved between versions, put in the shape of the version
/// they are sent at (what Kafka's request builders do for every sender). A Fetch from a replica
/// names it in ReplicaState from v15 (KIP-903) and in ReplicaId before.
/// </summary>
internal static class RequestVersions
{
    public static void Adapt(IApiMessage body, short version)
    {
        if (body is FetchRequestData fetch)
        {
            if (version >= 15 && fetch.ReplicaId != -1 && fetch.ReplicaState.ReplicaId == -1)
            {
                fetch.ReplicaState.ReplicaId = fetch.ReplicaId;
                fetch.ReplicaId = -1;
            }
            else if (version < 15 && fetch.ReplicaState.ReplicaId != -1)
            {
                fetch.ReplicaId = fetch.ReplicaState.ReplicaId;
                fetch.ReplicaState = new FetchRequestData.ReplicaStateData();
            }
        }
    }
}
