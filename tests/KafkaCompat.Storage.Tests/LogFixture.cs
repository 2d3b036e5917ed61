namespace KafkaCompat.Storage.Tests;

/// <summary>A partition log on a <see cref="MemoryFileSystem"/> with a fake clock, reopenable to test restarts and crashes.</summary>
internal sealed class LogFixture : IDisposable
{
    public const string LogDir = "/data/kafka-logs";

    public LogFixture(LogConfig? config = null)
    {
        Config = config ?? LogConfig.Default;
        Log = Open();
    }

    public MemoryFileSystem FileSystem { get; } = new();

    public FakeTimeProvider Time { get; } = new();

    public LogConfig Config { get; set; }

    public TopicPartition TopicPartition { get; } = new("orders", 0);

    public PartitionLog Log { get; private set; }

    public string Directory => Path.Combine(LogDir, TopicPartition.ToString());

    public PartitionLog Open() => PartitionLog.Open(FileSystem, LogDir, TopicPartition, Config, Time);

    /// <summary>Closes cleanly and opens again.</summary>
    public PartitionLog Restart()
    {
        Log.Close();
        return Log = Open();
    }

    /// <summary>Loses what was not flushed (optionally keeping part of one file's tail) and opens again.</summary>
    public PartitionLog CrashAndReopen(string? tornPath = null, long keptUnflushedBytes = 0)
    {
        FileSystem.Crash(tornPath, keptUnflushedBytes);
        return Log = Open();
    }

    public LogAppendResult Append(byte[] batches, int leaderEpoch = 0)
    {
        LogAppendResult result = Log.Append(batches, leaderEpoch);
        Log.UpdateHighWatermark(Log.LogEndOffset);
        return result;
    }

    public string SegmentPath(long baseOffset, string extension = ".log") =>
        Path.Combine(Directory, baseOffset.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + extension);

    /// <summary>Reads everything from <paramref name="offset"/> to the high watermark.</summary>
    public byte[] ReadAll(long offset = 0)
    {
        using LogReadResult result = Log.Read(offset, int.MaxValue / 2, Log.HighWatermark, minOneBatch: true);
        Assert.That(result.Error, Is.EqualTo(KafkaCompat.Protocol.ErrorCode.None));
        return result.Records.ToArray();
    }

    public void Dispose() => Log.Close();
}
