namespace KafkaCompat.Broker.Tests.Share;

/// <summary>KIP-932's delivery states as share state batches carry them.</summary>
internal static class DeliveryStates
{
    public const sbyte Available = 0;
    public const sbyte Acquired = 1;
    public const sbyte Acknowledged = 2;
    public const sbyte Archived = 4;
}
