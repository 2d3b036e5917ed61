namespace KafkaCompat.Broker.Coordinators;

public enum ShardStatus
{
    /// <summary>Created; its partition has not been read yet (requests get COORDINATOR_LOAD_IN_PROGRESS).</summary>
    Loading,

    Active,

    /// <summary>Shut down (or the partition is gone): requests get COORDINATOR_NOT_AVAILABLE.</summary>
    Closed,
}
