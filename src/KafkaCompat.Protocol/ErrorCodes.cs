using System.Text;

namespace KafkaCompat.Protocol;

public static class ErrorCodes
{
    /// <summary>The name Kafka uses for the code (UNKNOWN_TOPIC_OR_PARTITION), for logs and messages.</summary>
    public static string KafkaName(this ErrorCode code)
    {
        var pascal = code.ToString();
        var sb = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
            {
                sb.Append('_');
            }
            sb.Append(char.ToUpperInvariant(pascal[i]));
        }
        return sb.ToString();
    }
}
