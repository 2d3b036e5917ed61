using System.Globalization;

namespace KafkaCompat.ProtocolGen.Spec;

/// <summary>
/// A version range as written in Kafka specs: "3+", "0-7", "5" or "none".
/// An empty range (Lowest &gt; Highest) stands for "none".
/// </summary>
public readonly record struct Versions(short Lowest, short Highest)
{
    public static readonly Versions None = new(1, 0);
    public static readonly Versions All = new(0, short.MaxValue);

    public bool IsEmpty => Lowest > Highest;
    public bool IsOpenEnded => !IsEmpty && Highest == short.MaxValue;

    public bool Contains(int version) => version >= Lowest && version <= Highest;

    public bool ContainsAll(Versions other) => other.IsEmpty || (!IsEmpty && other.Lowest >= Lowest && other.Highest <= Highest);

    public Versions Intersect(Versions other)
    {
        if (IsEmpty || other.IsEmpty)
        {
            return None;
        }
        var lo = Math.Max(Lowest, other.Lowest);
        var hi = Math.Min(Highest, other.Highest);
        return lo > hi ? None : new Versions(lo, hi);
    }

    public static Versions Parse(string? text, Versions? whenMissing = null)
    {
        if (text is null)
        {
            return whenMissing ?? throw new FormatException("missing version range");
        }
        text = text.Trim();
        if (text == "none")
        {
            return None;
        }
        if (text.EndsWith('+'))
        {
            return new Versions(ParseShort(text[..^1]), short.MaxValue);
        }
        var dash = text.IndexOf('-');
        if (dash > 0)
        {
            return new Versions(ParseShort(text[..dash]), ParseShort(text[(dash + 1)..]));
        }
        var single = ParseShort(text);
        return new Versions(single, single);
    }

    private static short ParseShort(string s) =>
        short.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"bad version number '{s}'");

    public override string ToString() =>
        IsEmpty ? "none"
        : IsOpenEnded ? $"{Lowest}+"
        : Lowest == Highest ? Lowest.ToString(CultureInfo.InvariantCulture)
        : $"{Lowest}-{Highest}";
}
