using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>Kafka's rules for topic names.</summary>
public static class TopicNames
{
    public const int MaxLength = 249;
    public const string ConsumerOffsets = "__consumer_offsets";
    public const string TransactionState = "__transaction_state";
    public const string ShareGroupState = "__share_group_state";

    public static bool IsInternal(string name) => name is ConsumerOffsets or TransactionState or ShareGroupState;

    /// <summary>Null when the name is legal, otherwise Kafka's complaint about it.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "Topic name is illegal, it can't be empty";
        }
        if (name is "." or "..")
        {
            return "Topic name cannot be \".\" or \"..\"";
        }
        if (name.Length > MaxLength)
        {
            return $"Topic name is illegal, it can't be longer than {MaxLength} characters, topic name: {name}";
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
            }
        }
        return null;
    }

    /// <summary>'.' and '_' collide in metric names, so Kafka refuses a topic that differs from an existing one only by them.</summary>
    public static string Unify(string name) => name.Replace('.', '_');

    public static ErrorCode ErrorFor(string? name) => Validate(name) is null ? ErrorCode.None : ErrorCode.InvalidTopicException;
}
