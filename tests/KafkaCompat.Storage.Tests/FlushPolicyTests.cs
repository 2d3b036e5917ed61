namespace KafkaCompat.Storage.Tests;

public class FlushPolicyTests
{
    [Test]
    public void ByDefault_AppendsLeaveFlushingToTheOperatingSystem()
    {
        using var fixture = new LogFixture();
        int before = fixture.FileSystem.FlushCount;

        fixture.Append(Batches.Make());
        fixture.Append(Batches.Make());

        Assert.That(fixture.FileSystem.FlushCount, Is.EqualTo(before));
        Assert.That(fixture.Log.RecoveryPoint, Is.Zero);
    }

    [Test]
    public void FlushMessages_FlushesEveryNMessages()
    {
        using var fixture = new LogFixture(LogConfig.Default with { FlushMessages = 3 });

        fixture.Append(Batches.Make(records: 2));
        Assert.That(fixture.Log.RecoveryPoint, Is.Zero);
        fixture.Append(Batches.Make(records: 1));

        Assert.That(fixture.Log.RecoveryPoint, Is.EqualTo(3));
    }

    [Test]
    public void ConcurrentFlushes_ShareOneFsync()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 5));
        int before = fixture.FileSystem.FlushCount;

        Parallel.For(0, 16, _ => fixture.Log.Flush());

        // One flush of the segment: .log, .index, .timeindex.
        Assert.That(fixture.FileSystem.FlushCount - before, Is.EqualTo(3));
        Assert.That(fixture.Log.RecoveryPoint, Is.EqualTo(5));
    }

    [Test]
    public void FlushIfDue_WaitsForFlushMs()
    {
        using var fixture = new LogFixture(LogConfig.Default with { FlushMs = 1_000 });
        fixture.Append(Batches.Make());

        fixture.Log.FlushIfDue(fixture.Time.NowMs + 999);
        Assert.That(fixture.Log.RecoveryPoint, Is.Zero);
        fixture.Log.FlushIfDue(fixture.Time.NowMs + 1_000);

        Assert.That(fixture.Log.RecoveryPoint, Is.EqualTo(1));
    }
}
