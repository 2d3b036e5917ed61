using System.Diagnostics;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>Runs another client's command line with a time limit; the process is killed (by PID) if it overruns.</summary>
internal static class ExternalCommand
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit code {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";
    }

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, string? standardInput = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            try
            {
                if (standardInput is not null)
                {
                    await process.StandardInput.WriteAsync(standardInput);
                }
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command exited without reading its input: its exit code and output say why.
            }
            using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout ?? TimeSpan.FromSeconds(60)}:{Environment.NewLine}{await stdout}{Environment.NewLine}{await stderr}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
