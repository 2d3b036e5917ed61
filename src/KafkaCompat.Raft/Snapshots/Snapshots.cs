using System.Globalization;
using KafkaCompat.Storage;

namespace KafkaCompat.Raft;

/// <summary>
/// The names of KRaft snapshot files (KIP-630), which live in the metadata log's own directory:
/// <c>&lt;20-digit end offset&gt;-&lt;10-digit epoch&gt;.checkpoint</c> once complete; while being
/// written, <c>.checkpoint.part</c> (with a unique tag after the id, so two writers of one id never
/// share a file); renamed to <c>.checkpoint.deleted</c> before deletion, so that a crash between the
/// two steps leaves a name loading removes rather than a snapshot it would trust.
/// </summary>
public static class Snapshots
{
    public const string Suffix = ".checkpoint";
    public const string PartialSuffix = ".checkpoint.part";
    public const string DeletedSuffix = ".checkpoint.deleted";

    private const int OffsetWidth = 20;
    private const int EpochWidth = 10;
    private const int IdWidth = OffsetWidth + 1 + EpochWidth;

    public static string FileName(OffsetAndEpoch snapshotId) => IdName(snapshotId) + Suffix;

    public static string PathFor(string directory, OffsetAndEpoch snapshotId) => Path.Combine(directory, FileName(snapshotId));

    public static string DeletedPathFor(string directory, OffsetAndEpoch snapshotId) => Path.Combine(directory, IdName(snapshotId) + DeletedSuffix);

    /// <summary>A fresh name for a snapshot being written (Kafka names it as a temporary file with the id as prefix).</summary>
    public static string NewPartialPath(string directory, OffsetAndEpoch snapshotId) =>
        Path.Combine(directory, $"{IdName(snapshotId)}-{Guid.NewGuid():N}{PartialSuffix}");

    /// <summary>
    /// The snapshot a file's name gives, complete, partial or deleted; false for any other file.
    /// A partial name may carry a tag between the id and its suffix.
    /// </summary>
    public static bool TryParse(string path, out SnapshotPath snapshot)
    {
        snapshot = default;
        var name = Path.GetFileName(path);
        var partial = name.EndsWith(PartialSuffix, StringComparison.Ordinal);
        var deleted = name.EndsWith(DeletedSuffix, StringComparison.Ordinal);
        var suffix = partial ? PartialSuffix : deleted ? DeletedSuffix : Suffix;
        if (!name.EndsWith(suffix, StringComparison.Ordinal) || name.Length < IdWidth + suffix.Length || name[OffsetWidth] != '-')
        {
            return false;
        }
        if (name.Length != IdWidth + suffix.Length && !(partial && name[IdWidth] == '-'))
        {
            return false;
        }
        if (!long.TryParse(name.AsSpan(0, OffsetWidth), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !int.TryParse(name.AsSpan(OffsetWidth + 1, EpochWidth), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            return false;
        }
        snapshot = new SnapshotPath(path, new OffsetAndEpoch(offset, epoch), partial, deleted);
        return true;
    }

    /// <summary>Renames a complete snapshot to its deleted name: from then on no reader finds it, and a crash leaves a file loading removes.</summary>
    public static string MarkForDelete(IFileSystem fileSystem, string directory, OffsetAndEpoch snapshotId)
    {
        var deleted = DeletedPathFor(directory, snapshotId);
        fileSystem.Rename(PathFor(directory, snapshotId), deleted);
        return deleted;
    }

    /// <summary>Deletes a snapshot's file under its complete or its deleted name; false when neither exists.</summary>
    public static bool DeleteIfExists(IFileSystem fileSystem, string directory, OffsetAndEpoch snapshotId)
    {
        var found = false;
        foreach (var path in (string[])[PathFor(directory, snapshotId), DeletedPathFor(directory, snapshotId)])
        {
            if (fileSystem.FileExists(path))
            {
                fileSystem.DeleteFile(path);
                found = true;
            }
        }
        return found;
    }

    private static string IdName(OffsetAndEpoch snapshotId) =>
        snapshotId.Offset.ToString("D" + OffsetWidth, CultureInfo.InvariantCulture) + "-" + snapshotId.Epoch.ToString("D" + EpochWidth, CultureInfo.InvariantCulture);
}
