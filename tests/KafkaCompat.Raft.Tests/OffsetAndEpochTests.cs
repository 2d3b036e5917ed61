namespace KafkaCompat.Raft.Tests;

public class OffsetAndEpochTests
{
    [Test]
    public void ALaterEpochIsNewerEvenAtASmallerOffset()
    {
        Assert.That(new OffsetAndEpoch(5, 3).CompareTo(new OffsetAndEpoch(100, 2)), Is.Positive);
        Assert.That(new OffsetAndEpoch(100, 2).CompareTo(new OffsetAndEpoch(5, 3)), Is.Negative);
    }

    [Test]
    public void WithinAnEpochTheLargerOffsetIsNewer()
    {
        Assert.That(new OffsetAndEpoch(7, 2).CompareTo(new OffsetAndEpoch(6, 2)), Is.Positive);
        Assert.That(new OffsetAndEpoch(6, 2).CompareTo(new OffsetAndEpoch(6, 2)), Is.Zero);
    }

    [Test]
    public void SortedIdsOfDivergedHistoriesFollowTheirEpochs()
    {
        var ids = new SortedSet<OffsetAndEpoch> { new(30, 1), new(10, 4), new(20, 2), new(5, 4) };

        Assert.That(ids, Is.EqualTo(new OffsetAndEpoch[] { new(30, 1), new(20, 2), new(5, 4), new(10, 4) }));
    }
}
