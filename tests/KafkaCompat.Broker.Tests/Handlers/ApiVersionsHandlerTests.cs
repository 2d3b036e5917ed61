using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>ApiVersions answers with the handler table: every served API once, with the range its handler serves.</summary>
public class ApiVersionsHandlerTests
{
    [TestCase((short)0)]
    [TestCase((short)4)]
    [HandlerVersionTest(ApiKey.ApiVersions, 0)]
    [HandlerVersionTest(ApiKey.ApiVersions, 4)]
    public async Task ListsEveryServedApiWithItsRange(short version)
    {
        await using var harness = new GroupHarness();
        var request = version >= 3 ? new ApiVersionsRequestData { ClientSoftwareName = "handler-test", ClientSoftwareVersion = "1.0.0" } : new ApiVersionsRequestData();

        var response = await harness.SendAsync<ApiVersionsResponseData>(version, request);

        Assert.That(response.ErrorCode, Is.Zero);
        var expected = harness.Handlers.Handlers.Select(h => ((short)h.ApiKey, h.Versions.Lowest, h.Versions.Highest));
        Assert.That(response.ApiKeys.Select(k => (k.ApiKey, k.MinVersion, k.MaxVersion)), Is.EquivalentTo(expected));
        Assert.That(response.ApiKeys.Select(k => k.ApiKey), Is.Unique);
        // The client must be able to find ApiVersions itself, at least up to the version KIP-511 added.
        Assert.That(response.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.ApiVersions).MaxVersion, Is.GreaterThanOrEqualTo(3));
    }

    [Test]
    public async Task AnInvalidClientSoftwareNameIsInvalidRequest()
    {
        await using var harness = new GroupHarness();
        var response = await harness.SendAsync<ApiVersionsResponseData>(4, new ApiVersionsRequestData { ClientSoftwareName = "-no-", ClientSoftwareVersion = "1.0" });
        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
        Assert.That(response.ApiKeys, Is.Empty, "Kafka lists the APIs only with UNSUPPORTED_VERSION");
    }
}
