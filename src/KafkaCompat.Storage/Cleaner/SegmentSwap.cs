namespace KafkaCompat.Storage;

/// <summary>
/// How cleaned segments replace old ones on disk so that a crash at any point leaves a log that
/// loading completes or rolls back, as Kafka does it: the cleaner writes and fsyncs
/// <c>&lt;base&gt;.log.cleaned</c> (with its indexes), renames it to <c>.swap</c> (the commit point:
/// from then on recovery finishes the swap), renames the old segments' files to <c>.deleted</c>,
/// renames the <c>.swap</c> files to their final names, and deletes the <c>.deleted</c> files.
/// </summary>
internal static class SegmentSwap
{
    public const string CleanedSuffix = ".cleaned";
    public const string SwapSuffix = ".swap";
    public const string DeletedSuffix = ".deleted";

    // The log file goes last: its name is what loading goes by, so it must move after its indexes.
    private static readonly string[] _extensions = LogSegment.Extensions;

    /// <summary>
    /// Puts the cleaned segment at <paramref name="baseOffset"/> in place of <paramref name="replaced"/>
    /// and opens it; the old files are left as <c>.deleted</c> for <see cref="DeleteReplaced"/>.
    /// Runs under the log's locks (<see cref="PartitionLog.ReplaceSegments"/>).
    /// </summary>
    public static LogSegment SwapIn(IFileSystem fileSystem, string directory, long baseOffset, IReadOnlyList<LogSegment> replaced, LogConfig config, long nowMs)
    {
        RenameSegmentFiles(fileSystem, directory, baseOffset, CleanedSuffix, SwapSuffix);
        foreach (LogSegment old in replaced)
        {
            RenameSegmentFiles(fileSystem, directory, old.BaseOffset, "", DeletedSuffix);
        }

        RenameSegmentFiles(fileSystem, directory, baseOffset, SwapSuffix, "");
        return LogSegment.Open(fileSystem, directory, baseOffset, config, nowMs, recover: false, out _);
    }

    /// <summary>Closes the replaced segments and deletes their <c>.deleted</c> files (after the swap, outside the locks).</summary>
    public static void DeleteReplaced(IFileSystem fileSystem, string directory, IReadOnlyList<LogSegment> replaced)
    {
        foreach (LogSegment old in replaced)
        {
            old.Dispose();
            DeleteSegmentFiles(fileSystem, directory, old.BaseOffset, DeletedSuffix);
        }
    }

    /// <summary>Removes the files of an abandoned clean.</summary>
    public static void DeleteCleaned(IFileSystem fileSystem, string directory, long baseOffset) =>
        DeleteSegmentFiles(fileSystem, directory, baseOffset, CleanedSuffix);

    /// <summary>
    /// Run when a partition directory is loaded, before its segments are listed: drops what an
    /// unfinished clean left before its commit point (<c>.cleaned</c>) and what a finished swap left
    /// behind (<c>.deleted</c>), and completes a swap that was committed (<c>.log.swap</c>): the old
    /// segments it covers go and it takes its final name. Its indexes are dropped so that loading
    /// rebuilds them from the log, whatever step the crash interrupted; returns the base offsets of
    /// the segments so completed, whose <c>.txnindex</c> loading must rebuild too.
    /// </summary>
    public static List<long> Recover(IFileSystem fileSystem, string directory)
    {
        var swaps = new List<long>();
        foreach (string path in fileSystem.ListFiles(directory))
        {
            string name = Path.GetFileName(path);
            if (name.EndsWith(CleanedSuffix, StringComparison.Ordinal) || name.EndsWith(DeletedSuffix, StringComparison.Ordinal))
            {
                fileSystem.DeleteFile(path);
            }
            else if (name.EndsWith(SwapSuffix, StringComparison.Ordinal))
            {
                string stem = name[..^SwapSuffix.Length];
                if (LogSegment.TryParseBaseOffset(stem, LogSegment.LogExtension, out long baseOffset))
                {
                    swaps.Add(baseOffset);
                }
                else
                {
                    // An index whose log had not been renamed yet (or is gone): rebuilt from the log.
                    fileSystem.DeleteFile(path);
                }
            }
        }

        foreach (long baseOffset in swaps)
        {
            string swapLog = LogSegment.PathFor(directory, baseOffset, LogSegment.LogExtension) + SwapSuffix;
            long nextOffset = NextOffsetOf(fileSystem, swapLog, baseOffset);
            foreach (string path in fileSystem.ListFiles(directory))
            {
                string name = Path.GetFileName(path);
                // The old segments the swap replaces: its own base offset, and every one it covers.
                if (LogSegment.TryParseBaseOffset(name, LogSegment.LogExtension, out long old) && old >= baseOffset && (old == baseOffset || old < nextOffset))
                {
                    DeleteSegmentFiles(fileSystem, directory, old, "");
                }
            }

            DeleteSegmentFiles(fileSystem, directory, baseOffset, "");
            fileSystem.Rename(swapLog, LogSegment.PathFor(directory, baseOffset, LogSegment.LogExtension));
        }

        return swaps;
    }

    private static long NextOffsetOf(IFileSystem fileSystem, string path, long baseOffset)
    {
        long nextOffset = baseOffset;
        using ILogFile file = fileSystem.Open(path, create: false);
        using var scanner = new BatchScanner(file, 0, file.Length, 64 * 1024);
        while (scanner.MoveNext() == ScanStatus.Batch)
        {
            nextOffset = scanner.Header.NextOffset;
        }

        return nextOffset;
    }

    private static void RenameSegmentFiles(IFileSystem fileSystem, string directory, long baseOffset, string fromSuffix, string toSuffix)
    {
        foreach (string extension in _extensions)
        {
            string path = LogSegment.PathFor(directory, baseOffset, extension);
            if (fileSystem.FileExists(path + fromSuffix))
            {
                fileSystem.Rename(path + fromSuffix, path + toSuffix);
            }
        }
    }

    private static void DeleteSegmentFiles(IFileSystem fileSystem, string directory, long baseOffset, string suffix)
    {
        foreach (string extension in _extensions)
        {
            string path = LogSegment.PathFor(directory, baseOffset, extension) + suffix;
            if (fileSystem.FileExists(path))
            {
                fileSystem.DeleteFile(path);
            }
        }
    }
}
