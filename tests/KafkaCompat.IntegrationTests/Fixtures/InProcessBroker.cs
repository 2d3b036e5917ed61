using KafkaCompat.Broker.Config;
using KafkaCompat.Server;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>
/// The broker in this process on 127.0.0.1 (port chosen by the OS) with a fresh data directory,
/// which is deleted on dispose. <see cref="RestartAsync"/> stops it cleanly and starts a new one on
/// the same directory.
/// </summary>
internal sealed class InProcessBroker : IAsyncDisposable
{
    private readonly TempDirectory _data = new("kafkacompat-it-");
    private readonly string[] _overrides;
    private readonly ILoggerFactory _loggerFactory;
    private KafkaCompatServer? _server;

    private InProcessBroker(string[] overrides)
    {
        _overrides = overrides;
        _loggerFactory = LoggerFactory.Create(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Information).AddProvider(Log));
    }

    public BrokerLog Log { get; } = new();

    public string DataDirectory => _data.Path;

    /// <summary>The advertised address (what Metadata tells clients).</summary>
    public string BootstrapServers => Server.BootstrapServers;

    /// <summary>The port actually bound (differs from the advertised one behind a proxy).</summary>
    public int BoundPort => Server.BoundListeners[0].EndPoint.Port;

    /// <summary>The broker's registration with its controller.</summary>
    public KafkaCompat.Broker.Lifecycle.BrokerLifecycleManager Lifecycle => Server.Lifecycle;

    private KafkaCompatServer Server => _server ?? throw new InvalidOperationException("the broker is stopped");

    /// <param name="overrides">Extra broker configs as key=value, like kafka-server-start's --override.</param>
    public static async Task<InProcessBroker> StartAsync(params string[] overrides)
    {
        var broker = new InProcessBroker(overrides);
        try
        {
            await broker.StartServerAsync();
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartServerAsync();
    }

    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }

    private async Task StartServerAsync()
    {
        var args = new List<string> { "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", $"log.dirs={_data.Path}" };
        foreach (var config in _overrides)
        {
            args.Add("--override");
            args.Add(config);
        }
        var loaded = ConfigLoader.Load([.. args], new Dictionary<string, string>());
        _server = await KafkaCompatServer.StartAsync(loaded.Config, _loggerFactory);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _loggerFactory.Dispose();
            _data.Dispose();
        }
    }
}
