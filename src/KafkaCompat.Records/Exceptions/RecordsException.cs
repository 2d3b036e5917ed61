namespace KafkaCompat.Records;

/// <summary>
/// Base of everything this library throws for bad record data, so the broker can turn any of them
/// into an error code for the request instead of failing the connection.
/// </summary>
public abstract class RecordsException : Exception
{
    protected RecordsException(string message)
        : base(message)
    {
    }

    protected RecordsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
