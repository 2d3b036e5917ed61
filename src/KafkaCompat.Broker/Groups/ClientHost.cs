using System.Net;

namespace KafkaCompat.Broker.Groups;

/// <summary>A member's client host as Kafka reports it (Java's InetAddress.toString: "/127.0.0.1").</summary>
public static class ClientHost
{
    public static string From(string remoteAddress) =>
        IPEndPoint.TryParse(remoteAddress, out var endpoint) ? "/" + endpoint.Address : "/" + remoteAddress;
}
