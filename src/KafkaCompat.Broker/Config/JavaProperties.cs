using System.Globalization;
using System.Text;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Reads the .properties format as java.util.Properties.load does, since server.properties files are
/// written for it: '#' and '!' comment lines, key and value separated by '=', ':' or whitespace,
/// a backslash at the end of a line continuing it (the next line's leading whitespace dropped),
/// and escapes (\t \n \r \f \uXXXX, and '\' before any other character standing for that character).
/// Values keep trailing whitespace, as in Java; Kafka trims when it parses the value.
/// </summary>
public static class JavaProperties
{
    /// <summary>Reads a file as Kafka does: Properties.load(InputStream), so ISO-8859-1.</summary>
    /// <exception cref="ConfigException">The file cannot be read or has a malformed \u escape.</exception>
    public static IReadOnlyDictionary<string, string> LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.Latin1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"Cannot read the properties file {path}: {e.Message}");
        }
        return Parse(text);
    }

    /// <exception cref="ConfigException">A \u escape is malformed.</exception>
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in LogicalLines(text))
        {
            var (key, value) = Split(line);
            result[Unescape(key)] = Unescape(value);
        }
        return result;
    }

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\f';

    /// <summary>Natural lines joined into logical lines, with blank and comment lines dropped.</summary>
    private static IEnumerable<string> LogicalLines(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', '\r');
        var current = new StringBuilder();
        var continuing = false;
        foreach (var natural in lines)
        {
            var start = 0;
            while (start < natural.Length && IsWhitespace(natural[start]))
            {
                start++;
            }
            var line = natural[start..];
            if (!continuing && (line.Length == 0 || line[0] is '#' or '!'))
            {
                continue;
            }
            // An odd number of trailing backslashes continues the line; an even number is escaped backslashes.
            var backslashes = 0;
            while (backslashes < line.Length && line[line.Length - 1 - backslashes] == '\\')
            {
                backslashes++;
            }
            continuing = backslashes % 2 == 1;
            current.Append(continuing ? line[..^1] : line);
            if (!continuing)
            {
                yield return current.ToString();
                current.Clear();
            }
        }
        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }

    /// <summary>The key ends at the first unescaped '=', ':' or whitespace; one separator and the whitespace around it go.</summary>
    private static (string Key, string Value) Split(string line)
    {
        var keyEnd = 0;
        while (keyEnd < line.Length)
        {
            var c = line[keyEnd];
            if (c == '\\')
            {
                keyEnd += 2;
                continue;
            }
            if (c is '=' or ':' || IsWhitespace(c))
            {
                break;
            }
            keyEnd++;
        }
        keyEnd = Math.Min(keyEnd, line.Length);
        var valueStart = keyEnd;
        while (valueStart < line.Length && IsWhitespace(line[valueStart]))
        {
            valueStart++;
        }
        if (valueStart < line.Length && line[valueStart] is '=' or ':')
        {
            valueStart++;
            while (valueStart < line.Length && IsWhitespace(line[valueStart]))
            {
                valueStart++;
            }
        }
        return (line[..keyEnd], line[valueStart..]);
    }

    private static string Unescape(string raw)
    {
        if (!raw.Contains('\\'))
        {
            return raw;
        }
        var sb = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c != '\\' || i + 1 >= raw.Length)
            {
                sb.Append(c);
                continue;
            }
            c = raw[++i];
            switch (c)
            {
                case 't': sb.Append('\t'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 'f': sb.Append('\f'); break;
                case 'u':
                    if (raw.Length - i - 1 < 4
                        || !ushort.TryParse(raw.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new ConfigException("Malformed \\uxxxx encoding.");
                    }
                    sb.Append((char)code);
                    i += 4;
                    break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
