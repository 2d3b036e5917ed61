namespace KafkaCompat.Network;

/// <summary>
/// The client software a connection runs, as it names itself in ApiVersions v3+ (KIP-511);
/// <see cref="Unknown"/> until then, and for clients that never send it (older versions, sarama).
/// </summary>
public sealed record ClientInformation(string SoftwareName, string SoftwareVersion)
{
    /// <summary>Kafka's word for a name or version the client did not give.</summary>
    public const string UnknownNameOrVersion = "unknown";

    public static ClientInformation Unknown { get; } = new(UnknownNameOrVersion, UnknownNameOrVersion);

    public override string ToString() => $"{SoftwareName}/{SoftwareVersion}";
}
