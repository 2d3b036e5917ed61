using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Tests.Handlers;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>
/// The answers to features that are not served yet, at each handler's lowest and highest version:
/// Kafka's error that clients take as final (the client side is in the integration tests).
/// </summary>
public class UnservedFeatureHandlerTests
{
    private static Task<T> Handle<T>(IApiHandler handler, IApiMessage request, short version) where T : class =>
        HandlerCalls.HandleAsync<T>(handler, request, version);

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
