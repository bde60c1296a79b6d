using System;
using System.Collections.Generic;
using System.Text;

namespace Compiled.Generator.Tests.Robustness;

/// <summary>What a fuzzed declaration contains, printed with a failure (see <see cref="GeneratorFuzzTests"/>).</summary>
[Flags]
internal enum FuzzFeatures
{
    None = 0,
    /// <summary>A primary constructor on the network class, e.g. <c>partial class A(string tag)</c>.</summary>
    PrimaryConstructor = 1,
    /// <summary>A user or base-class member, nested type or class name that may clash with a generated member.</summary>
    MemberClash = 2,
    /// <summary>Characters deleted, inserted or the text cut short.</summary>
    SyntaxError = 4,
}

/// <summary>One fuzzed source file: the whole text and what it contains.</summary>
internal sealed record FuzzDeclaration(int Index, int Seed, string Source, FuzzFeatures Features);

/// <summary>
/// Random, mostly invalid network declarations for the generator fuzz test. Each declaration is one file in its own
/// namespace <c>Fz{index}</c> (so many share one compilation without meeting) and is made from its own seed, so a failure
/// is reproduced from (seed, index) alone. About a third are plausible networks (right arity, mostly sensible values)
/// with a few perturbations, so the emitters run too; the rest are random attribute lists with arguments of every type
/// (wrong types, negative, huge, strings, null, typeof, nested arrays), odd class shapes (records, structs, interfaces,
/// nested, generic, static and abstract classes, primary constructors, base classes, members with generated names) and
/// syntax errors in the same file.
/// </summary>
internal sealed class DeclarationFuzzer
{
    private static readonly string[] s_layerNames =
    {
        "Dense", "Conv2D", "MaxPool", "AvgPool", "Flatten", "ReLU", "LeakyReLU", "ELU", "Sigmoid", "Tanh",
    };

    private static readonly string[] s_lossNames = { "SoftmaxCrossEntropy", "SigmoidBinaryCrossEntropy", "MeanSquaredError", "MultiClassHinge" };

    private static readonly string[] s_otherAttributeNames =
    {
        "Network", "NetworkAttribute", "Input", "InputAttribute", "DenseAttribute", "global::Compiled.Dense", "Compiled.ReLU",
        "Layer", "LayerAttribute", "Loss", "LossAttribute", "Obsolete", "Serializable", "Foo", "System.Diagnostics.DebuggerDisplay",
        "Init", "Network.Dense", "Dense<int>",
    };

    private static readonly string[] s_namedArguments =
    {
        "Name", "Kernel", "Stride", "Padding", "Bias", "Init", "Training", "Margin", "Units", "Filters", "Window", "Slope",
        "Alpha", "Shape", "Nope", "name", "TypeId",
    };

    // Names the generator emits (members, constants, nested helpers) or that a user may plausibly pick.
    private static readonly string[] s_clashNames =
    {
        "Summary", "LastOutputs", "Threads", "Forward", "Predict", "TrainStep", "Parameters", "Gradients", "ParameterTable",
        "InputShape", "Loss", "Initialize", "ZeroGradients", "InputLength", "OutputLength", "ParameterCount", "ModelSummary",
        "Fc1OutputLength", "Relu1OutputLength", "Conv1OutputLength", "ChunkSamples", "_runner", "_lastOutputs", "RunForward",
        "RunBackward", "s_parameterTable", "ForwardChunk", "Dispose", "CreateInferenceSession",
    };

    private static readonly string[] s_classNames =
    {
        "A", "B", "Net", "Network", "Dense", "Summary", "LastOutputs", "Threads", "Forward", "@class", "_1", "Ünïcode",
        "VeryLongNameVeryLongNameVeryLongNameVeryLongNameVeryLongNameVeryLongNameVeryLongName", "INetwork", "Compiled", "Fz",
        "System", "Init", "Parameters", "ParameterInfo",
    };

    private readonly Random _random;
    private FuzzFeatures _features;
    private bool _namesANamespace;

    private DeclarationFuzzer(int seed) => _random = new Random(seed);

    /// <summary>The declaration for (<paramref name="seed"/>, <paramref name="index"/>).</summary>
    public static FuzzDeclaration Create(int seed, int index)
    {
        int own = unchecked(seed * 1_000_003 + index * 7919 + 17);
        var fuzzer = new DeclarationFuzzer(own);
        string source = fuzzer.File(index);
        return new FuzzDeclaration(index, seed, source, fuzzer._features);
    }

