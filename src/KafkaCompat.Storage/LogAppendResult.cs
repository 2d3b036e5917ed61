using KafkaCompat.Protocol;

namespace KafkaCompat.Storage;

/// <summary>
/// The outcome of <see cref="PartitionLog.Append(Memory{byte}, in LogAppendInfo, int)"/>: the offsets given to the batches (or, for a
/// retried idempotent batch, the offsets it got the first time), what Produce responses report.
/// LogAppendTime is the broker time stamped on the batches of a LogAppendTime topic, else -1;
/// IsDuplicate means the batch was a retry of a retained one and nothing was written.
/// </summary>
public readonly record struct LogAppendResult(
    ErrorCode Error,
    long FirstOffset,
    long LastOffset,
    long LogAppendTime,
    long LogStartOffset,
    bool IsDuplicate = false,
    string? ErrorMessage = null)
{
    internal static LogAppendResult Failed(ErrorCode error, long logStartOffset, string message) =>
        new(error, -1, -1, -1, logStartOffset, false, message);
}
