namespace KafkaCompat.Broker.Tests;

/// <summary>
/// Subscribed topic regular expressions with RE2/J's syntax and Java's whole-name matching: what RE2
/// spells differently from .NET is understood, and a pattern matches a topic only as a whole.
/// </summary>
public class Re2JRegexTests
{
    private static bool Matches(string pattern, string topic)
    {
        var regex = Re2JRegex.TryCompile(pattern, out var error);
        Assert.That(regex, Is.Not.Null, error);
        return regex!.Matches(topic);
    }

    [TestCase("orders", "orders", true)]
    [TestCase("orders", "orders-eu", false)]
    [TestCase("^orders.*", "orders-eu", true)]
    [TestCase("orders.*$", "pre-orders", false)]
    [TestCase("eu|us", "eu", true)]
    [TestCase("eu|us", "eu-us", false)]
    [TestCase(@"\Qorders.eu\E", "orders.eu", true)]
    [TestCase(@"\Qorders.eu\E", "ordersXeu", false)]
    [TestCase(@"\Qa+b", "a+b", true)]
    [TestCase("[[:alpha:]]+-[[:digit:]]+", "orders-42", true)]
    [TestCase("[[:alpha:]]+", "orders-42", false)]
    [TestCase("[^[:digit:]]+", "orders", true)]
    [TestCase(@"\pL+", "orders", true)]
    [TestCase(@"\PL+", "42", true)]
    [TestCase("(?P<name>orders)-.*", "orders-eu", true)]
    [TestCase("(?U)orders.*", "orders-eu", true)]
    [TestCase("(?i)ORDERS", "orders", true)]
    [TestCase("(?i:OR)ders", "orders", true)]
    [TestCase(@"orders\x{2D}eu", "orders-eu", true)]
    [TestCase("o{2,1000}", "oo", true)]
    [TestCase("o{", "o{", true)]
    [TestCase("[]a]+", "a]a", true)]
    public void AWholeTopicNameMatchesAsWithRE2J(string pattern, string topic, bool matches) =>
        Assert.That(Matches(pattern, topic), Is.EqualTo(matches));

    [TestCase("(a)\\1")]
    [TestCase("(?=a)")]
    [TestCase("(?!a)")]
    [TestCase("(?<=a)b")]
    [TestCase("(?>a)")]
    [TestCase("(?(a)b|c)")]
    [TestCase("(?#comment)a")]
    [TestCase("a\\Z")]
    [TestCase("\\Ga")]
    [TestCase("a{1001}")]
    [TestCase("a{2,1001}")]
    [TestCase("(?n)a")]
    [TestCase("[[:nope:]]")]
    [TestCase("a**")]
    [TestCase("a\\")]
    [TestCase("(a")]
    [TestCase("a)(b")]
    public void WhatRE2JRefusesIsRefused(string pattern)
    {
        Assert.That(Re2JRegex.TryCompile(pattern, out var error), Is.Null);
        Assert.That(error, Is.Not.Empty);
    }
}
