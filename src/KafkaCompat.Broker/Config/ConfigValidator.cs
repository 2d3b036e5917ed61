using System.Globalization;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Checks a parsed config value the way Kafka's ConfigDef validators do, returning Kafka's reason
/// text ("Value must be at least 1") or null. A null value (an unset config whose default is null)
/// is always accepted, since Kafka only attaches validators to configs whose default passes them.
/// </summary>
public abstract class ConfigValidator
{
    /// <summary>The reason the value is invalid, or null when it is valid.</summary>
    public abstract string? Check(object value);

    public static ConfigValidator AtLeast(long min) => new Range(min, null);

    public static ConfigValidator Between(long min, long max) => new Range(min, max);

    public static ConfigValidator ValidString(params string[] valid) => new OneOf(valid, list: false);

    public static ConfigValidator ValidList(params string[] valid) => new OneOf(valid, list: true);

    public static ConfigValidator Custom(Func<object, string?> check) => new Lambda(check);

    private sealed class Range(long min, long? max) : ConfigValidator
    {
        public override string? Check(object value)
        {
            var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            if (number < min)
            {
                return $"Value must be at least {min}";
            }
            return max is { } upper && number > upper ? $"Value must be no more than {upper}" : null;
        }

        public override string ToString() => max is null ? $"[{min},...]" : $"[{min},...,{max}]";
    }

    private sealed class OneOf(string[] valid, bool list) : ConfigValidator
    {
        public override string? Check(object value)
        {
            IEnumerable<string> items = list ? (IReadOnlyList<string>)value : [(string)value];
            return items.All(valid.Contains) ? null : "String must be one of: " + string.Join(", ", valid);
        }

        public override string ToString() => "[" + string.Join(", ", valid) + "]";
    }

    private sealed class Lambda(Func<object, string?> check) : ConfigValidator
    {
        public override string? Check(object value) => check(value);
    }
}
