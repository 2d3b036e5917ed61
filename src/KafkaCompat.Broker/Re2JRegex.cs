using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KafkaCompat.Broker;

/// <summary>
/// A regular expression with Kafka's semantics, for the patterns clients send it: KIP-848's subscribed
/// topic regex and ListTransactions' transactional id pattern (KIP-1152). Kafka compiles them with
/// RE2/J and matches whole names (<c>Pattern.matcher(name).matches()</c>). Here it runs on
/// .NET's linear-time engine (<see cref="RegexOptions.NonBacktracking"/>, RE2's guarantee); what RE2
/// syntax has and .NET spells otherwise is translated (<c>\Q..\E</c>, <c>\pL</c>, <c>[[:alpha:]]</c>,
/// <c>(?P&lt;name&gt;</c>, the ungreedy flag <c>U</c>), and what RE2/J refuses (backreferences,
/// lookaround, atomic groups, conditionals, comments, <c>\Z</c>, <c>\G</c>, flags other than
/// <c>imsU</c>, repetition counts above 1000) is refused here too, so a client gets
/// INVALID_REGULAR_EXPRESSION for exactly the patterns Kafka refuses. Topic names are ASCII
/// (letters, digits, '.', '_', '-'), so RE2's ASCII-only <c>\d \w \s \b</c> and .NET's Unicode ones
/// decide alike for them; on a transactional id with non-ASCII digits or letters they may differ.
/// </summary>
public sealed class Re2JRegex
{
    /// <summary>RE2's limit on a repetition count.</summary>
    private const int MaxRepeat = 1000;

