using System.Text;

namespace KafkaCompat.ProtocolGen.CodeGen;

/// <summary>A string builder that tracks indentation for emitted C#.</summary>
public sealed class CodeWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public CodeWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _sb.Append(' ', _indent * 4);
        }
        _sb.Append(text).Append('\n');
        return this;
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    public override string ToString() => _sb.ToString();
}
