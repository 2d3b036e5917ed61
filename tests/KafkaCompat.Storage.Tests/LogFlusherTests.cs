namespace KafkaCompat.Storage.Tests;

public class LogFlusherTests
{
    [Test]
    public void FlushUpTo_CoversTheLogEndReadUnderTheLock_AndIsNotRepeatedForCoveredOffsets()
    {
        var fileSystem = new MemoryFileSystem();
        fileSystem.CreateDirectory("/log");
        LogSegment segment = LogSegment.Create(fileSystem, "/log", 0, LogConfig.Default, 0);
        segment.Append(Batches.Make(records: 1), 4096, 0);
        using var segments = new LogSegments(fileSystem, "/log", [segment]);
        var flusher = new LogFlusher(segments, new FakeTimeProvider(), recoveryPoint: 0);
        int flushesBefore = fileSystem.FlushCount;

        flusher.FlushUpTo(1, () => 5);
        int flushesAfterFirst = fileSystem.FlushCount;
        flusher.FlushUpTo(4, () => 9);

        Assert.That(flusher.RecoveryPoint, Is.EqualTo(5));
        Assert.That(flushesAfterFirst, Is.GreaterThan(flushesBefore));
        Assert.That(fileSystem.FlushCount, Is.EqualTo(flushesAfterFirst), "offsets already covered need no fsync");
    }

    [Test]
    public void IsDue_AfterFlushMs_OnlyWithSomethingUnflushed()
    {
        var time = new FakeTimeProvider();
        var fileSystem = new MemoryFileSystem();
        fileSystem.CreateDirectory("/log");
        using var segments = new LogSegments(fileSystem, "/log", [LogSegment.Create(fileSystem, "/log", 0, LogConfig.Default, 0)]);
        var flusher = new LogFlusher(segments, time, recoveryPoint: 3);
        LogConfig config = LogConfig.Default with { FlushMs = 1_000 };
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();

        Assert.That(flusher.IsDue(now + 999, logEndOffset: 4, config), Is.False);
        Assert.That(flusher.IsDue(now + 1_000, logEndOffset: 4, config), Is.True);
        Assert.That(flusher.IsDue(now + 1_000, logEndOffset: 3, config), Is.False);
        Assert.That(flusher.IsDue(now + 1_000_000, logEndOffset: 4, LogConfig.Default), Is.False, "flush.ms unset");
    }

    [Test]
    public void TruncateTo_PullsTheRecoveryPointBackOnly()
    {
        var fileSystem = new MemoryFileSystem();
        fileSystem.CreateDirectory("/log");
        using var segments = new LogSegments(fileSystem, "/log", [LogSegment.Create(fileSystem, "/log", 0, LogConfig.Default, 0)]);
        var flusher = new LogFlusher(segments, new FakeTimeProvider(), recoveryPoint: 10);

        flusher.TruncateTo(20);
        Assert.That(flusher.RecoveryPoint, Is.EqualTo(10));
        flusher.TruncateTo(6);
        Assert.That(flusher.RecoveryPoint, Is.EqualTo(6));
    }
}
