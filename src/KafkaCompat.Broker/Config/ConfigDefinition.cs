using System.Globalization;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// One config key as Kafka's ConfigDef defines it: type, default (as the string Kafka prints; null
/// when Kafka's default is null), update mode and validator.
/// </summary>
public sealed record ConfigDefinition(
    string Name,
    ConfigType Type,
    string? DefaultValue,
    ConfigUpdateMode UpdateMode = ConfigUpdateMode.ReadOnly,
    ConfigValidator? Validator = null)
{
    /// <summary>Passwords are never shown: DescribeConfigs returns null for them.</summary>
    public bool IsSensitive => Type == ConfigType.Password;

    public bool IsDynamic => UpdateMode != ConfigUpdateMode.ReadOnly;

    /// <summary>
    /// Why the broker accepts this config (Kafka's name, type and validation) but nothing changes
    /// when it is set; null when it is acted on. Setting one is named in a warning
    /// (<see cref="ConfigsNotActedOn"/>).
    /// </summary>
    public string? NotActedOnReason { get; init; }

    public ConfigDefinition NotActedOn(string reason) => this with { NotActedOnReason = reason };

    /// <summary>
    /// Parses and validates a raw value like ConfigDef.parseType + ensureValid: surrounding whitespace
    /// is trimmed, lists are split on commas. Returns null for a null raw value.
    /// </summary>
    /// <exception cref="ConfigException">The value is not of the type or fails the validator.</exception>
    public object? Parse(string? raw)
    {
        if (raw is null)
        {
            return null;
        }
        var value = ParseType(raw);
        var reason = Validator?.Check(value);
        if (reason is not null)
        {
            // Like ValidList, name the offending element rather than the whole list.
            var shown = value is IReadOnlyList<string> items ? items.FirstOrDefault(i => Validator!.Check(new[] { i }) is not null) ?? raw : raw;
            throw new ConfigException(Name, shown, reason);
        }
        return value;
    }

    /// <summary>The Kafka error text for a raw value, or null when it parses and validates.</summary>
    public string? Problem(string? raw)
    {
        try
        {
            Parse(raw);
            return null;
        }
        catch (ConfigException e)
        {
            return e.Message;
        }
    }

    private object ParseType(string raw)
    {
        var trimmed = raw.Trim();
        var ok = true;
        object? value = null;
        switch (Type)
        {
            case ConfigType.Boolean:
                ok = bool.TryParse(trimmed, out var b) && trimmed.Length is 4 or 5;
                value = b;
                break;
            case ConfigType.Int:
                ok = int.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i);
                value = i;
                break;
            case ConfigType.Short:
                ok = short.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s);
                value = s;
                break;
            case ConfigType.Long:
                ok = long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l);
                value = l;
                break;
            case ConfigType.Double:
                ok = double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var d);
                value = d;
                break;
            case ConfigType.List:
                value = ParseList(trimmed);
                break;
            default:
                value = trimmed;
                break;
        }
        if (!ok)
        {
            var reason = Type == ConfigType.Boolean
                ? "Expected value to be either true or false"
                : "Not a number of type " + Type.ToString().ToUpperInvariant();
            throw new ConfigException(Name, raw, reason);
        }
        return value!;
    }

    /// <summary>Kafka splits on commas with surrounding whitespace; an empty string is an empty list.</summary>
    public static IReadOnlyList<string> ParseList(string raw)
    {
        var trimmed = raw.Trim();
        return trimmed.Length == 0 ? [] : trimmed.Split(',').Select(item => item.Trim()).ToArray();
    }
}
