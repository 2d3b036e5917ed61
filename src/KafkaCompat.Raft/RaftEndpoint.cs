namespace KafkaCompat.Raft;

/// <summary>A replica's address on the controller listener (a voter's <c>id@host:port</c> in <c>controller.quorum.voters</c>).</summary>
public sealed record RaftEndpoint(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
