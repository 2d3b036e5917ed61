using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

public class ServedSecurityProtocolsTests
{
    private static BrokerConfig With(params (string Name, string Value)[] configs) =>
        BrokerConfig.Create(configs.ToDictionary(c => c.Name, c => c.Value));

    private static string Refusal(params (string Name, string Value)[] configs) =>
        Assert.Throws<ConfigException>(() => ServedSecurityProtocols.EnsureServed(With(configs)))!.Message;

    [Test]
    public void Plaintext_listeners_are_served()
    {
        Assert.DoesNotThrow(() => ServedSecurityProtocols.EnsureServed(BrokerConfig.Default));
        Assert.DoesNotThrow(() => ServedSecurityProtocols.EnsureServed(With(
            ("listeners", "INTERNAL://:9092,EXTERNAL://:19092"),
            ("listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT"),
            ("inter.broker.listener.name", "INTERNAL"))));
    }

    [TestCase("SSL://:9093", "SSL")]
    [TestCase("SASL_PLAINTEXT://:9093", "SASL_PLAINTEXT")]
    [TestCase("SASL_SSL://:9093", "SASL_SSL")]
    public void A_listener_of_another_protocol_is_refused_by_name(string listener, string protocol)
    {
        var message = Refusal(("listeners", $"PLAINTEXT://:9092,{listener}"));

        Assert.That(message, Does.StartWith("Security protocol not supported yet"));
        Assert.That(message, Does.Contain($"listener {listener} in listeners uses {protocol}"));
        Assert.That(message, Does.Not.Contain("PLAINTEXT://:9092"), "the served listener is not named");
    }

    [Test]
    public void A_named_listener_mapped_to_ssl_is_refused()
    {
        var message = Refusal(
            ("listeners", "INTERNAL://:9092,EXTERNAL://:19092"),
            ("listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:SSL"),
            ("inter.broker.listener.name", "INTERNAL"));

        Assert.That(message, Does.Contain("listener EXTERNAL://:19092 in listeners uses SSL"));
    }

    [Test]
    public void Every_refused_listener_is_named_in_the_one_message()
    {
        var message = Refusal(("listeners", "SSL://:9093,SASL_SSL://:9094"), ("inter.broker.listener.name", "SSL"));

        Assert.That(message, Does.Contain("SSL://:9093").And.Contain("SASL_SSL://:9094"));
    }

    [Test]
    public void An_inter_broker_protocol_that_is_not_served_is_refused_through_its_listener()
    {
        var message = Refusal(("listeners", "PLAINTEXT://:9092,SASL_SSL://:9094"), ("security.inter.broker.protocol", "SASL_SSL"));

        Assert.That(message, Does.Contain("listener SASL_SSL://:9094 in listeners uses SASL_SSL"));
    }

    [Test]
    public void A_controller_listener_mapped_to_ssl_is_refused_even_when_not_bound_here()
    {
        var message = Refusal(
            ("controller.listener.names", "CONTROLLER"),
            ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SSL"));

        Assert.That(message, Does.Contain("controller listener CONTROLLER (controller.listener.names) uses SSL"));
    }

    [Test]
    public void A_bound_controller_listener_is_named_once()
    {
        var message = Refusal(
            ("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"),
            ("controller.listener.names", "CONTROLLER"),
            ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"));

        Assert.That(message, Does.Contain("listener CONTROLLER://:9093 in listeners uses SASL_PLAINTEXT"));
        Assert.That(message, Does.Not.Contain("controller listener CONTROLLER ("));
    }
}
