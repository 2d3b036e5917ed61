namespace KafkaCompat.Storage.Tests;

public class IndexRebuildTests
{
    private static LogConfig Config => LogConfig.Default with { SegmentBytes = 2_000, IndexIntervalBytes = 100 };

    [TestCase(".index")]
    [TestCase(".timeindex")]
    public void AMissingIndexFile_IsRebuilt(string extension)
    {
        using LogFixture fixture = Filled();
        byte[] original = fixture.FileSystem.GetContent(fixture.SegmentPath(0, extension));
        fixture.Restart();
        fixture.Log.Close();

        fixture.FileSystem.DeleteFile(fixture.SegmentPath(0, extension));
        fixture.Restart();

        Assert.That(fixture.FileSystem.GetContent(fixture.SegmentPath(0, extension)), Is.EqualTo(original));
        AssertLookupsWork(fixture);
    }

    [Test]
    public void AnIndexOfTheWrongSize_IsRebuilt()
    {
        using LogFixture fixture = Filled();
        byte[] original = fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".index"));
        fixture.Log.Close();

        fixture.FileSystem.SetContent(fixture.SegmentPath(0, ".index"), original.AsSpan(0, original.Length - 3));
        fixture.Restart();

        Assert.That(fixture.Log.LoadInfo.RecoveredSegments, Is.EqualTo(1));
        Assert.That(fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".index")), Is.EqualTo(original));
        AssertLookupsWork(fixture);
    }

    [Test]
    public void AnIndexWithEntriesOutOfOrder_IsRebuilt()
    {
        using LogFixture fixture = Filled();
        byte[] original = fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".index"));
        Assert.That(original.Length, Is.GreaterThanOrEqualTo(16));
        fixture.Log.Close();

        byte[] swapped = original.ToArray();
        original.AsSpan(0, 8).CopyTo(swapped.AsSpan(8));
        original.AsSpan(8, 8).CopyTo(swapped);
        fixture.FileSystem.SetContent(fixture.SegmentPath(0, ".index"), swapped);
        fixture.Restart();

        Assert.That(fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".index")), Is.EqualTo(original));
        AssertLookupsWork(fixture);
    }

    [Test]
    public void ATimeIndexWithDecreasingTimestamps_IsRebuilt()
    {
        using LogFixture fixture = Filled();
        byte[] original = fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".timeindex"));
        Assert.That(original.Length, Is.GreaterThanOrEqualTo(24));
        fixture.Log.Close();

        byte[] garbage = original.ToArray();
        garbage.AsSpan(12, 8).Clear();
        fixture.FileSystem.SetContent(fixture.SegmentPath(0, ".timeindex"), garbage);
        fixture.Restart();

        Assert.That(fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".timeindex")), Is.EqualTo(original));
        AssertLookupsWork(fixture);
    }

    private static LogFixture Filled()
    {
        var fixture = new LogFixture(Config);
        for (int i = 0; i < 60; i++)
        {
            fixture.Append(Batches.WithTimestamps(1_000 + (i * 10)));
        }

        Assert.That(fixture.Log.SegmentCount, Is.GreaterThan(1));
        return fixture;
    }

    private static void AssertLookupsWork(LogFixture fixture)
    {
        for (long offset = 0; offset < 60; offset++)
        {
            using LogReadResult read = fixture.Log.Read(offset, 1, 60, minOneBatch: true);
            Assert.That(Batches.Split(read.Records).Single().BaseOffset, Is.EqualTo(offset));
            Assert.That(fixture.Log.OffsetForTimestamp(1_000 + (offset * 10) - 5)?.Offset, Is.EqualTo(offset));
        }
    }
}
