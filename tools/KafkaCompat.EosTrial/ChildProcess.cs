using System.Diagnostics;

namespace KafkaCompat.EosTrial;

/// <summary>
/// A child process (<c>dotnet some.dll args</c>) whose output goes to a log file, which the trial
/// kills with SIGKILL and starts again with the same arguments.
/// </summary>
public sealed class ChildProcess(string name, string dll, IReadOnlyList<string> args, string logFile) : IDisposable
{
    private Process? _process;

    public int Starts { get; private set; }

    public bool HasExited => _process is null || _process.HasExited;

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public void Start()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // Kafka-style environment configs must not leak in from the machine running the trial.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("KAFKA_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Starts++;
        Append($"--- {name} started, pid {process.Id} ---");
    }

    /// <summary>SIGKILL (nothing flushed, no shutdown hook), then waits for the process to be gone.</summary>
    public void Kill()
    {
        if (_process is not { } process)
        {
            return;
        }
        _process = null;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
        }
        process.WaitForExit();
        Append($"--- {name} pid {process.Id} gone, exit code {process.ExitCode} ---");
        process.Dispose();
    }

    /// <summary>The last lines of the log, for a report of a failed trial.</summary>
    public string Tail(int lines = 40)
    {
        lock (this)
        {
            return File.Exists(logFile) ? string.Join(Environment.NewLine, File.ReadLines(logFile).TakeLast(lines)) : "";
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (this)
        {
            File.AppendAllText(logFile, line + Environment.NewLine);
        }
    }

    public void Dispose() => Kill();
}
