using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Network;

/// <summary>
/// Kestrel hosting one raw TCP listener per configured Kafka listener, every
/// connection served by <see cref="KafkaConnectionHandler"/>.
/// </summary>
public sealed class KafkaServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(ListenerEndpoint Listener, ListenOptions Options)> _bound = [];
    private readonly ListenerDirectory _directory = new();

    public KafkaServerHost(NetworkOptions options, IRequestProcessor processor, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(processor);
        // The configured listeners until the bound ones are known (StartAsync), so a connection is never without one.
        _directory.Publish(options.Listeners);
        builder.Services.AddSingleton(_directory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Frames are copied out of the pipe as they arrive; Kestrel need not cap them.
            kestrel.Limits.MaxRequestBufferSize = null;
            kestrel.AddServerHeader = false;
            foreach (var listener in options.Listeners)
            {
                kestrel.Listen(listener.EndPoint, l =>
                {
                    l.UseConnectionHandler<KafkaConnectionHandler>();
                    _bound.Add((listener, l));
                });
            }
        });
        _app = builder.Build();
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken);
        _directory.Publish(BoundListeners);
    }

    /// <summary>Stops accepting and waits (up to the timeout) for open connections to finish.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>The endpoints actually bound (a configured port 0 becomes the port the OS chose).</summary>
    public IReadOnlyList<ListenerEndpoint> BoundListeners =>
        _bound.Select(b => b.Listener with { EndPoint = (IPEndPoint)b.Options.EndPoint }).ToList();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
