namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// Kafka's exponential backoff with jitter (KIP-144 for reconnects, KIP-601 for connection setup):
/// <c>initial * 2^attempts</c>, capped at <c>max</c>, then moved by up to ±20% at random so that
/// nodes that lost the same peer do not all come back at the same instant; never above <c>max</c>.
/// </summary>
internal sealed class ExponentialBackoff(long initialMs, long maxMs, Random? random = null)
{
    private const double Jitter = 0.2;

    private readonly Random _random = random ?? Random.Shared;

    public long MaxMs => maxMs;

    public long Next(int attempts)
    {
        if (initialMs >= maxMs)
        {
            return maxMs;
        }
        // The exponent stops where the term passes the cap, so 2^attempts never overflows.
        var cappedExponent = Math.Min(attempts, (int)Math.Ceiling(Math.Log2((double)maxMs / Math.Max(1, initialMs))));
        var term = initialMs * Math.Pow(2, cappedExponent);
        var factor = 1 - Jitter + (_random.NextDouble() * 2 * Jitter);
        return Math.Min(maxMs, (long)(term * factor));
    }
}