    private string File(int index)
    {
        var text = new StringBuilder();
        text.Append(Pick(Weighted(("using Compiled;\n", 20), ("", 1), ("using static Compiled.Init;\nusing Compiled;\n", 1),
            ("using Compiled;\nusing System;\n", 2), ("#nullable disable\nusing Compiled;\n", 1), ("using C = Compiled;\n", 1))));
        text.Append("namespace Fz").Append(index).Append(";\n");
        // The rest of the file may be corrupted; the using and namespace lines are kept so the file stays attributable.
        string body = Body();
        // A class named System or Compiled is kept free of syntax errors: the parser's recovery can move a type out of a
        // broken file-scoped namespace into the global one, where it makes `global::System` (or `global::Compiled`) name
        // the type in every file of the compilation (CS0437), the other fuzzed networks' generated code included.
        if (!_namesANamespace && Chance(0.12))
        {
            _features |= FuzzFeatures.SyntaxError;
            body = Corrupt(body);
        }
        text.Append(body);
        return text.ToString();
    }

    private string Body()
    {
        var text = new StringBuilder();
        string name = Chance(0.8) ? "A" : Pick(s_classNames);
        if (name is "Summary" or "LastOutputs" or "Threads" or "Forward" or "Parameters") _features |= FuzzFeatures.MemberClash;
        _namesANamespace = name is "System" or "Compiled";

        string? baseClass = null;
        if (Chance(0.1))
        {
            baseClass = "Base";
            text.Append("public class Base\n{\n");
            int members = _random.Next(0, 3);
            for (int i = 0; i < members; i++) text.Append("    ").Append(Member("Base")).Append('\n');
            if (members > 0) _features |= FuzzFeatures.MemberClash;
            text.Append("}\n");
        }

        string declaration = Class(name, baseClass);
        if (Chance(0.12))
        {
            string outer = Pick(Weighted(("public partial class Outer", 5), ("public static partial class Outer", 2), ("public partial struct Outer", 1),
                ("public partial class Outer<T>", 2), ("partial record Outer", 1), ("public class Outer", 1), ("public partial interface Outer", 1)));
            declaration = outer + "\n{\n" + declaration + "}\n";
            if (Chance(0.3)) declaration = "public partial class Outermost\n{\n" + declaration + "}\n";
        }
        text.Append(declaration);
        if (Chance(0.06))
        {
            // A second part of the same class, with or without its own attributes.
            text.Append(Chance(0.5) ? Attributes() : "").Append("public partial class ").Append(name).Append(Chance(0.5) ? ";\n" : " { }\n");
        }
        if (Chance(0.04)) text.Append(Class("Second", null));
        return text.ToString();
    }

    private string Class(string name, string? baseClass)
    {
        var text = new StringBuilder();
        if (Chance(0.5))
        {
            // A plausible network in a plain class (mostly), so that code is emitted and compiled.
            text.Append(PlausibleAttributes());
            if (Chance(0.85))
            {
                text.Append(Pick("public ", "internal ", "", "public sealed ")).Append("partial class ").Append(name);
                if (baseClass is not null) text.Append(" : ").Append(baseClass);
                text.Append(Chance(0.5) ? ";\n" : " { }\n");
                return text.ToString();
            }
        }
        else
        {
            text.Append(Attributes());
        }

        text.Append(Pick(Weighted(("public ", 10), ("internal ", 3), ("", 3), ("private ", 1), ("protected ", 1))));
        text.Append(Pick(Weighted(("", 20), ("sealed ", 3), ("abstract ", 2), ("static ", 2), ("unsafe ", 1), ("readonly ", 1), ("new ", 1))));
        if (Chance(0.95)) text.Append("partial ");
        text.Append(Pick(Weighted(("class ", 60), ("record ", 4), ("record class ", 3), ("record struct ", 3), ("struct ", 4), ("interface ", 3),
            ("enum ", 1), ("ref struct ", 1))));
        text.Append(name);
        if (Chance(0.1)) text.Append(Pick("<T>", "<T, U>", "<in T>", "<T> where T : struct", "<T> where T : new()"));
        if (Chance(0.06))
        {
            _features |= FuzzFeatures.PrimaryConstructor;
            text.Append(Pick("(string tag)", "(int threads)", "()", "(int size, float scale = 1f)", "(A other)"));
        }
        if (baseClass is not null) text.Append(" : ").Append(baseClass);
        else if (Chance(0.06)) text.Append(Pick(" : System.Exception", " : Compiled.INetwork", " : System.IDisposable", " : Compiled.ITrainableNetwork", " : A", " : Missing"));

        double body = _random.NextDouble();
        if (body < 0.45) text.Append(";\n");
        else if (body < 0.8) text.Append(" { }\n");
        else
        {
            text.Append("\n{\n");
            int members = _random.Next(1, 4);
            for (int i = 0; i < members; i++) text.Append("    ").Append(Member(name)).Append('\n');
            text.Append("}\n");
        }
        return text.ToString();
    }

