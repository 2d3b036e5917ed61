using System.Reflection;

namespace KafkaCompat.Protocol.Tests;

/// <summary>Generated classes follow C# naming whatever a spec's spelling (a few old specs write fields in camelCase).</summary>
public class GeneratedNamingTests
{
    [Test]
    public void EveryGeneratedPropertyIsPascalCase()
    {
        var generated = typeof(IKafkaMessage).Assembly.GetTypes()
            .Where(t => t.IsClass && t.IsPublic || t.IsNestedPublic)
            .Where(t => typeof(IKafkaMessage).IsAssignableFrom(t) || t.DeclaringType is { } d && typeof(IKafkaMessage).IsAssignableFrom(d));
        var camel = generated
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(p => $"{t.FullName}.{p.Name}"))
            .Where(name => char.IsLower(name[name.LastIndexOf('.') + 1]))
            .ToList();
        Assert.That(camel, Is.Empty);
    }

    [Test]
    public void AFieldSpelledInCamelCaseInItsSpecGetsAPascalCaseProperty()
    {
        // CreateTopicsRequest spells it validateOnly; GroupMetadataValue spells all of its fields in camelCase.
        Assert.That(typeof(Messages.CreateTopicsRequestData).GetProperty("ValidateOnly"), Is.Not.Null);
        Assert.That(typeof(Coordinator.GroupMetadataValue).GetProperty("ProtocolType"), Is.Not.Null);
    }
}
