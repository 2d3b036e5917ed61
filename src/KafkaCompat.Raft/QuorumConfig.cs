using System.Globalization;

namespace KafkaCompat.Raft;

/// <summary>
/// The <c>controller.quorum.*</c> settings of a replica, with Kafka's defaults (KIP-595, KIP-853).
/// <see cref="Voters"/> is the static voter set of <c>controller.quorum.voters</c> (kraft.version 0);
/// <see cref="BootstrapServers"/> the <c>controller.quorum.bootstrap.servers</c> of a dynamic quorum
/// (kraft.version 1, whose voters are the KRaftVoters records of the log).
/// </summary>
public sealed record QuorumConfig
{
    public IReadOnlyDictionary<int, RaftEndpoint> Voters { get; init; } = new Dictionary<int, RaftEndpoint>();

    public IReadOnlyList<RaftEndpoint> BootstrapServers { get; init; } = [];

    /// <summary><c>controller.quorum.election.timeout.ms</c>: how long without a leader before a voter stands; randomized up to twice this.</summary>
    public int ElectionTimeoutMs { get; init; } = 1000;

    /// <summary><c>controller.quorum.fetch.timeout.ms</c>: how long a follower waits on a leader that does not answer before it stands (a voter) or looks for another (an observer).</summary>
    public int FetchTimeoutMs { get; init; } = 2000;

    /// <summary><c>controller.quorum.election.backoff.max.ms</c>: the upper bound of the exponential backoff before a lost election is retried.</summary>
    public int ElectionBackoffMaxMs { get; init; } = 1000;

    /// <summary><c>controller.quorum.append.linger.ms</c>: how long the leader waits to gather appends into one batch.</summary>
    public int AppendLingerMs { get; init; } = 25;

    /// <summary><c>controller.quorum.request.timeout.ms</c>.</summary>
    public int RequestTimeoutMs { get; init; } = 2000;

    /// <summary><c>controller.quorum.retry.backoff.ms</c>.</summary>
    public int RetryBackoffMs { get; init; } = 20;

    /// <summary><c>controller.quorum.auto.join.enable</c> (KIP-853): an observer with a controller role adds itself as a voter.</summary>
    public bool AutoJoin { get; init; }

    /// <summary>
    /// Parses <c>controller.quorum.voters</c>: comma-separated <c>id@host:port</c> entries (an IPv6
    /// host in brackets), as Kafka's QuorumConfig reads them.
    /// </summary>
    /// <exception cref="FormatException">An entry is not of that form, or an id appears twice.</exception>
    public static IReadOnlyDictionary<int, RaftEndpoint> ParseVoters(string value)
    {
        var voters = new Dictionary<int, RaftEndpoint>();
        foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = entry.IndexOf('@', StringComparison.Ordinal);
            if (at <= 0 || !int.TryParse(entry.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new FormatException($"Failed to parse a voter's id from '{entry}': expected id@host:port.");
            }
            if (!voters.TryAdd(id, ParseEndpoint(entry[(at + 1)..])))
            {
                throw new FormatException($"Voter {id} appears more than once in '{value}'.");
            }
        }
        return voters;
    }

    /// <summary>Parses <c>controller.quorum.bootstrap.servers</c>: comma-separated <c>host:port</c> entries.</summary>
    public static IReadOnlyList<RaftEndpoint> ParseBootstrapServers(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseEndpoint)];

    private static RaftEndpoint ParseEndpoint(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"Failed to parse host:port from '{hostPort}'.");
        }
        var host = hostPort[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return new RaftEndpoint(host, port);
    }
}
