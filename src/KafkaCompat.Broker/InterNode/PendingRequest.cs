namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// A request from the time it is accepted until its one outcome: queued, then written at a version
/// and correlation id, then answered, failed or timed out. Whichever comes first wins; the others
/// find it completed.
/// </summary>
internal sealed class PendingRequest(InterNodeRequest request)
{
    private int _completed;

    public InterNodeRequest Request { get; } = request;

    public int CorrelationId { get; set; }

    public short Version { get; set; } = -1;

    /// <summary>Fires at the request's deadline; re-armed when it is written.</summary>
    public ITimer? Timer { get; set; }

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>True for the one caller that gets to report the outcome.</summary>
    public bool TryClaim()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }
        Timer?.Dispose();
        return true;
    }
}
