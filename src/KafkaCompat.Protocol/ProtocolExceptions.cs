namespace KafkaCompat.Protocol;

/// <summary>Base of every error the protocol layer raises about bytes or versions.</summary>
public class KafkaProtocolException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The bytes do not form a valid message: truncated, a bad length, an overflowing varint.</summary>
public sealed class MalformedMessageException(string message) : KafkaProtocolException(message);

/// <summary>A version outside a message's range, or a value the chosen version cannot carry (Kafka's UNSUPPORTED_VERSION).</summary>
public sealed class UnsupportedVersionException(string message) : KafkaProtocolException(message);

/// <summary>Factories for the errors generated code raises, so their wording lives in one place.</summary>
public static class ProtocolErrors
{
    public static void CheckVersion(string message, short version, short lowest, short highest)
    {
        if (version < lowest || version > highest)
        {
            throw new UnsupportedVersionException($"{message} does not have version {version} (supported: {lowest}-{highest})");
        }
    }

    public static UnsupportedVersionException NonDefaultField(string message, string field, short version) =>
        new($"{message}.{field} has a non-default value, which version {version} cannot carry");

    public static KafkaProtocolException NullField(string message, string field, short version) =>
        new UnsupportedVersionException($"{message}.{field} is null, which version {version} does not allow");

    /// <summary>A null on the wire where the version requires a value: the sender broke the format.</summary>
    public static KafkaProtocolException UnexpectedNull(string message, string field, short version) =>
        new MalformedMessageException($"{message}.{field} is null on the wire, which version {version} does not allow");

    public static UnsupportedVersionException TaggedFieldsNotSupported(string message, short version) =>
        new($"{message} has tagged fields, which version {version} (not flexible) cannot carry");
}
