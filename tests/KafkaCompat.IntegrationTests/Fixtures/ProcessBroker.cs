using System.Diagnostics;
using System.Net.Sockets;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>
/// The kafkacompat executable built by the solution build, run as its own process
/// (<c>dotnet kafkacompat.dll --override ...</c>) on a free 127.0.0.1 port with a fresh data
/// directory, so a test can <c>kill -9</c> it. The process is always killed by its PID on dispose,
/// and the directory deleted.
/// </summary>
internal sealed class ProcessBroker : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _data = new("kafkacompat-it-");
    private string[] _overrides;
    private Process? _process;

    private ProcessBroker(string[] overrides, string? configFile = null, int? port = null)
    {
        _overrides = overrides;
        ConfigFile = configFile;
        Port = port ?? FreePort.Pick();
    }

    /// <summary>The server.properties the process is started with alone, as a user would start it; null for overrides.</summary>
    public string? ConfigFile { get; }

    public BrokerLog Log { get; } = new();

    public int Port { get; }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    public string DataDirectory => _data.Path;

    public bool IsRunning => _process is { HasExited: false };

    public int? ProcessId => _process?.Id;

    public static Task<ProcessBroker> StartAsync(params string[] overrides) => StartedAsync(new ProcessBroker(overrides));

    /// <summary>
    /// Starts <c>kafkacompat <paramref name="configFile"/></c> with nothing else on the command line;
    /// <paramref name="port"/> is the loopback port of the file's client listener, waited on.
    /// </summary>
    public static Task<ProcessBroker> StartWithConfigFileAsync(string configFile, int port) => StartedAsync(new ProcessBroker([], configFile, port));

    private static async Task<ProcessBroker> StartedAsync(ProcessBroker broker)
    {
        try
        {
            await broker.StartProcessAsync();
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown hook runs, nothing is flushed by the broker.</summary>
    public void Kill()
    {
        if (_process is { } process)
        {
            _process = null;
            try
            {
                // On Unix Process.Kill sends SIGKILL to this PID only.
                process.Kill(entireProcessTree: false);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
            if (!process.WaitForExit(10_000))
            {
                throw new TimeoutException($"broker process {process.Id} did not die after SIGKILL");
            }
            Log.Add($"--- killed process {process.Id} (exit code {process.ExitCode}) ---");
            process.Dispose();
        }
    }

    /// <summary>Starts the process again on the same port and data directory (after <see cref="Kill"/>).</summary>
    public Task RestartAsync()
    {
        Kill();
        return StartProcessAsync();
    }

    /// <summary>Kills the process and starts it again with <paramref name="overrides"/> in place of the first start's.</summary>
    public Task RestartWithAsync(params string[] overrides)
    {
        _overrides = overrides;
        return RestartAsync();
    }

    private async Task StartProcessAsync()
    {
        var dll = RepoPaths.ServerDll;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build the solution first (test.sh does)", dll);
        }
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _data.Path,
        };
        start.ArgumentList.Add(dll);
        if (ConfigFile is not null)
        {
            start.ArgumentList.Add(ConfigFile);
        }
        foreach (var config in ConfigFile is not null ? _overrides : [$"listeners=PLAINTEXT://127.0.0.1:{Port}", $"log.dirs={_data.Path}", .. _overrides])
        {
            start.ArgumentList.Add("--override");
            start.ArgumentList.Add(config);
        }
        // Kafka-style environment configs must not leak in from the machine running the tests.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KAFKA_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        var process = new Process { StartInfo = start };
        // Drain both pipes continuously: a full pipe would block the broker's logging.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Log.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log.Add("stderr: " + e.Data); };
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Log.Add($"--- started process {process.Id} on port {Port} ---");

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the broker exited with code {process.ExitCode} while starting:{Environment.NewLine}{Log.Tail()}");
            }
            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"the broker did not accept connections on {BootstrapServers} within {StartTimeout}:{Environment.NewLine}{Log.Tail()}");
            }
            if (await AcceptsConnectionsAsync())
            {
                return;
            }
            await Task.Delay(50);
        }
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Kill();
        }
        finally
        {
            _data.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
