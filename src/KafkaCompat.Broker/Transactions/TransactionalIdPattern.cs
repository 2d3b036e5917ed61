namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// ListTransactions v2's TransactionalIdPattern (KIP-1152): a regular expression the whole
/// transactional id must match, as Kafka's coordinator matches it with RE2/J (<see cref="Re2JRegex"/>,
/// which also serves KIP-848's topic regexes). Kafka answers a pattern RE2/J refuses, like any
/// malformed one, with INVALID_REGULAR_EXPRESSION.
/// </summary>
public sealed class TransactionalIdPattern
{
    private readonly Re2JRegex _wholeId;

    private TransactionalIdPattern(Re2JRegex wholeId) => _wholeId = wholeId;

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
        if (Re2JRegex.TryCompile(pattern, out _) is not { } regex)
        {
            return false;
        }
        compiled = new TransactionalIdPattern(regex);
        return true;
    }

    /// <summary>Whether the whole id matches (RE2/J's <c>matches()</c>, not a search for a substring).</summary>
    public bool Matches(string transactionalId) => _wholeId.Matches(transactionalId);
}
