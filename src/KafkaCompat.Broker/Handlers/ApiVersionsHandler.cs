using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ApiVersions (key 18), versions 0-4.
/// Lists exactly what the handler table serves. v3+ carries the client's
/// software name and version (KIP-511), which must look like
/// [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? or the request is INVALID_REQUEST.
/// A request above v4 never reaches here: the dispatcher answers it in the v0
/// layout with UNSUPPORTED_VERSION (KIP-511's fallback), since the client
/// cannot parse a newer layout it did not expect. v3+ also carries the supported and finalized feature
/// levels (KIP-584, <see cref="BrokerFeatures"/>), which is how Kafka answers kafka-features describe:
/// there is no separate DescribeFeatures API.
/// </summary>
public sealed partial class ApiVersionsHandler(Func<HandlerTable> table) : ApiHandler<ApiVersionsRequestData, ApiVersionsResponseData>
{
    public override ApiKey ApiKey => ApiKey.ApiVersions;

    public override VersionRange Versions => new(0, 4);

    protected override ValueTask<ApiVersionsResponseData?> HandleAsync(RequestContext context, ApiVersionsRequestData request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion >= 3 && (!ValidSoftware().IsMatch(request.ClientSoftwareName) || !ValidSoftware().IsMatch(request.ClientSoftwareVersion)))
        {
            return ValueTask.FromResult<ApiVersionsResponseData?>(ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidRequest, "invalid client software name or version"));
        }
        if (context.ApiVersion >= 3)
        {
            // The connection's later requests, logs and (later) quotas know the client by this.
            context.Connection.Client = new ClientInformation(request.ClientSoftwareName, request.ClientSoftwareVersion);
        }
        return ValueTask.FromResult<ApiVersionsResponseData?>(Supported(ErrorCode.None, context.ListenerName));
    }

    /// <summary>Kafka lists the APIs only with UNSUPPORTED_VERSION (so the client can retry at a version it has); any other error answers the code alone.</summary>
    protected override ApiVersionsResponseData ErrorResponse(ApiVersionsRequestData request, short version, ErrorCode error, string message) =>
        error == ErrorCode.UnsupportedVersion ? Supported(error) : new ApiVersionsResponseData { ErrorCode = (short)error };

    /// <summary>
    /// The answer listing every API served on <paramref name="listenerName"/> (a broker listener's
    /// when null); also used for the UNSUPPORTED_VERSION fallback.
    /// </summary>
    public ApiVersionsResponseData Supported(ErrorCode error, string? listenerName = null)
    {
        var response = new ApiVersionsResponseData { ErrorCode = (short)error };
        foreach (var handler in table().HandlersOn(listenerName ?? ""))
        {
            response.ApiKeys.Add(new ApiVersionsResponseData.ApiVersion
            {
                ApiKey = (short)handler.ApiKey,
                MinVersion = handler.Versions.Lowest,
                MaxVersion = handler.Versions.Highest,
            });
        }
        response.FinalizedFeaturesEpoch = BrokerFeatures.FinalizedEpoch;
        foreach (var feature in BrokerFeatures.All)
        {
            response.SupportedFeatures.Add(new ApiVersionsResponseData.SupportedFeatureKey { Name = feature.Name, MinVersion = feature.MinSupported, MaxVersion = feature.Level });
            if (feature.Level > 0)
            {
                response.FinalizedFeatures.Add(new ApiVersionsResponseData.FinalizedFeatureKey { Name = feature.Name, MinVersionLevel = feature.Level, MaxVersionLevel = feature.Level });
            }
        }
        return response;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex ValidSoftware();
}
