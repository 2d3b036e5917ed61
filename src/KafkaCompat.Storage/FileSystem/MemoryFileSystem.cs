namespace KafkaCompat.Storage;

/// <summary>
/// An in-memory file system for tests and development that models what a crash keeps: each file
/// remembers the content it had at its last <see cref="ILogFile.Flush"/>, and <see cref="Crash()"/>
/// brings every file back to it (optionally keeping part of one file's unflushed tail, a torn write).
/// Directory operations (create, delete, rename) are taken as durable at once, as on a journaling
/// file system after the directory is synced. A crash invalidates every open handle.
/// </summary>
public sealed class MemoryFileSystem : IFileSystem
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Node> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private int _generation;
    private int _flushCount;

    public bool FileExists(string path)
    {
        lock (_lock)
        {
            return _files.ContainsKey(Normalize(path));
        }
    }

    public bool DirectoryExists(string path)
    {
        lock (_lock)
        {
            return _directories.Contains(Normalize(path));
        }
    }

    public void CreateDirectory(string path)
    {
        lock (_lock)
        {
            for (string? directory = Normalize(path); !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
            {
                _directories.Add(directory);
            }
        }
    }

    public void DeleteDirectory(string path)
    {
        string prefix = Normalize(path) + Path.DirectorySeparatorChar;
        lock (_lock)
        {
            _directories.RemoveWhere(d => d == Normalize(path) || d.StartsWith(prefix, StringComparison.Ordinal));
            foreach (string file in _files.Keys.Where(f => f.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                _files.Remove(file);
            }
        }
    }

    public IReadOnlyList<string> ListFiles(string directory)
    {
        string parent = Normalize(directory);
        lock (_lock)
        {
            return _files.Keys.Where(f => Path.GetDirectoryName(f) == parent).Order(StringComparer.Ordinal).ToList();
        }
    }

    public IReadOnlyList<string> ListDirectories(string directory)
    {
        string parent = Normalize(directory);
        lock (_lock)
        {
            return _directories.Where(d => Path.GetDirectoryName(d) == parent).Order(StringComparer.Ordinal).ToList();
        }
    }

    public ILogFile Open(string path, bool create)
    {
        string key = Normalize(path);
        lock (_lock)
        {
            if (!_files.TryGetValue(key, out Node? node))
            {
                if (!create)
                {
                    throw new FileNotFoundException($"No such file: {key}", key);
                }

                string? directory = Path.GetDirectoryName(key);
                if (!string.IsNullOrEmpty(directory) && !_directories.Contains(directory))
                {
                    throw new DirectoryNotFoundException($"No such directory: {directory}");
                }

                node = new Node();
                _files[key] = node;
            }

            return new MemoryLogFile(this, key, node, _generation);
        }
    }

    public void DeleteFile(string path)
    {
        lock (_lock)
        {
            _files.Remove(Normalize(path));
        }
    }

    public void Rename(string sourcePath, string destinationPath)
    {
        lock (_lock)
        {
            string source = Normalize(sourcePath);
            if (!_files.Remove(source, out Node? node))
            {
                throw new FileNotFoundException($"No such file: {source}", source);
            }

            _files[Normalize(destinationPath)] = node;
        }
    }

    /// <summary>How many fsyncs were made, for tests of the flush policy.</summary>
    public int FlushCount => Volatile.Read(ref _flushCount);

    /// <summary>Simulates a power loss: every file goes back to its content at its last flush.</summary>
    public void Crash() => Crash(null, 0);

    /// <summary>
    /// Simulates a power loss during a write to <paramref name="tornPath"/>: that file keeps its
    /// flushed content plus the first <paramref name="keptUnflushedBytes"/> bytes written after it;
    /// every other file goes back to its content at its last flush.
    /// </summary>
    public void Crash(string? tornPath, long keptUnflushedBytes)
    {
        lock (_lock)
        {
            string? torn = tornPath is null ? null : Normalize(tornPath);
            foreach ((string path, Node node) in _files)
            {
                long kept = path == torn ? Math.Min(node.Length, node.Durable.Length + keptUnflushedBytes) : node.Durable.Length;
                byte[] content = new byte[kept];
                node.Durable.AsSpan(0, (int)Math.Min(kept, node.Durable.Length)).CopyTo(content);
                if (kept > node.Durable.Length)
                {
                    node.Data.AsSpan(node.Durable.Length, (int)(kept - node.Durable.Length)).CopyTo(content.AsSpan(node.Durable.Length));
                }

                node.Data = content;
                node.Length = kept;
                node.Durable = content.ToArray();
            }

            _generation++;
        }
    }

    /// <summary>The current content of a file (flushed or not), for tests.</summary>
    public byte[] GetContent(string path)
    {
        lock (_lock)
        {
            Node node = _files[Normalize(path)];
            return node.Data.AsSpan(0, (int)node.Length).ToArray();
        }
    }

    /// <summary>Replaces a file's content, as durable, for tests (corruption, garbage index files).</summary>
    public void SetContent(string path, ReadOnlySpan<byte> content)
    {
        lock (_lock)
        {
            string key = Normalize(path);
            if (!_files.TryGetValue(key, out Node? node))
            {
                node = new Node();
                _files[key] = node;
            }

            node.Data = content.ToArray();
            node.Length = content.Length;
            node.Durable = content.ToArray();
        }
    }

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(path);

    private sealed class Node
    {
        public byte[] Data { get; set; } = [];

        public long Length { get; set; }

        public byte[] Durable { get; set; } = [];
    }

    private sealed class MemoryLogFile(MemoryFileSystem fileSystem, string path, Node node, int generation) : ILogFile
    {
        private bool _disposed;

        public string Path => path;

        public long Length
        {
            get
            {
                lock (fileSystem._lock)
                {
                    EnsureUsable();
                    return node.Length;
                }
            }
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            lock (fileSystem._lock)
            {
                EnsureUsable();
                long needed = node.Length + data.Length;
                if (needed > node.Data.Length)
                {
                    byte[] grown = new byte[Math.Max(needed, Math.Max(256, node.Data.Length * 2L))];
                    node.Data.AsSpan(0, (int)node.Length).CopyTo(grown);
                    node.Data = grown;
                }

                data.CopyTo(node.Data.AsSpan((int)node.Length));
                node.Length = needed;
            }
        }

        public int Read(long position, Span<byte> buffer)
        {
            lock (fileSystem._lock)
            {
                EnsureUsable();
                if (position >= node.Length)
                {
                    return 0;
                }

                int count = (int)Math.Min(buffer.Length, node.Length - position);
                node.Data.AsSpan((int)position, count).CopyTo(buffer);
                return count;
            }
        }

        public void Flush()
        {
            lock (fileSystem._lock)
            {
                EnsureUsable();
                node.Durable = node.Data.AsSpan(0, (int)node.Length).ToArray();
                fileSystem._flushCount++;
            }
        }

        public void Truncate(long length)
        {
            lock (fileSystem._lock)
            {
                EnsureUsable();
                if (length < node.Length)
                {
                    node.Length = length;
                    node.Data.AsSpan((int)length).Clear();
                }
            }
        }

        public void Dispose() => _disposed = true;

        private void EnsureUsable()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (generation != fileSystem._generation)
            {
                throw new IOException($"{path}: the file system crashed since this file was opened.");
            }
        }
    }
}
