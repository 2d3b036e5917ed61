using System.Net;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Network;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.InterNode;

/// <summary>A real listener on a loopback port: the network layer and the dispatcher over a table of a test's handlers.</summary>
internal sealed class InterNodeListener : IAsyncDisposable
{
    private readonly KafkaServerHost _host;

    private InterNodeListener(KafkaServerHost host, HandlerTable table)
    {
        _host = host;
        Table = table;
    }

    public HandlerTable Table { get; }

    public int Port => _host.BoundListeners[0].EndPoint.Port;

    /// <summary>Serves ApiVersions and <paramref name="handlers"/> on a listener named <paramref name="listenerName"/> (port 0: the OS picks).</summary>
    public static Task<InterNodeListener> StartAsync(IEnumerable<IApiHandler> handlers, string listenerName = "PLAINTEXT", int port = 0)
    {
        HandlerTable? table = null;
        var apiVersions = new ApiVersionsHandler(() => table!);
        table = new HandlerTable([apiVersions, .. handlers]);
        return StartAsync(table, apiVersions, listenerName, port);
    }

    public static async Task<InterNodeListener> StartAsync(HandlerTable table, ApiVersionsHandler apiVersions, string listenerName, int port = 0)
    {
        var dispatcher = new RequestDispatcher(table, apiVersions, NullLogger<RequestDispatcher>.Instance);
        var options = new NetworkOptions { Listeners = [new ListenerEndpoint(listenerName, new IPEndPoint(IPAddress.Loopback, port), "PLAINTEXT")] };
        var host = new KafkaServerHost(options, dispatcher, NullLoggerFactory.Instance);
        await host.StartAsync();
        return new InterNodeListener(host, table);
    }

    public async ValueTask DisposeAsync()
    {
        // Requests a test left hanging must not hold the stop.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Connections still open were aborted.
        }
        await _host.DisposeAsync();
    }
}
