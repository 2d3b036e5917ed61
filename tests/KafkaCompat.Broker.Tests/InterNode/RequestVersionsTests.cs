using KafkaCompat.Broker.InterNode;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.InterNode;

/// <summary>A replica's Fetch names it in ReplicaState from v15 (KIP-903) and in ReplicaId before, whichever the sender filled in.</summary>
public class RequestVersionsTests
{
    [TestCase((short)14)]
    [TestCase((short)15)]
    [TestCase((short)18)]
    public void AReplicasFetchCarriesItsIdInTheFieldOfItsVersion(short version)
    {
        foreach (var fetch in new[] { new FetchRequestData { ReplicaId = 3 }, new FetchRequestData { ReplicaState = { ReplicaId = 3, ReplicaEpoch = -1 } } })
        {
            RequestVersions.Adapt(fetch, version);
            var read = KafkaMessages.Deserialize<FetchRequestData>(fetch.Serialize(version), version);
            Assert.That(version >= 15 ? read.ReplicaState.ReplicaId : read.ReplicaId, Is.EqualTo(3));
        }
    }
}
