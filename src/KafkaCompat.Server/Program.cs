using System.Runtime.InteropServices;
using KafkaCompat.Broker.Config;
using KafkaCompat.Server;
using KafkaCompat.Server.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

// kafkacompat storage {random-uuid,format,info} ...: Kafka's kafka-storage.sh.
if (args is ["storage", ..])
{
    return StorageTool.Run(args[1..], Console.Out, Console.Error);
}

// kafkacompat [server.properties] [--override key=value]...
// With no arguments: node 1 on localhost:9092, data in ./data.
using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console =>
    {
        // One line per event, Kafka-like: [2026-11-21 06:00:00,123] INFO ...
        console.SingleLine = true;
        console.TimestampFormat = "[yyyy-MM-dd HH:mm:ss,fff] ";
        console.ColorBehavior = LoggerColorBehavior.Disabled;
    })
    .SetMinimumLevel(Environment.GetEnvironmentVariable("KAFKACOMPAT_LOG_LEVEL") is { } level && Enum.TryParse<LogLevel>(level, true, out var parsed) ? parsed : LogLevel.Information)
    .AddFilter("Microsoft", LogLevel.Warning));
var logger = loggerFactory.CreateLogger("KafkaCompat");

LoadedConfig loaded;
try
{
    loaded = ConfigLoader.Load(args, Environment.GetEnvironmentVariables());
}
catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
{
    logger.LogCritical("Invalid configuration: {Message}", e.Message);
    return 1;
}
foreach (var warning in loaded.Warnings)
{
    logger.LogWarning("{Warning}", warning);
}

KafkaCompatServer server;
try
{
    server = await KafkaCompatServer.StartAsync(loaded.Config, loggerFactory);
}
catch (ConfigException e)
{
    logger.LogCritical("KafkaCompat could not start: {Message}", e.Message);
    return 1;
}
catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
{
    logger.LogCritical(e, "KafkaCompat could not start: {Message}", e.Message);
    return 1;
}

// SIGTERM and Ctrl-C (SIGINT) both shut down cleanly.
var stopping = new TaskCompletionSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.TrySetResult();
});
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stopping.TrySetResult();
});
await stopping.Task;
await server.DisposeAsync();
return 0;
