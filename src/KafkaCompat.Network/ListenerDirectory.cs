using System.Net;

namespace KafkaCompat.Network;

/// <summary>
/// Which named listener a local endpoint belongs to: the configured listeners until the bound ones
/// (with the ports the OS chose for port 0) are published.
/// </summary>
public sealed class ListenerDirectory
{
    private volatile IReadOnlyList<ListenerEndpoint> _bound = [];

    public void Publish(IReadOnlyList<ListenerEndpoint> bound) => _bound = bound;

    /// <summary>
    /// The listener bound to <paramref name="local"/>; a connection accepted before a configured
    /// port 0 is published finds none by port, and gets the first listener.
    /// </summary>
    public ListenerEndpoint For(EndPoint? local)
    {
        var bound = _bound;
        var port = (local as IPEndPoint)?.Port;
        return bound.FirstOrDefault(l => l.EndPoint.Port == port) ?? bound[0];
    }
}