    private string Member(string className)
    {
        string member = Pick(s_clashNames);
        _features |= FuzzFeatures.MemberClash;
        return Pick(
            $"public int {member};",
            $"public string {member} => \"\";",
            $"public class {member} {{ }}",
            $"public void {member}() {{ }}",
            $"public const int {member} = 3;",
            $"private static int {member}(int x) => x;",
            $"public event System.Action? {member};",
            $"public {className}() {{ }}",
            $"public {className}(int threads) {{ }}",
            "public static void Main() { }",
            "int x;",
            // required members: the copy an inference session makes (new X(threads)) would not set them
            $"public required int {member} {{ get; init; }}",
            "public required string Tag;",
            $"public float[] {member} {{ get; set; }} = new float[3];");
    }

    // ---------- attribute lists ----------

    /// <summary>[Network] [Input(...)] and layers with the right arity and mostly sensible values, then a few perturbations.</summary>
    private string PlausibleAttributes()
    {
        var lists = new List<string>();
        lists.Add(Chance(0.8) ? "[Network]" : Pick("[Network(Training = false)]", "[Network(Training = true)]", "[Network()]"));
        bool image = Chance(0.5);
        lists.Add(image
            ? $"[Input({Size()}, {Size()}, {Size()})]"
            : $"[Input({Size()})]");
        int layers = _random.Next(0, 7);
        var current = new List<string>();
        for (int i = 0; i < layers; i++)
        {
            current.Add(PlausibleLayer(image));
            if (Chance(0.4)) { lists.Add("[" + string.Join(", ", current) + "]"); current.Clear(); }
        }
        if (Chance(0.85)) current.Add(PlausibleLoss());
        if (current.Count > 0) lists.Add("[" + string.Join(", ", current) + "]");

        // Perturb: drop, duplicate or swap a list, or replace one argument with a random value.
        int perturbations = Chance(0.6) ? 0 : _random.Next(1, 3);
        for (int p = 0; p < perturbations && lists.Count > 0; p++)
        {
            int i = _random.Next(lists.Count);
            switch (_random.Next(4))
            {
                case 0: lists.RemoveAt(i); break;
                case 1: lists.Insert(i, lists[i]); break;
                case 2:
                    int j = _random.Next(lists.Count);
                    (lists[i], lists[j]) = (lists[j], lists[i]);
                    break;
                default: lists[i] = Attributes(); break;
            }
        }
        return string.Join(Chance(0.5) ? "\n" : " ", lists) + "\n";
    }

