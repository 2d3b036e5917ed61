using System.Globalization;
using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.ProtocolGen.CodeGen;

// Per-field expressions and statements: C# types, defaults, and the read,
// write and size code of each field kind.
public sealed partial class MessageGenerator
{
    private static string Prop(FieldSpec f) => MessageModel.PropertyName(f.Name);

    private static string PrimitiveType(FieldKind kind) => kind switch
    {
        FieldKind.Bool => "bool",
        FieldKind.Int8 => "sbyte",
        FieldKind.Int16 => "short",
        FieldKind.UInt16 => "ushort",
        FieldKind.Int32 => "int",
        FieldKind.UInt32 => "uint",
        FieldKind.Int64 => "long",
        FieldKind.Float64 => "double",
        FieldKind.Uuid => P + "Uuid",
        _ => throw new InvalidOperationException($"{kind} is not a fixed-size type"),
    };

    private static int FixedSize(FieldKind kind) => kind switch
    {
        FieldKind.Bool or FieldKind.Int8 => 1,
        FieldKind.Int16 or FieldKind.UInt16 => 2,
        FieldKind.Int32 or FieldKind.UInt32 => 4,
        FieldKind.Int64 or FieldKind.Float64 => 8,
        FieldKind.Uuid => 16,
        _ => 0,
    };

    private static bool IsFixed(FieldKind kind) => FixedSize(kind) > 0;

    private static string ReaderMethod(FieldKind kind) => kind switch
    {
        FieldKind.Bool => "ReadBool",
        FieldKind.Int8 => "ReadInt8",
        FieldKind.Int16 => "ReadInt16",
        FieldKind.UInt16 => "ReadUInt16",
        FieldKind.Int32 => "ReadInt32",
        FieldKind.UInt32 => "ReadUInt32",
        FieldKind.Int64 => "ReadInt64",
        FieldKind.Float64 => "ReadFloat64",
        FieldKind.Uuid => "ReadUuid",
        _ => throw new InvalidOperationException(kind.ToString()),
    };

    private static string WriterMethod(FieldKind kind) => "Write" + ReaderMethod(kind)[4..];

    private string ElementType(FieldType element) => element.Kind switch
    {
        FieldKind.String => "string",
        FieldKind.Bytes or FieldKind.Records => "global::System.ReadOnlyMemory<byte>",
        FieldKind.Struct => _model.StructOf(new FieldSpec { Name = "", Type = element, Versions = Versions.All }).QualifiedName,
        _ => PrimitiveType(element.Kind),
    };

    private string ListType(FieldSpec f)
    {
        var element = f.Type.Element!;
        if (element.IsStruct && _model.StructOf(f) is { CollectionName: { } collection })
        {
            return $"{_model.Root.QualifiedName}.{collection}";
        }
        return $"global::System.Collections.Generic.List<{ElementType(element)}>";
    }

    private string CsType(FieldSpec f)
    {
        var nullable = f.NullableVersions.IsEmpty ? "" : "?";
        return f.Type.Kind switch
        {
            FieldKind.String => "string" + nullable,
            FieldKind.Bytes or FieldKind.Records => "global::System.ReadOnlyMemory<byte>" + nullable,
            FieldKind.Struct => _model.StructOf(f).QualifiedName + nullable,
            FieldKind.Array => ListType(f) + nullable,
            _ => PrimitiveType(f.Type.Kind),
        };
    }

    private bool DefaultIsNull(FieldSpec f)
    {
        if (f.Default != "null")
        {
            return false;
        }
        if (f.NullableVersions.IsEmpty)
        {
            throw new FormatException($"{_spec.Name}.{f.Name}: default null on a field that is never nullable");
        }
        return true;
    }

