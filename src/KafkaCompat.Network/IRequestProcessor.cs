namespace KafkaCompat.Network;

/// <summary>
/// What the network layer hands complete request frames to. A processor may
/// complete requests out of order; the connection still sends responses in
/// request order.
/// </summary>
public interface IRequestProcessor
{
    /// <summary>
    /// Handles one request frame (the bytes after the size prefix; the buffer
    /// stays valid until the returned task completes). Returns the response
    /// frame to send, or null when the request gets no response (produce with acks=0).
    /// Throwing <see cref="CloseConnectionException"/> closes the connection.
    /// </summary>
    ValueTask<ResponseFrame?> ProcessAsync(RequestFrame request, CancellationToken cancellationToken);
}

/// <summary>A request frame and the session of the connection it arrived on.</summary>
public sealed record RequestFrame(ReadOnlyMemory<byte> Bytes, ConnectionSession Connection);

/// <summary>The request cannot be answered at all (undecodable header, unknown API): Kafka closes the connection.</summary>
public sealed class CloseConnectionException(string reason) : Exception(reason);
