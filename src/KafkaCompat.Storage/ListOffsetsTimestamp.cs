namespace KafkaCompat.Storage;

/// <summary>The special timestamps of a ListOffsets request.</summary>
public static class ListOffsetsTimestamp
{
    public const long Latest = -1;
    public const long Earliest = -2;

    /// <summary>KIP-734: the offset of the record with the largest timestamp.</summary>
    public const long MaxTimestamp = -3;

    /// <summary>KIP-405: the earliest offset on local storage, which without tiered storage is the log start offset.</summary>
    public const long EarliestLocal = -4;

    /// <summary>KIP-1005: the latest offset on tiered storage; nothing is tiered, so there is none.</summary>
    public const long LatestTiered = -5;

    /// <summary>KIP-1023: the first offset not yet copied to tiered storage; nothing is tiered, so there is none.</summary>
    public const long EarliestPendingUpload = -6;
}
