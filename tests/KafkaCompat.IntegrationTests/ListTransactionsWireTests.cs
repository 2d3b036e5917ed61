using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol.Messages;
using ErrorCode = KafkaCompat.Protocol.ErrorCode;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// ListTransactions v2 (KIP-1152) over the wire, as Kafka 4.1+'s admin client sends it for
/// <c>kafka-transactions.sh list --transactional-id-pattern</c> (no Java client runs here, so the
/// requests are sent as it sends them): advertised in ApiVersions, the pattern matched against the
/// whole transactional id, and a malformed pattern answered with INVALID_REGULAR_EXPRESSION.
/// </summary>
[TestFixture]
public sealed class ListTransactionsWireTests : InProcessBrokerTests
{
    [Test]
    public async Task AV2PatternListsTheIdsItWhollyMatchesAndAMalformedOneIsRefused()
    {
        using var client = await KafkaWireClient.ConnectAsync(Broker.BoundPort);
        var versions = await client.SendAsync<ApiVersionsResponseData>(new ApiVersionsRequestData { ClientSoftwareName = "apache-kafka-java", ClientSoftwareVersion = "4.1.0" }, 3);
        Assert.That(versions.ApiKeys.Single(k => k.ApiKey == 66).MaxVersion, Is.EqualTo((short)2));
        foreach (var id in new[] { "wire-list-a", "wire-list-b", "other-wire-list-a" })
        {
            var coordinator = await client.SendAsync<FindCoordinatorResponseData>(new FindCoordinatorRequestData { KeyType = 1, CoordinatorKeys = [id] }, 4);
            Assert.That(coordinator.Coordinators.Single().ErrorCode, Is.Zero);
            var init = await client.SendAsync<InitProducerIdResponseData>(
                new InitProducerIdRequestData { TransactionalId = id, TransactionTimeoutMs = 60_000, ProducerId = -1, ProducerEpoch = -1 }, 5);
            Assert.That(init.ErrorCode, Is.Zero);
        }

        async Task<(ErrorCode, string[])> ListAsync(string? pattern, short version = 2)
        {
            var response = await client.SendAsync<ListTransactionsResponseData>(new ListTransactionsRequestData { TransactionalIdPattern = pattern }, version);
            return ((ErrorCode)response.ErrorCode, [.. response.TransactionStates.Select(t => t.TransactionalId).Order(StringComparer.Ordinal)]);
        }

        Assert.That(await ListAsync("wire-list-.*"), Is.EqualTo((ErrorCode.None, new[] { "wire-list-a", "wire-list-b" })));
        Assert.That(await ListAsync(".*-a"), Is.EqualTo((ErrorCode.None, new[] { "other-wire-list-a", "wire-list-a" })));
        Assert.That(await ListAsync(null), Is.EqualTo((ErrorCode.None, new[] { "other-wire-list-a", "wire-list-a", "wire-list-b" })));
        Assert.That(await ListAsync(null, version: 1), Is.EqualTo((ErrorCode.None, new[] { "other-wire-list-a", "wire-list-a", "wire-list-b" })), "v1 carries no pattern");
        Assert.That(await ListAsync("wire-list-(a"), Is.EqualTo((ErrorCode.InvalidRegularExpression, Array.Empty<string>())));
    }
}
