using System.Text;

namespace KafkaCompat.Storage.Tests;

public class LeaderEpochFileCacheTests
{
    private const string Directory = "/log/orders-0";

    private readonly MemoryFileSystem _fileSystem = new();

    [Test]
    public void Assign_AddsOnlyNewerEpochs_AndCheckpointsThemInKafkasFormat()
    {
        LeaderEpochFileCache cache = Empty();

        cache.Assign(1, 0);
        cache.Assign(1, 5);
        cache.Assign(3, 10);
        cache.Assign(2, 12);

        Assert.That(cache.Entries, Is.EqualTo(new[] { new EpochEntry(1, 0), new EpochEntry(3, 10) }));
        Assert.That(cache.LatestEpoch, Is.EqualTo(3));
        Assert.That(Checkpoint(), Is.EqualTo("0\n2\n1 0\n3 10\n"));
    }

    [Test]
    public void EndOffsetFor_AnswersAsKafkaDoes()
    {
        LeaderEpochFileCache cache = WithEpochs((2, 0), (4, 100), (7, 250));

        Assert.That(cache.EndOffsetFor(7, logEndOffset: 300), Is.EqualTo((7, 300L)), "the latest epoch ends at the log end");
        Assert.That(cache.EndOffsetFor(4, 300), Is.EqualTo((4, 250L)));
        Assert.That(cache.EndOffsetFor(5, 300), Is.EqualTo((4, 250L)), "an unknown epoch between: the one before it, ending where the next starts");
        Assert.That(cache.EndOffsetFor(1, 300), Is.EqualTo((1, 0L)), "older than every known epoch: the first start offset");
        Assert.That(cache.EndOffsetFor(9, 300), Is.EqualTo((-1, -1L)));
        Assert.That(cache.EndOffsetFor(-1, 300), Is.EqualTo((-1, -1L)));
        Assert.That((cache.EpochFor(99), cache.EpochFor(100), cache.EpochFor(1_000)), Is.EqualTo((2, 4, 7)));
    }

    [Test]
    public void TruncateFromEnd_ForgetsEpochsStartingAtOrAfterTheNewEnd()
    {
        LeaderEpochFileCache cache = WithEpochs((1, 0), (2, 10), (3, 20));

        cache.TruncateFromEnd(20);

        Assert.That(cache.Entries, Is.EqualTo(new[] { new EpochEntry(1, 0), new EpochEntry(2, 10) }));
        Assert.That(Checkpoint(), Is.EqualTo("0\n2\n1 0\n2 10\n"));
    }

    [Test]
    public void TruncateFromStart_MovesTheFirstKeptEpochToTheLogStart()
    {
        LeaderEpochFileCache cache = WithEpochs((1, 0), (2, 10), (3, 20));

        cache.TruncateFromStart(15);

        Assert.That(cache.Entries, Is.EqualTo(new[] { new EpochEntry(2, 15), new EpochEntry(3, 20) }));
    }

    [Test]
    public void Load_WithoutACheckpoint_RebuildsFromTheBatchHeaders_AndDropsEntriesPastTheLogEnd()
    {
        using (var fixture = new LogFixture())
        {
            fixture.Append(Batches.Make(records: 2), leaderEpoch: 1);
            fixture.Append(Batches.Make(records: 2), leaderEpoch: 1);
            fixture.Append(Batches.Make(records: 1), leaderEpoch: 4);
            fixture.Log.Close();
            fixture.FileSystem.DeleteFile(Path.Combine(fixture.Directory, LeaderEpochFileCache.FileName));

            PartitionLog reopened = fixture.Open();

            Assert.That(reopened.LeaderEpochEntries, Is.EqualTo(new[] { new EpochEntry(1, 0), new EpochEntry(4, 4) }));
            Assert.That(fixture.FileSystem.FileExists(Path.Combine(fixture.Directory, LeaderEpochFileCache.FileName)), Is.True);
            reopened.Close();
        }

        _fileSystem.CreateDirectory(Directory);
        OffsetCheckpointFile.WriteLines(_fileSystem, Path.Combine(Directory, LeaderEpochFileCache.FileName), ["1 0", "4 4", "6 9"]);
        Assert.That(LeaderEpochFileCache.Load(_fileSystem, Directory, [], logEndOffset: 9, hadCleanShutdown: true).Entries, Is.EqualTo(new[] { new EpochEntry(1, 0), new EpochEntry(4, 4) }));
    }

    [Test]
    public void AnEpochWhoseCheckpointWriteACrashLost_IsReadAgainFromTheActiveSegment()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 2), leaderEpoch: 1);
        fixture.Log.Flush();
        string checkpoint = Path.Combine(fixture.Directory, LeaderEpochFileCache.FileName);
        byte[] withEpochOne = fixture.FileSystem.ReadAll(checkpoint);
        fixture.Append(Batches.Make(records: 2), leaderEpoch: 2);
        fixture.Log.Flush();
        // The append's checkpoint write was not fsynced: the crash brings the file back to epoch 1 alone.
        fixture.FileSystem.DeleteFile(checkpoint);
        OffsetCheckpointFile.WriteLines(fixture.FileSystem, checkpoint, Encoding.UTF8.GetString(withEpochOne).Split('\n', StringSplitOptions.RemoveEmptyEntries)[2..]);

        PartitionLog reopened = fixture.CrashAndReopen();

        Assert.That(reopened.LeaderEpochEntries, Is.EqualTo(new[] { new EpochEntry(1, 0), new EpochEntry(2, 2) }));
        Assert.That(reopened.LatestLeaderEpoch, Is.EqualTo(2));
    }

    private LeaderEpochFileCache WithEpochs(params (int Epoch, long StartOffset)[] epochs)
    {
        LeaderEpochFileCache cache = Empty();
        foreach ((int epoch, long startOffset) in epochs)
        {
            cache.Assign(epoch, startOffset);
        }

        return cache;
    }

    private LeaderEpochFileCache Empty()
    {
        _fileSystem.CreateDirectory(Directory);
        return LeaderEpochFileCache.Load(_fileSystem, Directory, [], logEndOffset: 0, hadCleanShutdown: true);
    }

    private string Checkpoint() => Encoding.UTF8.GetString(_fileSystem.ReadAll(Path.Combine(Directory, LeaderEpochFileCache.FileName)));
}
