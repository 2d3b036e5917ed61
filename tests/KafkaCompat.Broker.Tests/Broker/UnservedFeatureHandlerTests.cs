using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Handlers;
using KafkaCompat.Broker.Tests.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>
/// The answers to features that are not served yet, at each handler's lowest and highest version:
/// Kafka's error that clients take as final (the client side is in the integration tests).
/// </summary>
public class UnservedFeatureHandlerTests
{
    private const short TransactionAuthorizationFailed = (short)ErrorCode.TransactionalIdAuthorizationFailed;

    private static Task<T> Handle<T>(IApiHandler handler, IApiMessage request, short version) where T : class =>
        HandlerCalls.HandleAsync<T>(handler, request, version);

    [TestCase((short)1)]
    [TestCase((short)3)]
    public async Task FindCoordinatorRefusesATransactionalIdAsNotAuthorizedWithTheReason(short version)
    {
        await using var harness = new GroupHarness();
        var handler = new FindCoordinatorHandler(harness.Coordinator, new BrokerState(BrokerConfig.Default, "test-cluster"));

        var response = await Handle<FindCoordinatorResponseData>(handler, new FindCoordinatorRequestData { Key = "tx-1", KeyType = 1 }, version);

        Assert.That(response.ErrorCode, Is.EqualTo(TransactionAuthorizationFailed));
        Assert.That(response.ErrorMessage, Is.EqualTo(TransactionsNotServed.Message));
        Assert.That(response.NodeId, Is.EqualTo(-1));
    }

    [TestCase((short)4)]
    [TestCase((short)6)]
    public async Task FindCoordinatorRefusesEveryTransactionalIdOfABatch(short version)
    {
        await using var harness = new GroupHarness();
        var handler = new FindCoordinatorHandler(harness.Coordinator, new BrokerState(BrokerConfig.Default, "test-cluster"));

        var response = await Handle<FindCoordinatorResponseData>(handler, new FindCoordinatorRequestData { KeyType = 1, CoordinatorKeys = ["tx-1", "tx-2"] }, version);

        Assert.That(response.Coordinators.Select(c => (c.Key, c.ErrorCode, c.ErrorMessage)), Is.EqualTo(new[]
        {
            ("tx-1", TransactionAuthorizationFailed, (string?)TransactionsNotServed.Message),
            ("tx-2", TransactionAuthorizationFailed, (string?)TransactionsNotServed.Message),
        }));
    }

    [TestCase((short)0)]
    [TestCase((short)5)]
    public async Task InitProducerIdRefusesATransactionalIdAndStillServesIdempotentProducers(short version)
    {
        using var metadata = MetadataNode.Open();
        var handler = new InitProducerIdHandler(new ProducerIdManager(metadata.Controller));

        var transactional = await Handle<InitProducerIdResponseData>(handler, new InitProducerIdRequestData { TransactionalId = "tx-1", TransactionTimeoutMs = 60_000 }, version);
        var idempotent = await Handle<InitProducerIdResponseData>(handler, new InitProducerIdRequestData { TransactionalId = null, TransactionTimeoutMs = -1 }, version);

        Assert.That((transactional.ErrorCode, transactional.ProducerId), Is.EqualTo((TransactionAuthorizationFailed, -1L)));
        Assert.That(idempotent.ErrorCode, Is.Zero);
        Assert.That(idempotent.ProducerId, Is.GreaterThanOrEqualTo(0));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [HandlerVersionTest(ApiKey.ConsumerGroupHeartbeat, 0)]
    [HandlerVersionTest(ApiKey.ConsumerGroupHeartbeat, 1)]
    public async Task ConsumerGroupHeartbeatIsAnsweredAsKafkaDoesWithTheConsumerProtocolDisabled(short version)
    {
        var request = new ConsumerGroupHeartbeatRequestData { GroupId = "g", MemberEpoch = 0, RebalanceTimeoutMs = 30_000, SubscribedTopicNames = ["t"] };

        var response = await Handle<ConsumerGroupHeartbeatResponseData>(new ConsumerGroupHeartbeatHandler(), request, version);

        Assert.That(response.ErrorCode, Is.EqualTo((short)ErrorCode.UnsupportedVersion));
        Assert.That(response.ErrorMessage, Does.Contain("KIP-848").And.Contain("group.protocol=classic"));
        Assert.That(response.Assignment, Is.Null);
    }
}
