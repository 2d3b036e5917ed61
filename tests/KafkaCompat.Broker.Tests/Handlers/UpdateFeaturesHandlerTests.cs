using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// UpdateFeatures: the level in force is accepted and changes nothing; any other is refused as Kafka's
/// controller refuses a level no node supports, for the whole request.
/// </summary>
public class UpdateFeaturesHandlerTests
{
    private const string Refused = "The update failed for all features since the following feature had an error: ";

    private static UpdateFeaturesRequestData Request(params (string Feature, short Level, sbyte UpgradeType)[] updates) => new()
    {
        FeatureUpdates = [.. updates.Select(u => new UpdateFeaturesRequestData.FeatureUpdateKey { Feature = u.Feature, MaxVersionLevel = u.Level, UpgradeType = u.UpgradeType })],
    };

    [Test]
    [HandlerVersionTest(ApiKey.UpdateFeatures, 2)]
    public async Task TheLevelInForceIsAcceptedAndV2AnswersWithoutPerFeatureResults()
    {
        await using var harness = new GroupHarness();

        // metadata.version 25 is 4.0-IV3, the level this broker reports.
        var response = await harness.SendAsync<UpdateFeaturesResponseData>(2, Request(("metadata.version", 25, 1)));

        Assert.That((response.ErrorCode, response.ErrorMessage, response.Results.Count), Is.EqualTo(((short)0, (string?)null, 0)));
    }

    [TestCase("streams.version", (short)1, (sbyte)1, "Invalid update version 1 for feature streams.version. Local controller 1 does not support this feature.")]
    [TestCase("kraft.version", (short)2, (sbyte)1, "Invalid update version 2 for feature kraft.version. Local controller 1 does not support this feature.")]
    [TestCase("transaction.version", (short)1, (sbyte)2, "Invalid update version 1 for feature transaction.version. Local controller 1 only supports versions 2")]
    [TestCase("metadata.version", (short)24, (sbyte)2, "Invalid update version 24 for feature metadata.version. Local controller 1 only supports versions 25")]
    [TestCase("no.such.feature", (short)1, (sbyte)1, "Invalid update version 1 for feature no.such.feature. Local controller 1 does not support this feature.")]
    [TestCase("metadata.version", (short)25, (sbyte)4, "Invalid update version 25 for feature metadata.version. The controller does not support the given upgrade type.")]
    [TestCase("streams.version", (short)-1, (sbyte)3, "Invalid update version -1 for feature streams.version. A feature version cannot be less than 0.")]
    [HandlerVersionTest(ApiKey.UpdateFeatures, 2)]
    public async Task ALevelThisBrokerDoesNotImplementIsInvalidUpdateVersion(string feature, short level, sbyte upgradeType, string reason)
    {
        await using var harness = new GroupHarness();

        var response = await harness.SendAsync<UpdateFeaturesResponseData>(2, Request((feature, level, upgradeType)));

        Assert.That(((ErrorCode)response.ErrorCode, response.ErrorMessage), Is.EqualTo((ErrorCode.InvalidUpdateVersion, Refused + reason)));
    }

    [Test]
    [HandlerVersionTest(ApiKey.UpdateFeatures, 0)]
    public async Task V0RefusesTheWholeRequestForEachFeatureWhenOneUpdateIsRefused()
    {
        await using var harness = new GroupHarness();
        var request = new UpdateFeaturesRequestData
        {
            FeatureUpdates =
            [
                new() { Feature = "metadata.version", MaxVersionLevel = 25 },
                new() { Feature = "streams.version", MaxVersionLevel = 1 },
            ],
        };

        var response = await harness.SendAsync<UpdateFeaturesResponseData>(0, request);

        var reason = Refused + "Invalid update version 1 for feature streams.version. Local controller 1 does not support this feature.";
        Assert.That(((ErrorCode)response.ErrorCode, response.ErrorMessage), Is.EqualTo((ErrorCode.InvalidUpdateVersion, reason)));
        Assert.That(response.Results.Select(r => (r.Feature, (ErrorCode)r.ErrorCode)),
            Is.EqualTo(new[] { ("metadata.version", ErrorCode.InvalidUpdateVersion), ("streams.version", ErrorCode.InvalidUpdateVersion) }));
    }
}
