namespace KafkaCompat.Raft.Tests.Log;

/// <summary>Snapshot file names as Kafka writes them (KIP-630: <c>%020d-%010d.checkpoint</c>).</summary>
public class SnapshotsTests
{
    [Test]
    public void ACompleteSnapshotIsNamedByItsEndOffsetAndEpoch()
    {
        var id = new OffsetAndEpoch(1234, 5);

        Assert.That(Snapshots.FileName(id), Is.EqualTo("00000000000000001234-0000000005.checkpoint"));
        Assert.That(Snapshots.TryParse("/d/00000000000000001234-0000000005.checkpoint", out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(new SnapshotPath("/d/00000000000000001234-0000000005.checkpoint", id, Partial: false, Deleted: false)));
    }

    [Test]
    public void PartialAndDeletedNamesParseAsSuch()
    {
        Assert.That(Snapshots.TryParse("/d/00000000000000001234-0000000005.checkpoint.part", out var partial) && partial.Partial, Is.True);
        Assert.That(Snapshots.TryParse(Snapshots.NewPartialPath("/d", new OffsetAndEpoch(1234, 5)), out var tagged), Is.True);
        Assert.That((tagged.SnapshotId, tagged.Partial), Is.EqualTo((new OffsetAndEpoch(1234, 5), true)));
        Assert.That(Snapshots.TryParse(Snapshots.DeletedPathFor("/d", new OffsetAndEpoch(7, 1)), out var deleted) && deleted.Deleted, Is.True);
        Assert.That(deleted.SnapshotId, Is.EqualTo(new OffsetAndEpoch(7, 1)));
    }

    [TestCase("00000000000000001234.log")]
    [TestCase("leader-epoch-checkpoint")]
    [TestCase("00000000000000001234-0000000005-x.checkpoint")]
    [TestCase("0000000000000000123x-0000000005.checkpoint")]
    [TestCase("00000000000000001234-000000005.checkpoint")]
    public void OtherFilesAreNotSnapshots(string name) => Assert.That(Snapshots.TryParse("/d/" + name, out _), Is.False);
}
