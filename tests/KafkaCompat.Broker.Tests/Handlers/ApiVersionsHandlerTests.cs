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
    [HandlerVersionTest(ApiKey.ApiVersions, 4)]
    public async Task ReportsFeatureLevelsOnlyAsFarAsTheBrokerImplementsThem()
    {
        await using var harness = new GroupHarness();
        var request = new ApiVersionsRequestData { ClientSoftwareName = "handler-test", ClientSoftwareVersion = "1.0.0" };

        var response = await harness.SendAsync<ApiVersionsResponseData>(4, request);

        // Kafka 4.x's features. metadata.version is at 4.0-IV3 (feature level 25), transaction.version at 2
        // (KIP-890 part 2, with the classic levels still served), group.version at 1 (KIP-848 consumer
        // groups) and share.version at 1 (KIP-932 share groups); streams groups, ELR and a dynamic quorum
        // are not served, so their levels stay 0.
        Assert.That(response.SupportedFeatures.Select(f => (f.Name, f.MinVersion, f.MaxVersion)), Is.EquivalentTo(new[]
        {
            ("metadata.version", (short)25, (short)25), ("kraft.version", (short)0, (short)0), ("transaction.version", (short)0, (short)2),
            ("group.version", (short)0, (short)1), ("eligible.leader.replicas.version", (short)0, (short)0), ("share.version", (short)0, (short)1),
            ("streams.version", (short)0, (short)0),
        }));
        // As Kafka, a feature at level 0 is not finalized at all: only the four above 0 are listed.
        Assert.That(response.FinalizedFeatures.Select(f => (f.Name, f.MinVersionLevel, f.MaxVersionLevel)),
            Is.EqualTo(new[] { ("metadata.version", (short)25, (short)25), ("transaction.version", (short)2, (short)2), ("group.version", (short)1, (short)1), ("share.version", (short)1, (short)1) }));
        Assert.That(response.FinalizedFeaturesEpoch, Is.GreaterThanOrEqualTo(0L), "-1 would tell the client the finalized features are unknown");
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
