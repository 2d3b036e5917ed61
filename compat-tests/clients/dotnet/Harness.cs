// The C# side of the compatibility suite (the twin of clients/python/harness.py): the scenario
// list, the record recipe, the comparison of what came back with what was sent, and the result
// format. Program.cs supplies a table from each case kind of ../../scenarios.json to a function.
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ConfluentCompat;

/// <summary>The client itself lacks the feature the case needs.</summary>
public sealed class UnsupportedException(string reason) : Exception(reason);

/// <summary>What came back differs from what was expected; the message says how.</summary>
public sealed class MismatchException(string message) : Exception(message);

/// <summary>One record as sent or read back; null key/value are Kafka's null.</summary>
public sealed record TestRecord(int Partition, byte[]? Key, byte[]? Value, IReadOnlyList<(string Name, byte[]? Value)> Headers, long Timestamp);

/// <summary>One entry of scenarios.json "cases".</summary>
public sealed class TestCase(JsonObject json)
{
    public string Id => (string)json["id"]!;
    public string Kind => (string)json["kind"]!;
    public string? BrokerUnsupported => (string?)json["brokerUnsupported"];
    public string ExpectedError => (string?)json["expectedError"] ?? "";
    public int Int(string name) => (int)json[name]!;
    public string? Text(string name) => (string?)json[name];
    public bool Flag(string name) => (bool?)json[name] ?? false;
}

/// <summary>What run.sh passes in the environment.</summary>
public sealed class Context
{
    public string Client { get; } = Environment.GetEnvironmentVariable("COMPAT_CLIENT")!;
    public string Bootstrap { get; } = Environment.GetEnvironmentVariable("COMPAT_BOOTSTRAP")!;
    public string StrictBootstrap { get; } = Environment.GetEnvironmentVariable("COMPAT_STRICT_BOOTSTRAP")!;
    public string RunId { get; } = Environment.GetEnvironmentVariable("COMPAT_RUN_ID") ?? Environment.ProcessId.ToString();
    public TimeSpan CaseTimeout { get; } = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("COMPAT_CASE_TIMEOUT_S"), out var s) ? s : 60);

    /// <summary>A topic name unique to this client, case and run.</summary>
    public string Topic(TestCase testCase) => $"compat.{Regex.Replace(Client, "[^A-Za-z0-9._-]", "_")}.{testCase.Id}.{RunId}";
}

public static class Harness
{
    public static void Expect<T>(string what, T expected, T got)
    {
        var (e, g) = (Show(expected), Show(got));
        if (e != g)
        {
            throw new MismatchException($"{what}: expected {e}, got {g}");
        }
    }

    public static string ExpectError(TestCase testCase, Exception? error, params string[] accepted)
    {
        if (error is null)
        {
            throw new MismatchException($"expected {testCase.ExpectedError}, got success");
        }
        var text = $"{error.GetType().Name}: {error.Message}";
        return accepted.Any(a => text.Contains(a, StringComparison.Ordinal))
            ? $"{testCase.ExpectedError} as expected ({text})"
            : throw new MismatchException($"expected {testCase.ExpectedError}, got {text}");
    }

