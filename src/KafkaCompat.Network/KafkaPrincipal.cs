namespace KafkaCompat.Network;

/// <summary>
/// Who a connection acts as, in Kafka's form <c>Type:Name</c> (what ACLs and quotas name). A PLAINTEXT
/// connection is <c>User:ANONYMOUS</c>; SSL and SASL will derive it from the certificate or the
/// authenticated user.
/// </summary>
public sealed record KafkaPrincipal(string PrincipalType, string Name)
{
    public const string UserType = "User";

    public static KafkaPrincipal Anonymous { get; } = new(UserType, "ANONYMOUS");

    public override string ToString() => $"{PrincipalType}:{Name}";
}
