using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeConfigs (key 32), versions 0-4.
/// Topics (resource type 2): every topic config with its effective value and
/// source (topic override, broker setting or default). Brokers (4): this
/// broker's id, or "" for the cluster-wide defaults. Groups (32, KIP-848): every group config,
/// the group's own value or the broker's group.* default, for any group id (it need not exist).
/// v0 has IsDefault
/// instead of a source; synonyms from v1 when asked (KIP-226); config types
/// from v3 (KIP-569). Sensitive values are never returned.
/// </summary>
public sealed class DescribeConfigsHandler(MetadataController metadata, BrokerState broker) : ApiHandler<DescribeConfigsRequestData, DescribeConfigsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DescribeConfigs;

    public override VersionRange Versions => new(0, 4);

    protected override ValueTask<DescribeConfigsResponseData?> HandleAsync(RequestContext context, DescribeConfigsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DescribeConfigsResponseData();
        var version = context.ApiVersion;
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponseData.DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            var (entries, error, message) = Describe(resource, version >= 1 && request.IncludeSynonyms);
            result.ErrorCode = (short)error;
            result.ErrorMessage = message;
            foreach (var entry in entries)
            {
                result.Configs.Add(ToWire(entry, version));
            }
            response.Results.Add(result);
        }
        return ValueTask.FromResult<DescribeConfigsResponseData?>(response);
    }

    private (IReadOnlyList<ConfigEntry> Entries, ErrorCode Error, string? Message) Describe(DescribeConfigsRequestData.DescribeConfigsResource resource, bool synonyms)
    {
        var names = resource.ConfigurationKeys;
        switch (resource.ResourceType)
        {
            case ConfigAdmin.TopicResource:
                if (TopicNames.Validate(resource.ResourceName) is { } invalid)
                {
                    return ([], ErrorCode.InvalidTopicException, invalid);
                }
                return metadata.Image.Topic(resource.ResourceName) is { } topic
                    ? (TopicConfigs.Describe(broker.Config, topic.Configs, names, synonyms), ErrorCode.None, null)
                    : ([], ErrorCode.UnknownTopicOrPartition, $"The topic '{resource.ResourceName}' does not exist.");
            case ConfigAdmin.BrokerResource when resource.ResourceName.Length == 0:
                return (BrokerConfigDescriber.DescribeClusterDefault(broker.Config, names, synonyms), ErrorCode.None, null);
            case ConfigAdmin.BrokerResource when resource.ResourceName == broker.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture):
                return (BrokerConfigDescriber.DescribeBroker(broker.Config, names, synonyms), ErrorCode.None, null);
            case ConfigAdmin.BrokerResource:
                return ([], ErrorCode.InvalidRequest, $"Unexpected broker id, expected {broker.NodeId} or empty string, but received {resource.ResourceName}");
            case ConfigAdmin.GroupResource when resource.ResourceName.Length == 0:
                return ([], ErrorCode.InvalidRequest, "Group name must not be empty");
            case ConfigAdmin.GroupResource:
                return (GroupConfigDescriber.Describe(broker.Config, metadata.Image.GroupConfigsOf(resource.ResourceName), names, synonyms), ErrorCode.None, null);
            default:
                return ([], ErrorCode.InvalidRequest, $"Unsupported resource type {resource.ResourceType}");
        }
    }

    private static DescribeConfigsResponseData.DescribeConfigsResourceResult ToWire(ConfigEntry entry, short version)
    {
        var wire = new DescribeConfigsResponseData.DescribeConfigsResourceResult
        {
            Name = entry.Name,
            Value = entry.IsSensitive ? null : entry.Value,
            ReadOnly = entry.IsReadOnly,
            IsSensitive = entry.IsSensitive,
        };
        if (version == 0)
        {
            wire.IsDefault = entry.IsDefault;
            return wire;
        }
        wire.ConfigSource = (sbyte)entry.Source;
        wire.Synonyms = [.. entry.Synonyms.Select(s => new DescribeConfigsResponseData.DescribeConfigsSynonym
        {
            Name = s.Name,
            Value = entry.IsSensitive ? null : s.Value,
            Source = (sbyte)s.Source,
        })];
        if (version >= 3)
        {
            wire.ConfigType = (sbyte)entry.Type;
            wire.Documentation = entry.Documentation;
        }
        return wire;
    }

    protected override DescribeConfigsResponseData ErrorResponse(DescribeConfigsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DescribeConfigsResponseData();
        foreach (var resource in request.Resources)
        {
            response.Results.Add(new DescribeConfigsResponseData.DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error, ErrorMessage = message });
        }
        return response;
    }
}
