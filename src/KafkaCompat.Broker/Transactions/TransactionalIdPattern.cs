using System.Text.RegularExpressions;

namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// ListTransactions v2's TransactionalIdPattern (KIP-1152): a regular expression the whole
/// transactional id must match, as Kafka's coordinator matches it with RE2/J. RE2/J runs in linear
/// time and has no backtracking constructs, so the pattern is compiled with
/// <see cref="RegexOptions.NonBacktracking"/>, which is linear too and refuses what RE2/J refuses
/// (backreferences, lookahead and lookbehind, atomic groups, conditionals); Kafka answers such a
/// pattern, like any malformed one, with INVALID_REGULAR_EXPRESSION.
/// </summary>
public sealed class TransactionalIdPattern
{
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private readonly Regex _wholeId;

    private TransactionalIdPattern(Regex wholeId) => _wholeId = wholeId;

    /// <summary>
    /// Compiles <paramref name="pattern"/>; null or empty means no filter (<paramref name="compiled"/>
    /// null). False when the pattern is not a valid RE2/J expression.
    /// </summary>
    public static bool TryCompile(string? pattern, out TransactionalIdPattern? compiled)
    {
        compiled = null;
        if (string.IsNullOrEmpty(pattern))
        {
            return true;
        }
        try
        {
            // The pattern is checked alone first: anchored inside a group, an unbalanced ')' in it
            // could close that group and turn a malformed pattern into a valid one.
            _ = new Regex(pattern, Options);
            compiled = new TransactionalIdPattern(new Regex($@"\A(?:{pattern})\z", Options));
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Whether the whole id matches (RE2/J's <c>matches()</c>, not a search for a substring).</summary>
    public bool Matches(string transactionalId) => _wholeId.IsMatch(transactionalId);
}
