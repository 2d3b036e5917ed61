using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker;

/// <summary>
/// Everything a handler may know about the request besides its body; <see cref="Connection"/> is
/// the session of the connection it came on (principal, listener, client software), one object for
/// all of that connection's requests.
/// </summary>
public sealed record RequestContext(RequestHeaderData Header, ConnectionSession Connection)
{
    public ApiKey ApiKey => (ApiKey)Header.RequestApiKey;
    public short ApiVersion => Header.RequestApiVersion;
    public string? ClientId => Header.ClientId;
    public string ListenerName => Connection.ListenerName;

    /// <summary>
    /// Buffers the response points into (fetched log segments), released once
    /// the response has been encoded: the response carries them without a copy.
    /// </summary>
    public List<IDisposable> ResponseResources { get; } = [];

    /// <summary>
    /// Bytes of record batches the response carries (set by Fetch): they are spliced into the
    /// frame as it is sent instead of being copied into it.
    /// </summary>
    public int SplicedRecordBytes { get; set; }
}
