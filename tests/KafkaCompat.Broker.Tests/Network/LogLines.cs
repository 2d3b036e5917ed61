using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Tests.Network;

/// <summary>Every line logged at any level, so a test can wait until the code under test has said something.</summary>
internal sealed class LogLines : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _added = new(0);

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>True once <paramref name="count"/> lines containing <paramref name="text"/> are logged; false if not within 10 s.</summary>
    public async Task<bool> WaitForAsync(string text, int count = 1)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (_lines.Count(line => line.Contains(text, StringComparison.Ordinal)) < count)
        {
            try
            {
                await _added.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return true;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogLines log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            log._lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
            log._added.Release();
        }
    }
}
