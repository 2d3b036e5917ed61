using System.Net;

namespace KafkaCompat.Network;

/// <summary>Which named listener a local endpoint belongs to, known once the listeners are bound.</summary>
public sealed class ListenerDirectory
{
    private volatile IReadOnlyList<ListenerEndpoint> _bound = [];

    public void Publish(IReadOnlyList<ListenerEndpoint> bound) => _bound = bound;

    public string NameFor(EndPoint? local)
    {
        var bound = _bound;
        var port = (local as IPEndPoint)?.Port;
        return bound.FirstOrDefault(l => l.EndPoint.Port == port)?.Name ?? bound.FirstOrDefault()?.Name ?? "PLAINTEXT";
    }
}
