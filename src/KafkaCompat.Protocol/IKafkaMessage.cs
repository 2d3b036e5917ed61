namespace KafkaCompat.Protocol;

/// <summary>A generated message: readable and writable at each of its versions.</summary>
public interface IKafkaMessage
{
    short LowestSupportedVersion { get; }
    short HighestSupportedVersion { get; }

    /// <summary>Replaces this message's contents with those read at <paramref name="version"/>.</summary>
    void Read(ref KafkaReader reader, short version);

    void Write(ref KafkaWriter writer, short version);

    /// <summary>Exactly the number of bytes <see cref="Write"/> produces at that version.</summary>
    int Size(short version);

    List<RawTaggedField>? UnknownTaggedFields { get; set; }
}

/// <summary>A request or response body of one API.</summary>
public interface IApiMessage : IKafkaMessage
{
    ApiKey ApiKey { get; }
}
