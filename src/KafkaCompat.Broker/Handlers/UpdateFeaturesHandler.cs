using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// UpdateFeatures (key 57), versions 0-2: what <c>kafka-features upgrade/downgrade/disable</c> sends
/// (KIP-584; describing features is ApiVersions). This node supports each feature at exactly the level
/// it implements (<see cref="BrokerFeatures"/>), so an update to that level succeeds without changing
/// anything and any other level is refused, with the checks and messages of Kafka's controller: the
/// updates are applied atomically, so the first one refused is INVALID_UPDATE_VERSION for the request as
/// a whole. v0 says a downgrade with AllowDowngrade, v1 with UpgradeType (KIP-778: 1 upgrade, 2 safe and
/// 3 unsafe downgrade) and adds ValidateOnly (nothing changes either way); v0-1 repeat the outcome for each
/// feature, v2 answers the top-level outcome alone.
/// </summary>
public sealed class UpdateFeaturesHandler(BrokerState broker) : ApiHandler<UpdateFeaturesRequestData, UpdateFeaturesResponseData>
{
    private const sbyte Upgrade = 1;
    private const sbyte SafeDowngrade = 2;
    private const sbyte UnsafeDowngrade = 3;

    public override ApiKey ApiKey => ApiKey.UpdateFeatures;

    public override VersionRange Versions => new(0, 2);

    protected override ValueTask<UpdateFeaturesResponseData?> HandleAsync(RequestContext context, UpdateFeaturesRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var refusal = request.FeatureUpdates.Select(u => Refusal(u, version)).FirstOrDefault(r => r is not null);
        var response = refusal is null
            ? Answer(request, version, ErrorCode.None, null)
            : Answer(request, version, ErrorCode.InvalidUpdateVersion, "The update failed for all features since the following feature had an error: " + refusal);
        return ValueTask.FromResult<UpdateFeaturesResponseData?>(response);
    }

    /// <summary>Why Kafka's controller would refuse this update here, or null when it is the level already in force.</summary>
    private string? Refusal(UpdateFeaturesRequestData.FeatureUpdateKey update, short version)
    {
        var upgradeType = version == 0 ? (update.AllowDowngrade ? SafeDowngrade : Upgrade) : update.UpgradeType;
        var level = update.MaxVersionLevel;
        var current = BrokerFeatures.All.FirstOrDefault(f => f.Name == update.Feature)?.Level;
        string? reason = null;
        if (upgradeType is not (Upgrade or SafeDowngrade or UnsafeDowngrade))
        {
            reason = "The controller does not support the given upgrade type.";
        }
        else if (level < 0)
        {
            reason = "A feature version cannot be less than 0.";
        }
        else if (current is null || (current == 0 && level != 0))
        {
            // Kafka 4 knows the features of its release only; a feature supported at level 0 alone is not supported.
            reason = $"Local controller {broker.NodeId} does not support this feature.";
        }
        else if (level != current)
        {
            reason = $"Local controller {broker.NodeId} only supports versions {current}";
        }
        return reason is null ? null : $"Invalid update version {level} for feature {update.Feature}. {reason}";
    }

    private static UpdateFeaturesResponseData Answer(UpdateFeaturesRequestData request, short version, ErrorCode error, string? message)
    {
        var response = new UpdateFeaturesResponseData { ErrorCode = (short)error, ErrorMessage = message };
        if (version <= 1)
        {
            response.Results.AddRange(request.FeatureUpdates.Select(u => new UpdateFeaturesResponseData.UpdatableFeatureResult { Feature = u.Feature, ErrorCode = (short)error, ErrorMessage = message }));
        }
        return response;
    }

    protected override UpdateFeaturesResponseData ErrorResponse(UpdateFeaturesRequestData request, short version, ErrorCode error, string message) =>
        Answer(request, version, error, message);
}
