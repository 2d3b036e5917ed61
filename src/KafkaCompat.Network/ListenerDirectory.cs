using System.Net;

namespace KafkaCompat.Network;

/// <summary>Which named listener a local endpoint belongs to, known once the listeners are bound.</summary>
public sealed class ListenerDirectory
{
    private volatile IReadOnlyList<ListenerEndpoint> _bound = [];

    public void Publish(IReadOnlyList<ListenerEndpoint> bound) => _bound = bound;

    /// <summary>
    /// The listener bound to <paramref name="local"/>. Until the bound ports are published (a
    /// configured port 0 is known only then) a connection may find none, and gets the first.
    /// </summary>
    public ListenerEndpoint For(EndPoint? local)
    {
        var bound = _bound;
        var port = (local as IPEndPoint)?.Port;
        return bound.FirstOrDefault(l => l.EndPoint.Port == port) ?? bound[0];
    }
}
