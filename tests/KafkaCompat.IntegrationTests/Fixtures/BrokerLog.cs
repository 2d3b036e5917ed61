using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>
/// Keeps the last lines a broker logged (in-process: from the logger; process: its stdout and
/// stderr), so a failing test can show what the broker said.
/// </summary>
internal sealed class BrokerLog : ILoggerProvider
{
    private const int Keep = 400;
    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Keep && _lines.TryDequeue(out _))
        {
        }
    }

    public string Tail(int count = 60) => string.Join(Environment.NewLine, _lines.TakeLast(count));

    /// <summary>For a [TearDown]: writes the last lines to the test's output when the test failed.</summary>
    public void ShowTailIfTestFailed(int count)
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine("Broker log (last lines):" + Environment.NewLine + Tail(count));
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(BrokerLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
        }
    }
}
