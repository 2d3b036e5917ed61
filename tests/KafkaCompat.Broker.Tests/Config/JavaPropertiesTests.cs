using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

public class JavaPropertiesTests
{
    [TestCase("a=b", "a", "b")]
    [TestCase("a:b", "a", "b")]
    [TestCase("a b", "a", "b")]
    [TestCase("   a  =   b", "a", "b")]
    [TestCase("a\t:\tb", "a", "b")]
    [TestCase("a = b  ", "a", "b  ")]
    [TestCase("a==b", "a", "=b")]
    [TestCase("a", "a", "")]
    [TestCase("a=", "a", "")]
    [TestCase(@"a\=b=c", "a=b", "c")]
    [TestCase(@"a\ b c", "a b", "c")]
    [TestCase(@"a=\u0041\t\x", "a", "A\tx")]
    [TestCase(@"a=C:\\data", "a", @"C:\data")]
    public void Parses_one_line(string text, string key, string value) =>
        Assert.That(JavaProperties.Parse(text), Is.EqualTo(new Dictionary<string, string> { [key] = value }));

    [Test]
    public void Skips_comments_and_blank_lines()
    {
        var parsed = JavaProperties.Parse("# comment\n! another\n\n   \n  # indented comment\nnum.partitions=3\n");

        Assert.That(parsed, Is.EqualTo(new Dictionary<string, string> { ["num.partitions"] = "3" }));
    }

    [Test]
    public void Backslash_at_end_of_line_continues_it_and_drops_leading_whitespace()
    {
        var parsed = JavaProperties.Parse("listeners=PLAINTEXT://:9092,\\\n    SSL://:9093\nnext=1\r\n");

        Assert.That(parsed["listeners"], Is.EqualTo("PLAINTEXT://:9092,SSL://:9093"));
        Assert.That(parsed["next"], Is.EqualTo("1"));
    }

    [Test]
    public void Escaped_backslash_at_end_does_not_continue()
    {
        var parsed = JavaProperties.Parse("a=x\\\\\nb=y");

        Assert.That(parsed["a"], Is.EqualTo("x\\"));
        Assert.That(parsed["b"], Is.EqualTo("y"));
    }

    [Test]
    public void Backslash_at_end_of_a_comment_does_not_continue()
    {
        var parsed = JavaProperties.Parse("# comment \\\na=1");

        Assert.That(parsed, Is.EqualTo(new Dictionary<string, string> { ["a"] = "1" }));
    }

    [Test]
    public void Later_key_wins() =>
        Assert.That(JavaProperties.Parse("a=1\na=2")["a"], Is.EqualTo("2"));

    [Test]
    public void Malformed_unicode_escape_fails() =>
        Assert.That(() => JavaProperties.Parse(@"a=\u12"), Throws.TypeOf<ConfigException>());

    [Test]
    public void Missing_file_fails_with_its_name() =>
        Assert.That(() => JavaProperties.LoadFile("/nonexistent/server.properties"),
            Throws.TypeOf<ConfigException>().With.Message.Contains("/nonexistent/server.properties"));
}
