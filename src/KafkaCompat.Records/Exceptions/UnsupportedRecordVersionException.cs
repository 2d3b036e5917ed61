namespace KafkaCompat.Records;

/// <summary>
/// The data is a legacy message set (magic 0 or 1), which this library does not parse. Kept apart from
/// corruption because old clients (Produce v0-v2) legitimately send these and the broker may want to
/// answer UNSUPPORTED_FOR_MESSAGE_FORMAT or convert them.
/// </summary>
public sealed class UnsupportedRecordVersionException : RecordsException
{
    public UnsupportedRecordVersionException(byte magic)
        : base($"Record format magic {magic} (legacy message set) is not supported; only magic 2 record batches are.")
    {
        Magic = magic;
    }

    public byte Magic { get; }
}
