using System.Net;
using System.Net.Sockets;

namespace KafkaCompat.IntegrationTests.Fixtures;

internal static class FreePort
{
    /// <summary>A loopback port nothing listens on right now (the OS's choice for port 0).</summary>
    public static int Pick()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