    private static readonly Dictionary<string, string> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = "0-9A-Za-z", ["alpha"] = "A-Za-z", ["ascii"] = @"\x00-\x7F", ["blank"] = @"\t ",
        ["cntrl"] = @"\x00-\x1F\x7F", ["digit"] = "0-9", ["graph"] = @"!-~", ["lower"] = "a-z",
        ["print"] = @" -~", ["punct"] = @"!-/:-@\[-`{-~", ["space"] = @"\t\n\v\f\r ", ["upper"] = "A-Z",
        ["word"] = "0-9A-Za-z_", ["xdigit"] = "0-9A-Fa-f",
    };

    private readonly Regex _regex;

    private Re2JRegex(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public string Pattern { get; }

    /// <summary>Whether the whole name matches.</summary>
    public bool Matches(string name) => _regex.IsMatch(name);

    /// <summary>The compiled pattern, or null with why RE2/J would refuse it.</summary>
    public static Re2JRegex? TryCompile(string pattern, out string? error)
    {
        try
        {
            var translated = Translate(pattern);
            // The pattern is checked alone first: anchored inside a group, an unbalanced ')' in it
            // (as in "a)(b") could close that group and turn a malformed pattern into a valid one.
            _ = new Regex(translated, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            var regex = new Regex($@"\A(?:{translated})\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            error = null;
            return new Re2JRegex(pattern, regex);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or FormatException)
        {
            error = e is RegexParseException parse ? parse.Error.ToString() : e.Message;
            return null;
        }
    }

    /// <summary>RE2 syntax into .NET's, refusing what RE2 refuses (as a <see cref="FormatException"/>).</summary>
    private static string Translate(string pattern)
    {
        var result = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length)
                {
                    throw new FormatException("trailing backslash at end of expression");
                }
                var next = pattern[++i];
                switch (next)
                {
                    case 'Q':
                        var end = pattern.IndexOf(@"\E", i + 1, StringComparison.Ordinal);
                        var literal = end < 0 ? pattern[(i + 1)..] : pattern[(i + 1)..end];
                        result.Append(Regex.Escape(literal));
                        i = end < 0 ? pattern.Length : end + 1;
                        break;
                    case 'E':
                        // RE2 ignores a \E without its \Q.
                        break;
                    case 'x' when i + 1 < pattern.Length && pattern[i + 1] == '{':
                        var brace = pattern.IndexOf('}', i);
                        if (brace < 0 || !int.TryParse(pattern.AsSpan(i + 2, brace - i - 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) || code > 0xFFFF)
                        {
                            throw new FormatException($"invalid escape sequence: {pattern[(i - 1)..Math.Min(pattern.Length, brace + 1)]}");
                        }
                        result.Append(CultureInfo.InvariantCulture, $"\\u{code:X4}");
                        i = brace;
                        break;
                    case 'p' or 'P' when i + 1 < pattern.Length && pattern[i + 1] != '{':
                        result.Append('\\').Append(next).Append('{').Append(pattern[++i]).Append('}');
                        break;
                    case >= '1' and <= '9':
                    case 'Z' or 'G' or 'k' or 'c' or 'e' or 'o' or 'u' or 'R' or 'X':
                        throw new FormatException($"invalid escape sequence: \\{next}");
                    default:
                        result.Append('\\').Append(next);
                        break;
                }
                continue;
            }
            if (inClass)
            {
                if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
                {
                    var close = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                    if (close > 0)
                    {
                        var name = pattern[(i + 2)..close];
                        var negated = name.StartsWith('^');
                        if (negated || !PosixClasses.TryGetValue(name, out var ranges))
                        {
                            throw new FormatException($"invalid character class range: [:{name}:]");
                        }
                        result.Append(ranges);
                        i = close + 1;
                        continue;
                    }
                }
                if (c == ']')
                {
                    inClass = false;
                }
                result.Append(c);
                continue;
            }
            switch (c)
            {
                case '[':
                    inClass = true;
                    result.Append(c);
                    // A ']' first in a class (after an optional '^') is a literal one, in RE2 as in .NET.
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        result.Append(pattern[++i]);
                    }
                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        result.Append(pattern[++i]);
                    }
                    break;
                case '(' when i + 1 < pattern.Length && pattern[i + 1] == '?':
                    i = Group(pattern, i, result);
                    break;
                case '{':
                    CheckRepeat(pattern, i);
                    result.Append(c);
                    break;
                default:
                    result.Append(c);
                    break;
            }
        }
        return result.ToString();
    }

    /// <summary>A "(?" construct: named groups and flags as RE2 has them; anything else RE2 refuses. Returns the index of its last character read.</summary>
    private static int Group(string pattern, int open, StringBuilder result)
    {
        var i = open + 2;
        if (i < pattern.Length && pattern[i] == 'P' && i + 1 < pattern.Length && pattern[i + 1] == '<')
        {
            result.Append("(?<");
            return i + 1;
        }
        if (i < pattern.Length && pattern[i] == '<' && i + 1 < pattern.Length && char.IsAsciiLetter(pattern[i + 1]))
        {
            result.Append("(?<");
            return i;
        }
        // Flags: (?flags) or (?flags:re), with an optional '-' before the flags to clear.
        var flags = new StringBuilder();
        while (i < pattern.Length && pattern[i] is not (')' or ':'))
        {
            var f = pattern[i];
            if (f is not ('i' or 'm' or 's' or 'U' or '-'))
            {
                throw new FormatException($"invalid or unsupported Perl syntax: {pattern[open..Math.Min(pattern.Length, i + 1)]}");
            }
            // Greediness does not change whether a whole name matches: .NET has no U, and needs none.
            if (f != 'U')
            {
                flags.Append(f);
            }
            i++;
        }
        if (i >= pattern.Length || i == open + 2 && pattern[i] == ')')
        {
            throw new FormatException($"missing argument to repetition operator or unsupported Perl syntax: {pattern[open..]}");
        }
        var text = flags.ToString().TrimEnd('-');
        result.Append(text.Length == 0 && pattern[i] == ':' ? "(?:" : text.Length == 0 ? "(?:)" : $"(?{text}{pattern[i]}");
        return i;
    }

    /// <summary>RE2 refuses a repetition count above 1000 ("{1001}", "{2,5000}"); a '{' that starts no count is a literal.</summary>
    private static void CheckRepeat(string pattern, int open)
    {
        var close = pattern.IndexOf('}', open);
        if (close < 0)
        {
            return;
        }
        var body = pattern[(open + 1)..close];
        foreach (var part in body.Split(','))
        {
            if (part.Length > 0 && part.All(char.IsAsciiDigit)
                && (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxRepeat))
            {
                throw new FormatException($"invalid repeat count: {{{body}}}");
            }
        }
    }
}