    private string DefaultExpr(FieldSpec f)
    {
        switch (f.Type.Kind)
        {
            case FieldKind.Bool:
                return f.Default is null ? "false" : bool.Parse(f.Default) ? "true" : "false";
            case FieldKind.Float64:
                return f.Default is null ? "0d" : double.Parse(f.Default, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) + "d";
            case FieldKind.Uuid:
                return P + "Uuid.Zero";
            case FieldKind.String:
                return DefaultIsNull(f) ? "null" : Quote(f.Default ?? "");
            case FieldKind.Bytes or FieldKind.Records:
                return DefaultIsNull(f) ? "null" : "global::System.ReadOnlyMemory<byte>.Empty";
            case FieldKind.Struct:
                return DefaultIsNull(f) ? "null" : $"new {_model.StructOf(f).QualifiedName}()";
            case FieldKind.Array:
                return DefaultIsNull(f) ? "null" : $"new {ListType(f)}()";
            default:
                var type = PrimitiveType(f.Type.Kind);
                return Literal(ParseInteger(f), type);
        }
    }

    private long ParseInteger(FieldSpec f)
    {
        if (f.Default is null)
        {
            return 0;
        }
        var text = f.Default;
        var value = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var (min, max) = f.Type.Kind switch
        {
            FieldKind.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            FieldKind.Int16 => (short.MinValue, short.MaxValue),
            FieldKind.UInt16 => (ushort.MinValue, ushort.MaxValue),
            FieldKind.Int32 => (int.MinValue, int.MaxValue),
            FieldKind.UInt32 => (uint.MinValue, uint.MaxValue),
            _ => (long.MinValue, long.MaxValue),
        };
        return value < min || value > max
            ? throw new FormatException($"{_spec.Name}.{f.Name}: default {text} out of range for {f.Type}")
            : value;
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    /// <summary>True when the field holds something other than its default (used for tagged fields and absent-version checks).</summary>
    private string NonDefault(FieldSpec f)
    {
        var n = Prop(f);
        return f.Type.Kind switch
        {
            FieldKind.String => DefaultIsNull(f) ? $"{n} is not null" : $"!string.Equals({n}, {DefaultExpr(f)}, global::System.StringComparison.Ordinal)",
            FieldKind.Bytes or FieldKind.Records => DefaultIsNull(f) ? $"{n} is not null"
                : f.NullableVersions.IsEmpty ? $"!{n}.IsEmpty" : $"({n} is null || !{n}.Value.IsEmpty)",
            FieldKind.Struct => DefaultIsNull(f) ? $"{n} is not null" : $"!{DefaultExpr(f)}.Equals({n})",
            FieldKind.Array => DefaultIsNull(f) ? $"{n} is not null"
                : f.NullableVersions.IsEmpty ? $"{n}.Count != 0" : $"({n} is null || {n}.Count != 0)",
            FieldKind.Float64 => $"!{n}.Equals({DefaultExpr(f)})",
            _ => $"{n} != {DefaultExpr(f)}",
        };
    }

    private static string EqualsExpr(FieldSpec f, string a, string b) => f.Type.Kind switch
    {
        FieldKind.String => $"string.Equals({a}, {b}, global::System.StringComparison.Ordinal)",
        FieldKind.Bytes or FieldKind.Records => $"{P}KafkaEquality.BytesEqual({a}, {b})",
        FieldKind.Struct => $"Equals({a}, {b})",
        FieldKind.Array => $"{P}KafkaEquality.ListEqual({a}, {b})",
        FieldKind.Float64 => $"{a}.Equals({b})",
        _ => $"{a} == {b}",
    };

    private string NullFieldError(FieldSpec f) => $"{P}ProtocolErrors.NullField(\"{_spec.Name}\", \"{f.Name}\", version)";

    private void EmitReadValue(FieldSpec f, string compact)
    {
        var n = Prop(f);
        var nullable = NullableCond(f);
        switch (f.Type.Kind)
        {
            case FieldKind.String:
                _w.Line($"{n} = {ChooseNullable(nullable, $"reader.ReadNullableString({compact})", $"reader.ReadString({compact})")};");
                break;
            case FieldKind.Bytes or FieldKind.Records:
                var nonNull = f.NullableVersions.IsEmpty ? $"reader.ReadBytes({compact})" : $"(global::System.ReadOnlyMemory<byte>?)reader.ReadBytes({compact})";
                _w.Line($"{n} = {ChooseNullable(nullable, $"reader.ReadNullableBytes({compact})", nonNull)};");
                break;
            case FieldKind.Struct:
                var readNew = $"{_model.StructOf(f).QualifiedName}.ReadNew(ref reader, version)";
                _w.Line(nullable == "false" ? $"{n} = {readNew};" : $"{n} = ({nullable}) && reader.ReadInt8() < 0 ? null : {readNew};");
                break;
            case FieldKind.Array:
                _w.Open("");
                _w.Line($"int count = reader.ReadArrayLength({compact});");
                _w.Open("if (count < 0)");
                var unexpectedNull = $"{P}ProtocolErrors.UnexpectedNull(\"{_spec.Name}\", \"{f.Name}\", version)";
                _w.Line(nullable switch
                {
                    "false" => $"throw {unexpectedNull};",
                    "true" => $"{n} = null;",
                    _ => $"{n} = {nullable} ? null : throw {unexpectedNull};",
                });
                _w.Close();
                _w.Open("else");
                _w.Line($"var list = new {ListType(f)}(count);");
                _w.Line($"for (int i = 0; i < count; i++) list.Add({ReadElement(f.Type.Element!, compact)});");
                _w.Line($"{n} = list;");
                _w.Close();
                _w.Close();
                break;
            default:
                _w.Line($"{n} = reader.{ReaderMethod(f.Type.Kind)}();");
                break;
        }
    }

    private static string ChooseNullable(string nullable, string whenNullable, string otherwise) => nullable switch
    {
        "true" => whenNullable,
        "false" => otherwise,
        _ => $"{nullable} ? {whenNullable} : {otherwise}",
    };

    private string ReadElement(FieldType element, string compact) => element.Kind switch
    {
        FieldKind.String => $"reader.ReadString({compact})",
        FieldKind.Bytes or FieldKind.Records => $"reader.ReadBytes({compact})",
        FieldKind.Struct => $"{ElementType(element)}.ReadNew(ref reader, version)",
        _ => $"reader.{ReaderMethod(element.Kind)}()",
    };

    private void EmitWriteValue(FieldSpec f, string compact)
    {
        var n = Prop(f);
        var nullable = NullableCond(f);
        var typeNullable = !f.NullableVersions.IsEmpty;
        switch (f.Type.Kind)
        {
            case FieldKind.String:
                EmitNullableChoice(nullable,
                    $"writer.WriteNullableString({n}, {compact});",
                    $"writer.WriteString({n} ?? throw {NullFieldError(f)}, {compact});");
                break;
            case FieldKind.Bytes:
                EmitNullableChoice(nullable,
                    $"writer.WriteNullableBytes({n}, {compact});",
                    typeNullable
                        ? $"writer.WriteBytes(({n} ?? throw {NullFieldError(f)}).Span, {compact});"
                        : $"writer.WriteBytes({n}.Span, {compact});");
                break;
            case FieldKind.Records:
                // Record batches go through WriteRecords, which can splice them in without a copy.
                EmitNullableChoice(nullable,
                    $"writer.WriteNullableRecords({n}, {compact});",
                    typeNullable
                        ? $"writer.WriteRecords({n} ?? throw {NullFieldError(f)}, {compact});"
                        : $"writer.WriteRecords({n}, {compact});");
                break;
            case FieldKind.Struct:
                var notNull = typeNullable ? $"({n} ?? throw {NullFieldError(f)})" : n;
                if (nullable == "false")
                {
                    _w.Line($"{notNull}.Write(ref writer, version);");
                    break;
                }
                _w.Open($"if (({nullable}) && {n} is null)");
                _w.Line("writer.WriteInt8(-1);");
                _w.Close();
                _w.Open("else");
                _w.Line($"if ({nullable}) writer.WriteInt8(1);");
                _w.Line($"{notNull}.Write(ref writer, version);");
                _w.Close();
                break;
            case FieldKind.Array:
                _w.Open($"if ({n} is null)");
                EmitNullableChoice(nullable, $"writer.WriteArrayLength(-1, {compact});", $"throw {NullFieldError(f)};");
                _w.Close();
                _w.Open("else");
                _w.Line($"writer.WriteArrayLength({n}.Count, {compact});");
                _w.Line($"foreach (var element in {n}) {WriteElement(f.Type.Element!, compact)}");
                _w.Close();
                break;
            default:
                _w.Line($"writer.{WriterMethod(f.Type.Kind)}({n});");
                break;
        }
    }

    private void EmitNullableChoice(string nullable, string whenNullable, string otherwise)
    {
        switch (nullable)
        {
            case "true":
                _w.Line(whenNullable);
                break;
            case "false":
                _w.Line(otherwise);
                break;
            default:
                _w.Line($"if ({nullable}) {whenNullable}");
                _w.Line($"else {otherwise}");
                break;
        }
    }

    private static string WriteElement(FieldType element, string compact) => element.Kind switch
    {
        FieldKind.String => $"writer.WriteString(element, {compact});",
        FieldKind.Bytes or FieldKind.Records => $"writer.WriteBytes(element.Span, {compact});",
        FieldKind.Struct => "element.Write(ref writer, version);",
        _ => $"writer.{WriterMethod(element.Kind)}(element);",
    };

    private void EmitSizeValue(FieldSpec f, string compact, string target)
    {
        var n = Prop(f);
        var nullable = NullableCond(f);
        var typeNullable = !f.NullableVersions.IsEmpty;
        switch (f.Type.Kind)
        {
            case FieldKind.String:
                _w.Line($"{target} += {ChooseNullable(nullable, $"{P}KafkaSize.NullableString({n}, {compact})", $"{P}KafkaSize.String({n} ?? throw {NullFieldError(f)}, {compact})")};");
                break;
            case FieldKind.Bytes or FieldKind.Records:
                var length = typeNullable ? $"({n} ?? throw {NullFieldError(f)}).Length" : $"{n}.Length";
                _w.Line($"{target} += {ChooseNullable(nullable, $"{P}KafkaSize.NullableBytes({n}, {compact})", $"{P}KafkaSize.Bytes({length}, {compact})")};");
                break;
            case FieldKind.Struct:
                if (nullable == "false")
                {
                    _w.Line($"{target} += {(typeNullable ? $"({n} ?? throw {NullFieldError(f)})" : n)}.Size(version);");
                }
                else
                {
                    _w.Line($"if ({nullable}) {target} += 1;");
                    _w.Line($"if ({n} is not null) {target} += {n}.Size(version);");
                }
                break;
            case FieldKind.Array:
                _w.Open($"if ({n} is null)");
                EmitNullableChoice(nullable, $"{target} += {P}KafkaSize.ArrayLength(-1, {compact});", $"throw {NullFieldError(f)};");
                _w.Close();
                _w.Open("else");
                _w.Line($"{target} += {P}KafkaSize.ArrayLength({n}.Count, {compact});");
                var element = f.Type.Element!;
                if (IsFixed(element.Kind))
                {
                    _w.Line($"{target} += {n}.Count * {FixedSize(element.Kind)};");
                }
                else
                {
                    var elementSize = element.Kind switch
                    {
                        FieldKind.String => $"{P}KafkaSize.String(element, {compact})",
                        FieldKind.Bytes or FieldKind.Records => $"{P}KafkaSize.Bytes(element.Length, {compact})",
                        _ => "element.Size(version)",
                    };
                    _w.Line($"foreach (var element in {n}) {target} += {elementSize};");
                }
                _w.Close();
                break;
            default:
                _w.Line($"{target} += {FixedSize(f.Type.Kind)};");
                break;
        }
    }
}
