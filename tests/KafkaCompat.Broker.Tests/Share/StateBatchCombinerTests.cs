using KafkaCompat.Broker.Share.Coordinator;
using static KafkaCompat.Broker.Tests.Share.DeliveryStates;

namespace KafkaCompat.Broker.Tests.Share;

public class StateBatchCombinerTests
{
    [Test]
    public void ANewerBatchReplacesTheOffsetsItCoversAndKeepsTheRestOfTheOlderBatch()
    {
        var combined = StateBatchCombiner.Combine(
            [new(100, 119, Available, 1)],
            [new(105, 109, Acknowledged, 1)],
            startOffset: -1);

        Assert.That(combined, Is.EqualTo(new PersisterStateBatch[] { new(100, 104, Available, 1), new(105, 109, Acknowledged, 1), new(110, 119, Available, 1) }));
    }

    [Test]
    public void ContiguousBatchesInTheSameStateWithTheSameCountBecomeOne()
    {
        var combined = StateBatchCombiner.Combine([new(0, 10, Available, 1)], [new(11, 20, Available, 1), new(21, 30, Available, 2)], startOffset: 0);

        Assert.That(combined, Is.EqualTo(new PersisterStateBatch[] { new(0, 20, Available, 1), new(21, 30, Available, 2) }));
    }

    [Test]
    public void OffsetsBelowTheStartOffsetAreForgottenAndABatchAcrossItIsCut()
    {
        var combined = StateBatchCombiner.Combine(
            [new(100, 109, Acknowledged, 1), new(110, 119, Acquired, 2), new(120, 129, Acquired, 1)],
            [new(120, 129, Acknowledged, 1)],
            startOffset: 115);

        Assert.That(combined, Is.EqualTo(new PersisterStateBatch[] { new(115, 119, Acquired, 2), new(120, 129, Acknowledged, 1) }));
    }

    [Test]
    public void WithinOneWriteTheLaterOfTwoOverlappingBatchesWins()
    {
        var combined = StateBatchCombiner.Combine([], [new(0, 9, Available, 1), new(5, 14, Archived, 5)], startOffset: -1);

        Assert.That(combined, Is.EqualTo(new PersisterStateBatch[] { new(0, 4, Available, 1), new(5, 14, Archived, 5) }));
    }

    [Test]
    public void ABatchCoveringSeveralOlderOnesReplacesThemAll()
    {
        var combined = StateBatchCombiner.Combine(
            [new(0, 4, Available, 1), new(5, 9, Acquired, 1), new(10, 14, Archived, 3)],
            [new(2, 12, Acknowledged, 2)],
            startOffset: -1);

        Assert.That(combined, Is.EqualTo(new PersisterStateBatch[] { new(0, 1, Available, 1), new(2, 12, Acknowledged, 2), new(13, 14, Archived, 3) }));
    }
}
