namespace KafkaCompat.PerfTest;

/// <summary>Latencies in microseconds, kept whole so that percentiles are exact.</summary>
public sealed class LatencyHistogram(long capacity)
{
    private readonly long[] _micros = new long[capacity];
    private long _count;

    public void Record(long micros)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        if (index < _micros.Length)
        {
            _micros[index] = micros;
        }
    }

    public string Summary()
    {
        var n = (int)Math.Min(_count, _micros.Length);
        if (n == 0)
        {
            return "no latencies";
        }
        var sorted = _micros[..n];
        Array.Sort(sorted);
        double Ms(double p) => sorted[Math.Min(n - 1, (int)(p * n))] / 1000.0;
        return $"avg {sorted.Average() / 1000.0:F2} ms, p50 {Ms(0.50):F2} ms, p95 {Ms(0.95):F2} ms, p99 {Ms(0.99):F2} ms, p99.9 {Ms(0.999):F2} ms, max {sorted[^1] / 1000.0:F2} ms";
    }
}
