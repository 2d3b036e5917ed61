namespace KafkaCompat.Storage.Tests;

public class ReadLimitTests
{
    private static readonly int BatchSize = Batches.Make(records: 2).Length;

    [Test]
    public void MaxBytes_ReturnsOnlyWholeBatchesThatFit()
    {
        using LogFixture fixture = WithBatches(5);

        using LogReadResult read = fixture.Log.Read(0, (BatchSize * 5 / 2) + 1, fixture.Log.HighWatermark, minOneBatch: false);

        Assert.That(read.Records.Length, Is.EqualTo(BatchSize * 2));
        Assert.That(Batches.Split(read.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 2 }));
    }

    [Test]
    public void MinOneBatch_ReturnsTheFirstBatchEvenWhenLargerThanMaxBytes()
    {
        using LogFixture fixture = WithBatches(3);

        using LogReadResult withMinOne = fixture.Log.Read(2, 10, fixture.Log.HighWatermark, minOneBatch: true);
        using LogReadResult withoutMinOne = fixture.Log.Read(2, 10, fixture.Log.HighWatermark, minOneBatch: false);

        Assert.That(Batches.Split(withMinOne.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 2 }));
        Assert.That(withoutMinOne.Records.Length, Is.Zero);
    }

    [Test]
    public void Reads_NeverReturnDataAtOrBeyondTheLimit()
    {
        using LogFixture fixture = WithBatches(5);

        using LogReadResult belowLimit = fixture.Log.Read(0, 1 << 20, 6, minOneBatch: true);
        using LogReadResult atLimit = fixture.Log.Read(6, 1 << 20, 6, minOneBatch: true);
        using LogReadResult insideLastAllowed = fixture.Log.Read(5, 1 << 20, 6, minOneBatch: true);

        Assert.That(Batches.Split(belowLimit.Records).Select(b => b.LastOffset), Is.EqualTo(new long[] { 1, 3, 5 }));
        Assert.That(atLimit.Records.Length, Is.Zero);
        Assert.That(Batches.Split(insideLastAllowed.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 4 }));
    }

    [Test]
    public void HighWatermarkBelowTheLogEnd_HidesTheUncommittedTail()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 2));
        fixture.Log.Append(Batches.Make(records: 2), 0);

        using LogReadResult read = fixture.Log.Read(0, 1 << 20, fixture.Log.HighWatermark, minOneBatch: true);

        Assert.That(read.HighWatermark, Is.EqualTo(2));
        Assert.That(read.LogEndOffset, Is.EqualTo(4));
        Assert.That(Batches.Split(read.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0 }));
    }

    [Test]
    public void ARead_ContinuesIntoTheNextSegment_UntilMaxBytes()
    {
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = BatchSize * 2 });
        for (int i = 0; i < 6; i++)
        {
            fixture.Append(Batches.Make(records: 2));
        }

        Assert.That(fixture.Log.SegmentCount, Is.EqualTo(3));

        using LogReadResult read = fixture.Log.Read(2, BatchSize * 3, fixture.Log.HighWatermark, minOneBatch: false);

        Assert.That(Batches.Split(read.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 2, 4, 6 }));
    }

    private static LogFixture WithBatches(int count)
    {
        var fixture = new LogFixture();
        for (int i = 0; i < count; i++)
        {
            fixture.Append(Batches.Make(records: 2));
        }

        return fixture;
    }
}