    private string PlausibleLayer(bool image)
    {
        string named = Chance(0.2) ? $"Name = {Pick("\"fc\"", "\"conv\"", "\"loss\"", "\"Loss\"", "\"x\"", "\"a.b\"", "\"\"", "\"class\"", "\"fc1\"", "\"relu1\"", "null", "\"Summary\"")}" : "";
        string With(string head, params string[] named2)
        {
            var args = new List<string>();
            if (head.Length > 0) args.Add(head);
            foreach (string n in named2) if (n.Length > 0) args.Add(n);
            if (named.Length > 0) args.Add(named);
            return args.Count == 0 ? "" : "(" + string.Join(", ", args) + ")";
        }

        switch (_random.Next(image ? 10 : 6))
        {
            case 0: return "Dense" + With(Size(), Chance(0.2) ? "Bias = false" : "", Chance(0.2) ? $"Init = Init.{Pick("HeNormal", "HeUniform", "XavierNormal", "XavierUniform", "PyTorchDefault", "Zeros", "Default")}" : "");
            case 1: return Pick("ReLU", "Tanh", "Sigmoid", "Flatten") + With("");
            case 2: return "LeakyReLU" + With(Chance(0.5) ? Pick("0.1f", "0.2f", "0f", "-1f", "1") : "");
            case 3: return "ELU" + With(Chance(0.5) ? Pick("0.5f", "1f", "2f", "1.0") : "");
            case 4: return "Flatten" + With("");
            case 5: return "Dense" + With(Size());
            case 6:
            case 7:
                return "Conv2D" + With(Chance(0.05) ? Pick("\"channels\"", "\"\"") : Size(), Chance(0.6) ? $"Kernel = {SizeOrPair()}" : "", Chance(0.3) ? $"Stride = {SizeOrPair()}" : "",
                    Chance(0.4) ? $"Padding = {Pick("0", "1", "2", "\"same\"", "\"valid\"", "\"SAME\"", "-1", "\"full\"", "3", "new[] { 0, 3 }", "new[] { 1 }", "new[] { -1, 2 }")}" : "",
                    Chance(0.2) ? $"Dilation = {SizeOrPair()}" : "", Chance(0.2) ? $"Groups = {Size()}" : "",
                    Chance(0.15) ? "Bias = false" : "");
            default:
                return Pick("MaxPool", "AvgPool") + With(Chance(0.2) ? Pair() : Size(), Chance(0.3) ? $"Stride = {SizeOrPair()}" : "",
                    Chance(0.3) ? $"Padding = {Pick("0", "1", "2", "-1", "new[] { 1, 1 }", "new[] { 1, 0 }", "\"p\"")}" : "",
                    Chance(0.2) ? "CeilMode = true" : "", Chance(0.1) ? "CountIncludePad = false" : "");
        }
    }

    private string PlausibleLoss()
    {
        string loss = Pick(s_lossNames);
        if (loss == "MultiClassHinge" && Chance(0.3)) return $"MultiClassHinge(Margin = {Pick("0.5f", "1f", "2", "0f", "-1f")})";
        if (Chance(0.05)) return loss + "(Name = \"head\")";
        return loss;
    }

    /// <summary>An int or an int-or-pair's array form: <c>new[] { 1, 7 }</c>, sometimes of the wrong length.</summary>
    private string SizeOrPair() => Chance(0.3) ? Pair() : Size();

    private string Pair() => Chance(0.9) ? $"new[] {{ {Size()}, {Size()} }}" : Pick("new[] { 1 }", "new int[0]", "new[] { 1, 2, 3 }");

    private string Size() => Pick(Weighted(("1", 6), ("2", 8), ("3", 8), ("4", 4), ("5", 5), ("7", 4), ("8", 3), ("17", 2), ("28", 2), ("31", 1),
        ("0", 1), ("-1", 1), ("64", 1), ("100", 1)));

    /// <summary>Random attribute lists: any names, arity, argument types and values.</summary>
    private string Attributes()
    {
        var text = new StringBuilder();
        int lists = _random.Next(0, 6);
        for (int l = 0; l < lists; l++)
        {
            text.Append('[');
            if (Chance(0.04)) text.Append(Pick("type: ", "return: ", "assembly: ", "field: "));
            int count = _random.Next(Chance(0.05) ? 0 : 1, 5);
            for (int a = 0; a < count; a++)
            {
                if (a > 0) text.Append(", ");
                text.Append(Attribute());
            }
            text.Append("]\n");
        }
        return text.ToString();
    }

    private string Attribute()
    {
        double which = _random.NextDouble();
        string name = which < 0.15 ? "Network" : which < 0.3 ? "Input" : which < 0.75 ? Pick(s_layerNames) : which < 0.9 ? Pick(s_lossNames) : Pick(s_otherAttributeNames);
        if (Chance(0.3)) return name;
        var args = new List<string>();
        int positional = _random.Next(0, 5);
        for (int i = 0; i < positional; i++) args.Add(Value());
        int named = Chance(0.5) ? _random.Next(0, 4) : 0;
        for (int i = 0; i < named; i++) args.Add(Pick(s_namedArguments) + Pick(" = ", " = ", ": ") + Value());
        if (Chance(0.05)) args.Add("");          // a trailing comma or an empty argument
        return name + "(" + string.Join(", ", args) + ")";
    }

    /// <summary>An argument: valid sizes, wrong types, negative and huge numbers, strings, null, typeof, nested arrays, expressions.</summary>
    private string Value()
    {
        switch (_random.Next(9))
        {
            case 0:
            case 1:
                return Size();
            case 2:
                return Pick("0", "-1", "-5", "int.MaxValue", "int.MinValue", "65536", "1 << 20", "1 << 31", "(int)1e9", "0x10", "1_000", "46341",
                    "checked(int.MaxValue + 1)", "int.MaxValue * 2", "1 / 0", "-int.MinValue", "(int)float.NaN", "unchecked(int.MaxValue + 1)");
            case 3:
                return Pick("1.5f", "0.5f", "float.NaN", "float.PositiveInfinity", "float.NegativeInfinity", "-0f", "1e-45f", "3.4e38f", "float.Epsilon",
                    "0.5", "1.0", "2m", "5L", "4u", "long.MaxValue", "double.MaxValue", "(float)1e40", "1e400", "'c'", "(byte)3", "(short)-2");
            case 4:
                return Pick("\"same\"", "\"valid\"", "\"SAME\"", "\"Same\"", "\" same\"", "\"\"", "\"x\"", "\"784\"", "\"3\"", "@\"same\"", "\"sa\" + \"me\"",
                    "$\"same\"", "\"\\u0000\"", "\"fc1\"", "\"Loss\"", "\"loss\"", "\"a b\"", "\"1fc\"", "\"class\"", "nameof(A)", "\"Summary\"");
            case 5:
                return Pick("null", "(string)null", "(object)null", "default", "default(int)", "default(string)", "true", "false", "(object)3", "(object)\"same\"");
            case 6:
                return Pick("typeof(int)", "typeof(Init)", "typeof(System.Collections.Generic.List<>)", "typeof(A)", "typeof(void)", "typeof(int[])",
                    "Init.Zeros", "Init.HeNormal", "(Init)99", "(Init)(-1)", "Init.Nonexistent", "Init.Default | Init.Zeros", "LossKind.MeanSquaredError");
            case 7:
                return Pick("new[] { 1, 2 }", "new int[0]", "new int[] { }", "new object[] { 1, \"a\", null }", "new[] { new[] { 1 } }", "new int[][] { }",
                    "new[] { \"same\" }", "new float[] { 1f, float.NaN }", "new object[] { new object[] { typeof(int) } }", "new[] { Init.Zeros }",
                    "new int[int.MaxValue]", "new object()", "() => 1", "this", "Missing", "Missing.Size", "A.Size", "Size", "sizeof(int)",
                    "1 + 2", "3 * 4 - 5", "-(2)", "+3", "~0", "(1)", "(1, 2)", "stackalloc int[1]", "__arglist()", "x => x");
            default:
                return Value() + Pick(" + 1", " * 2", "", "", " - 3");
        }
    }

    // ---------- syntax errors ----------

    private string Corrupt(string body)
    {
        if (body.Length == 0) return "@";
        int operations = _random.Next(1, 4);
        for (int o = 0; o < operations && body.Length > 0; o++)
        {
            int at = _random.Next(body.Length);
            switch (_random.Next(4))
            {
                case 0: body = body.Remove(at, Math.Min(body.Length - at, _random.Next(1, 6))); break;
                case 1: body = body.Insert(at, Pick("(", ")", "[", "]", ",", "=", "\"", "{", "}", ";", "@", "\n#if X\n", "/*", "'", "<", "\n#endregion\n", "\\", "\u0000")); break;
                case 2: body = body.Substring(0, at); break;
                default:
                    int from = _random.Next(body.Length);
                    body = body.Insert(at, body.Substring(from, Math.Min(body.Length - from, _random.Next(1, 20))));
                    break;
            }
        }
        return body;
    }

    // ---------- random helpers ----------

    private bool Chance(double p) => _random.NextDouble() < p;

    private T Pick<T>(params T[] items) => items[_random.Next(items.Length)];

    private static T[] Weighted<T>(params (T Item, int Weight)[] items)
    {
        var expanded = new List<T>();
        foreach ((T item, int weight) in items)
            for (int i = 0; i < weight; i++) expanded.Add(item);
        return expanded.ToArray();
    }
}
