using System.Buffers.Binary;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// What a peer serves, from the ApiVersions exchange every connection starts with (Kafka's
/// NetworkClient with discoverBrokerVersions, as its Raft client and broker-to-controller channel
/// use it); each request then goes at the highest version both ends serve.
/// </summary>
internal sealed class PeerApiVersions(IReadOnlyDictionary<ApiKey, VersionRange> served)
{
    /// <summary>KIP-511: the software name and version a peer sees (and logs) for this client.</summary>
    public static readonly string SoftwareName = "kafkacompat";

    public static readonly string SoftwareVersion = SafeVersion(typeof(PeerApiVersions).Assembly.GetName().Version);

    public IReadOnlyDictionary<ApiKey, VersionRange> Served { get; } = served;

    /// <summary>The highest version of <paramref name="key"/> this client writes, the peer serves, and the sender allows; null when there is none.</summary>
    public short? Highest(ApiKey key, VersionRange? allowed)
    {
        if (!Served.TryGetValue(key, out var peer))
        {
            return null;
        }
        var usable = ApiKeys.ValidVersions(key).Intersect(peer);
        if (allowed is { } narrowed)
        {
            usable = usable.Intersect(narrowed);
        }
        return usable.IsEmpty ? null : usable.Highest;
    }

    public static ApiVersionsRequestData Request() => new() { ClientSoftwareName = SoftwareName, ClientSoftwareVersion = SoftwareVersion };

    /// <summary>
    /// Reads an ApiVersions response sent for a request at <paramref name="version"/>. A peer that
    /// does not serve that version answers UNSUPPORTED_VERSION in the v0 layout with its own range
    /// (KIP-511); the error code leads the body in every version, so it is read first.
    /// </summary>
    public static ApiVersionsResponseData ReadResponse(short version, int correlationId, ReadOnlyMemory<byte> frame)
    {
        if (frame.Length >= 6 && BinaryPrimitives.ReadInt16BigEndian(frame.Span[4..]) == (short)ErrorCode.UnsupportedVersion)
        {
            version = 0;
        }
        return (ApiVersionsResponseData)InterNodeFrames.Response(ApiKey.ApiVersions, version, correlationId, frame);
    }

    public static PeerApiVersions From(ApiVersionsResponseData response)
    {
        var served = new Dictionary<ApiKey, VersionRange>();
        foreach (var api in response.ApiKeys)
        {
            if (ApiKeys.IsKnown(api.ApiKey))
            {
                served[(ApiKey)api.ApiKey] = new VersionRange(api.MinVersion, api.MaxVersion);
            }
        }
        return new PeerApiVersions(served);
    }

    /// <summary>The peer answered UNSUPPORTED_VERSION: the ApiVersions version to retry at, if any.</summary>
    public static short? RetryVersion(ApiVersionsResponseData response, short tried)
    {
        var peer = response.ApiKeys.FirstOrDefault(a => a.ApiKey == (short)ApiKey.ApiVersions);
        var retry = peer is null ? (short)0 : Math.Min(peer.MaxVersion, ApiKeys.ValidVersions(ApiKey.ApiVersions).Highest);
        return retry < tried ? retry : null;
    }

    private static string SafeVersion(Version? version) => version is null ? "0.0.0" : $"{version.Major}.{version.Minor}.{Math.Max(0, version.Build)}";
}
