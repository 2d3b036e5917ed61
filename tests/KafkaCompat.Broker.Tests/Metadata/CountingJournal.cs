using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>
/// Passes everything to a journal and counts the appends that reach it, so a test knows that the
/// controller has finished handling an operation (it appends the next one only afterwards).
/// </summary>
internal sealed class CountingJournal(IMetadataJournal inner) : IMetadataJournal
{
    private int _appends;

    public int Appends => Volatile.Read(ref _appends);

    public int Epoch => inner.Epoch;

    public void Register(IMetadataListener listener) => inner.Register(listener);

    public void Start() => inner.Start();

    public long Append(int epoch, IReadOnlyList<IKafkaMessage> records)
    {
        var offset = inner.Append(epoch, records);
        Interlocked.Increment(ref _appends);
        return offset;
    }

    public void CreateSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp, IEnumerable<IKafkaMessage> records) =>
        inner.CreateSnapshot(snapshotId, lastContainedLogTimestamp, records);
}
