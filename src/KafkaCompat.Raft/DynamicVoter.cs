using System.Globalization;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// One initial voter of a dynamic quorum (KIP-853), as <c>kafka-storage format --initial-controllers</c>
/// names it: <c>id@host:port:directoryId</c>, an IPv6 host in brackets. The directory id is the one
/// the voter's metadata log directory is formatted with, so the voter set names replicas, not just nodes.
/// </summary>
public sealed record DynamicVoter(int NodeId, string Host, int Port, Uuid DirectoryId)
{
    /// <summary>The kraft.version range a voter supports: 0 (static quorum) to 1 (dynamic quorum).</summary>
    public const short MinSupportedKRaftVersion = 0;
    public const short MaxSupportedKRaftVersion = 1;

    /// <exception cref="ArgumentException">The text is not of that form (the message is Kafka's).</exception>
    public static DynamicVoter Parse(string input)
    {
        var rest = input.Trim();
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            throw new ArgumentException("No @ found in dynamic voter string.");
        }
        if (at == 0)
        {
            throw new ArgumentException("Invalid @ at beginning of dynamic voter string.");
        }
        if (!int.TryParse(rest.AsSpan(0, at), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var nodeId))
        {
            throw new ArgumentException("Failed to parse node id in dynamic voter string.");
        }
        if (nodeId < 0)
        {
            throw new ArgumentException($"Invalid negative node id {nodeId} in dynamic voter string.");
        }
        rest = rest[(at + 1)..];
        if (rest.Length == 0)
        {
            throw new ArgumentException("No hostname found after node id.");
        }
        string host;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException("Hostname began with left bracket, but no right bracket was found.");
            }
            host = rest[1..close];
            rest = rest[(close + 1)..];
        }
        else
        {
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new ArgumentException("No colon following hostname could be found.");
            }
            host = rest[..colon];
            rest = rest[colon..];
        }
        if (!rest.StartsWith(':'))
        {
            throw new ArgumentException("Port section must start with a colon.");
        }
        rest = rest[1..];
        var portEnd = rest.IndexOf(':', StringComparison.Ordinal);
        if (portEnd < 0)
        {
            throw new ArgumentException("No colon following port could be found.");
        }
        if (!int.TryParse(rest.AsSpan(0, portEnd), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port))
        {
            throw new ArgumentException("Failed to parse port in dynamic voter string.");
        }
        if (port is < 0 or > 65535)
        {
            throw new ArgumentException($"Invalid port {port} in dynamic voter string.");
        }
        Uuid directoryId;
        try
        {
            directoryId = Uuid.Parse(rest[(portEnd + 1)..]);
        }
        catch (FormatException)
        {
            throw new ArgumentException("Failed to parse directory ID in dynamic voter string.");
        }
        return new DynamicVoter(nodeId, host, port, directoryId);
    }

    /// <summary>This voter as a KRaftVoters record's entry, its address named by the controller listener.</summary>
    public VotersRecord.Voter ToVotersRecordVoter(string controllerListenerName) => new()
    {
        VoterId = NodeId,
        VoterDirectoryId = DirectoryId,
        Endpoints = [new VotersRecord.Endpoint { Name = controllerListenerName, Host = Host, Port = (ushort)Port }],
        KRaftVersionFeature = new VotersRecord.KRaftVersionFeature { MinSupportedVersion = MinSupportedKRaftVersion, MaxSupportedVersion = MaxSupportedKRaftVersion },
    };

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal)
        ? $"{NodeId}@[{Host}]:{Port}:{DirectoryId}"
        : $"{NodeId}@{Host}:{Port}:{DirectoryId}";
}
