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
}
