namespace KafkaCompat.Server.Storage;

/// <summary>
/// A refusal of <c>kafkacompat storage</c> that is the user's to fix: the tool prints the message alone
/// and exits with 1, as Kafka's storage tool does with its TerseFailure and FormatterException.
/// </summary>
public sealed class StorageToolException(string message) : Exception(message);