    public static string Show<T>(T value) => value is System.Collections.IEnumerable list and not string
        ? "[" + string.Join(", ", list.Cast<object>()) + "]"
        : $"{value}";

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>The records of a produce/consume case in send order (scenarios.json "recipe").</summary>
    public static List<TestRecord> Recipe(TestCase testCase, string client)
    {
        var count = testCase.Int("count");
        var @base = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 3_600_000) / 1000 * 1000;
        var records = new List<TestRecord>();
        for (var i = 0; i < count; i++)
        {
            var headers = new List<(string, byte[]?)> { ("idx", Bytes($"{i}")), ("client", Bytes(client)) };
            if (i % 10 == 0)
            {
                headers.Add(("dup", Bytes("a")));
                headers.Add(("dup", Bytes("b")));
            }
            records.Add(new TestRecord(-1, Bytes($"key-{i % 100}"), Bytes($"value-{i}"), headers, @base + i));
        }
        records.Add(new TestRecord(-1, null, Bytes("null-key"), [("idx", Bytes("null-key"))], @base + count));
        records.Add(new TestRecord(-1, Bytes("null-value"), null, [("idx", Bytes("null-value"))], @base + count + 1));
        return records;
    }

    private static string ShowBytes(byte[]? b) => b is null ? "null" : JsonSerializer.Serialize(Encoding.UTF8.GetString(b));

    private static string Identity(TestRecord r) => ShowBytes(r.Key) + "|" + ShowBytes(r.Value);

    private static string ShowHeaders(IReadOnlyList<(string Name, byte[]? Value)> headers) =>
        "[" + string.Join(" ", headers.Select(h => $"{h.Name}={ShowBytes(h.Value)}")) + "]";

    /// <summary>Each record sent comes back exactly once with the same headers and timestamp, in send order within its partition.</summary>
    public static string CheckRecords(IReadOnlyList<TestRecord> sent, IReadOnlyList<TestRecord> got)
    {
        var index = sent.Select((r, n) => (Identity(r), n)).ToDictionary(x => x.Item1, x => x.n);
        var problems = new List<string>();
        var seen = new Dictionary<int, int>();
        var last = new SortedDictionary<int, int>();
        foreach (var r in got)
        {
            if (!index.TryGetValue(Identity(r), out var n))
            {
                problems.Add($"unexpected record key={ShowBytes(r.Key)} value={ShowBytes(r.Value)} in partition {r.Partition}");
                continue;
            }
            if (!seen.TryAdd(n, r.Partition))
            {
                problems.Add($"record #{n} came back twice (partitions {seen[n]} and {r.Partition})");
                continue;
            }
            var e = sent[n];
            if (ShowHeaders(e.Headers) != ShowHeaders(r.Headers))
            {
                problems.Add($"record #{n} headers: expected {ShowHeaders(e.Headers)}, got {ShowHeaders(r.Headers)}");
            }
            if (e.Timestamp != r.Timestamp)
            {
                problems.Add($"record #{n} timestamp: expected {e.Timestamp}, got {r.Timestamp}");
            }
            if (last.TryGetValue(r.Partition, out var previous) && previous > n)
            {
                problems.Add($"partition {r.Partition}: record #{n} came after #{previous} (send order broken)");
            }
            last[r.Partition] = n;
        }
        var missing = Enumerable.Range(0, sent.Count).Where(n => !seen.ContainsKey(n)).Take(5).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"expected {sent.Count} records, got {seen.Count}: missing #[{string.Join(", ", missing)}]");
        }
        if (problems.Count > 0)
        {
            throw new MismatchException($"{problems.Count} differences: {string.Join("; ", problems.Take(4))}");
        }
        var perPartition = string.Join(", ", last.Keys.Select(p => $"{p}: {seen.Values.Count(q => q == p)}"));
        return $"{sent.Count} records exact (per partition {{{perPartition}}})";
    }

    /// <summary>Scenario 7: the first session consumed (and committed) exactly commitFirst records, the second
    /// one, in the same group, exactly the rest; together they are the records sent.</summary>
    public static string CheckGroup(TestCase testCase, IReadOnlyList<TestRecord> sent, IReadOnlyList<TestRecord> first, IReadOnlyList<TestRecord> second)
    {
        var k = testCase.Int("commitFirst");
        Expect("records consumed and committed by the first consumer", k, first.Count);
        if (second.Count != sent.Count - k)
        {
            var ids = first.Select(Identity).ToHashSet();
            throw new MismatchException($"records read by the second consumer of the group: expected {sent.Count - k} (from the committed offsets on), " +
                $"got {second.Count} ({second.Count(r => ids.Contains(Identity(r)))} of them already consumed and committed by the first)");
        }
        return CheckRecords(sent, [.. first, .. second]) + $"; first consumer committed {k}, the second resumed there";
    }

    /// <summary>Scenario 10: the recipe cut into thirds, sent as a committed, an aborted and a committed transaction.</summary>
    public static (List<TestRecord> First, List<TestRecord> Aborted, List<TestRecord> Last) TransactionThirds(List<TestRecord> sent)
    {
        var third = sent.Count / 3;
        return (sent[..third], sent[third..(2 * third)], sent[(2 * third)..]);
    }

    /// <summary>Scenario 11: each record as the transform writes it (value "out-" + value; key, headers and timestamp kept).</summary>
    public static List<TestRecord> Transformed(IEnumerable<TestRecord> sent) =>
        sent.Select(r => r with { Value = Encoding.UTF8.GetBytes("out-" + (r.Value is null ? "" : Encoding.UTF8.GetString(r.Value))) }).ToList();

    public static async Task WaitUntil(string what, Func<bool> condition, int timeoutMs = 15000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMs)
            {
                throw new MismatchException($"{what}: not true after {timeoutMs / 1000} s");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Runs every case with this client's drivers and appends one result line per case to COMPAT_RESULTS.</summary>
    public static async Task Run(string version, IReadOnlyDictionary<string, Func<Context, TestCase, Task<string>>> drivers)
    {
        var ctx = new Context();
        var scenarios = JsonNode.Parse(await File.ReadAllTextAsync(Environment.GetEnvironmentVariable("COMPAT_SCENARIOS")!))!;
        foreach (var node in scenarios["cases"]!.AsArray())
        {
            var testCase = new TestCase(node!.AsObject());
            var clock = Stopwatch.StartNew();
            string status, detail;
            if (testCase.BrokerUnsupported is { } reason)
            {
                (status, detail) = ("broker-unsupported", reason);
            }
            else if (!drivers.TryGetValue(testCase.Kind, out var driver))
            {
                (status, detail) = ("unsupported", $"no driver for {testCase.Kind}");
            }
            else
            {
                try
                {
                    (status, detail) = ("pass", await driver(ctx, testCase).WaitAsync(ctx.CaseTimeout));
                }
                catch (UnsupportedException e)
                {
                    (status, detail) = ("unsupported", e.Message);
                }
                catch (MismatchException e)
                {
                    (status, detail) = ("fail", e.Message);
                }
                catch (TimeoutException)
                {
                    (status, detail) = ("fail", $"no result within {ctx.CaseTimeout.TotalSeconds} s");
                }
                catch (Exception e)
                {
                    (status, detail) = ("fail", $"{e.GetType().Name}: {e.Message}");
                }
            }
            var row = new JsonObject
            {
                ["client"] = ctx.Client,
                ["clientVersion"] = version,
                ["scenario"] = testCase.Id,
                ["status"] = status,
                ["detail"] = detail,
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
            };
            await File.AppendAllTextAsync(Environment.GetEnvironmentVariable("COMPAT_RESULTS")!, row.ToJsonString() + "\n");
            Console.Error.WriteLine($"  {ctx.Client} {testCase.Id}: {status} {(status == "pass" ? "" : detail)}");
        }
    }
}
