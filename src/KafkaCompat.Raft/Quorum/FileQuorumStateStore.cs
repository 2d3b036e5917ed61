using System.Text.Json;
using KafkaCompat.Protocol;

namespace KafkaCompat.Raft;

/// <summary>
/// The <c>quorum-state</c> file beside the metadata log, in the JSON Kafka writes (QuorumStateData
/// plus a <c>data_version</c> member), so that a Kafka node and this one can read each other's
/// files. data_version 0 (kraft.version 0) also carries the static voter ids and two members Kafka
/// keeps for compatibility (an empty clusterId, appliedOffset 0); data_version 1 (kraft.version 1)
/// carries the directory id of the replica voted for instead. One line, written to a temporary
/// file, fsync'd, then renamed over the old one, so a crash leaves either the old or the new state.
/// </summary>
public sealed class FileQuorumStateStore(string path, IEnumerable<int> voterIds) : IQuorumStateStore
{
    public const string DefaultFileName = "quorum-state";

    private const string DataVersion = "data_version";
    private const int NotVoted = -1;
    private const int UnknownLeader = -1;

    private readonly int[] _voterIds = [.. voterIds.Order()];

    public string Path { get; } = path;

    /// <exception cref="InvalidDataException">The file is not a quorum state Kafka or this broker could have written.</exception>
    public ElectionState? ReadElectionState()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        var line = File.ReadLines(Path).FirstOrDefault() ?? throw new InvalidDataException($"The quorum state file {Path} is empty.");
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"The quorum state in {Path} is not a JSON object.");
            }
            if (!root.TryGetProperty(DataVersion, out var versionElement))
            {
                throw new InvalidDataException($"The quorum state in {Path} has no {DataVersion}.");
            }
            var version = versionElement.GetInt16();
            if (version is < 0 or > 1)
            {
                throw new InvalidDataException($"The quorum state in {Path} has {DataVersion} {version}; versions 0 to 1 are supported.");
            }
            var leaderId = Int32OrDefault(root, "leaderId", UnknownLeader);
            var epoch = Int32OrDefault(root, "leaderEpoch", -1);
            var votedId = Int32OrDefault(root, "votedId", NotVoted);
            Uuid? votedDirectory = null;
            if (version >= 1 && root.TryGetProperty("votedDirectoryId", out var directory) && Uuid.Parse(directory.GetString()!) is var parsed && parsed != Uuid.Zero)
            {
                votedDirectory = parsed;
            }
            return new ElectionState(
                epoch,
                leaderId == UnknownLeader ? null : leaderId,
                votedId == NotVoted ? null : new ReplicaKey(votedId, votedDirectory));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"The quorum state file {Path} is not valid: {e.Message}", e);
        }
    }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kraftVersion"/> is not 0 or 1.</exception>
    public void WriteElectionState(ElectionState state, short kraftVersion)
    {
        if (kraftVersion is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(kraftVersion), kraftVersion, "kraft.version 0 and 1 have a quorum state format.");
        }
        var temp = Path + ".tmp";
        File.Delete(temp);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                using (var json = new Utf8JsonWriter(stream))
                {
                    Write(json, state, kraftVersion);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, Path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public void Clear()
    {
        File.Delete(Path);
        File.Delete(Path + ".tmp");
    }

    private void Write(Utf8JsonWriter json, ElectionState state, short version)
    {
        // Members in QuorumStateData's field order, as Kafka's JSON converter emits them.
        json.WriteStartObject();
        if (version == 0)
        {
            json.WriteString("clusterId", "");
        }
        json.WriteNumber("leaderId", state.LeaderId ?? UnknownLeader);
        json.WriteNumber("leaderEpoch", state.Epoch);
        json.WriteNumber("votedId", state.VotedKey?.Id ?? NotVoted);
        if (version == 0)
        {
            json.WriteNumber("appliedOffset", 0);
            json.WriteStartArray("currentVoters");
            foreach (var id in _voterIds)
            {
                json.WriteStartObject();
                json.WriteNumber("voterId", id);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        else
        {
            json.WriteString("votedDirectoryId", (state.VotedKey?.DirectoryId ?? Uuid.Zero).ToString());
        }
        json.WriteNumber(DataVersion, version);
        json.WriteEndObject();
    }

    private static int Int32OrDefault(JsonElement root, string name, int defaultValue) =>
        root.TryGetProperty(name, out var element) ? element.GetInt32() : defaultValue;
}
