using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Declarations drawn from a fixed seed, valid and malformed alike, each generated under one of several cultures
/// (the invariant one and de-DE, tr-TR, fr-FR, ar-SA, fa-IR, whose number formats and casing rules differ). The
/// generators must never throw; every declaration with a mistake must get an NG diagnostic; every valid one must
/// compile without a single warning (so with TreatWarningsAsErrors too). 2,000 run in every test run;
/// <c>NETGEN_FUZZ_COUNT=20000</c> runs that many.
/// </summary>
public sealed class FuzzedDeclarationTests
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private static readonly CultureInfo[] Cultures =
        [CultureInfo.InvariantCulture, new("de-DE"), new("tr-TR"), new("fr-FR"), new("ar-SA"), new("fa-IR")];

    [Fact]
    public void Fuzzed_declarations_never_crash_the_build_and_are_diagnosed_or_compile_cleanly()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("NETGEN_FUZZ_COUNT"), NumberStyles.None, CultureInfo.InvariantCulture, out int requested) ? requested : 2000;
        var random = new Random(20261126);
        var failures = new List<string>();
        int valid = 0;
        CultureInfo culture = CultureInfo.CurrentCulture, uiCulture = CultureInfo.CurrentUICulture;
        for (int i = 0; i < count; i++)
        {
            (string source, bool isValid) = (i % 8) switch
            {
                3 or 7 => Differentiable(random),
                5 => ShapedNetwork(random),
                _ => Network(random),
            };
            valid += isValid ? 1 : 0;
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = Cultures[i % Cultures.Length];
            try
            {
                Check(i, source, isValid, failures);
            }
            finally
            {
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = uiCulture;
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {count} failed; first:\n{string.Join("\n\n", failures.Take(3))}");
        Assert.InRange(valid, count / 10, count * 9 / 10); // both kinds are well represented
    }

    private static void Check(int i, string source, bool isValid, List<string> failures)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            $"Fuzz{i}",
            [CSharpSyntaxTree.ParseText(source, Parse)],
            TestReferences.Runtime,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator(), new DifferentiableGenerator().AsSourceGenerator()], parseOptions: Parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();

        if (run.Results.Any(r => r.Exception is not null) || generatorDiagnostics.Any(d => d.Id is "CS8785" or "AD0001" or "NG0999"))
        {
            failures.Add($"#{i} crashed a generator under {CultureInfo.CurrentCulture.Name}:\n{source}\n{string.Join("\n", generatorDiagnostics)}");
            return;
        }

        bool diagnosed = generatorDiagnostics.Any(d => d.Id.StartsWith("NG", StringComparison.Ordinal));
        if (!isValid && !diagnosed)
        {
            failures.Add($"#{i} is invalid but got no NG diagnostic:\n{source}");
        }
        else if (isValid)
        {
            Diagnostic[] problems = generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
            if (problems.Length > 0)
            {
                failures.Add($"#{i} is valid but does not compile cleanly under {CultureInfo.CurrentCulture.Name}:\n{source}\n{string.Join("\n", problems.Take(3))}");
            }
        }
    }

    /// <summary>A flat network declaration; each draw is either right or one of the mistakes a user makes.</summary>
    private static (string Source, bool Valid) Network(Random random)
    {
        bool valid = true;
        string Pick(params (string Text, bool Valid)[] options)
        {
            // Three draws in four come from the valid options, so that valid declarations are common enough to test.
            (string Text, bool Valid)[] pool = random.Next(4) > 0 && options.Any(o => o.Valid) ? options.Where(o => o.Valid).ToArray() : options;
            (string text, bool ok) = pool[random.Next(pool.Length)];
            valid &= ok;
            return text;
        }

        var attributes = new StringBuilder();
        string inputs = Pick(("Inputs = 2", true), ("Inputs = 5", true), ("Inputs = 784", true), ("Inputs = 100000", true), ("Inputs = 0", false), ("Inputs = -3", false), ("", false), ("Inputs = \"two\"", false));
        string loss = Pick(("", true), ("Loss = Loss.MeanSquaredError", true), ("Loss = (Loss)7", false), ("Loss = Loss.Inputs", false));
        string precision = Pick(("", true), ("Precision = Precision.Double", true), ("Precision = Precision.Single", true), ("Precision = (Precision)9", false));
        bool isDouble = precision.Contains("Double", StringComparison.Ordinal);
        attributes.Append($"[Network({string.Join(", ", new[] { inputs, loss, precision }.Where(a => a.Length > 0))})]\n");

        // The parameter count decides NG0011 (more than one array holds), so the fuzzer keeps it too.
        long fanIn = long.TryParse(inputs.Replace("Inputs = ", string.Empty, StringComparison.Ordinal), out long declared) && declared > 0 ? declared : 1;
        long parameters = 0;
        int layers = random.Next(0, 4);

        bool needsSwish = false;
        for (int layer = 0; layer < layers; layer++)
        {
            string units = Pick(("1", true), ("3", true), ("16", true), ("129", true), ("100000", true), ("0", false), ("-7", false));
            bool last = layer == layers - 1;
            string activation = Pick(
                ("Activation.Tanh", true), ("Activation.ReLU", true), ("Activation.Sigmoid", true), ("Activation.Identity", true),
                ("Activation.LeakyReLU, Slope = 0.2", true), ("Activation.LeakyReLU, Slope = -1", false), ("(Activation)42", false),
                ("Activation.Softmax", last), ("Activation.Identity, CustomActivation = nameof(Swish)", true), ("Activation.Tanh, CustomActivation = nameof(Swish)", false),
                ("Activation.Identity, CustomActivation = \"Missing\"", false), ("Activation.ReLU, Init = Initializer.HeNormal", true), ("Activation.ReLU, Init = (Initializer)11", false),
                ("Activation.LeakyReLU, Slope = 1e300", isDouble), ("Activation.LeakyReLU, Slope = \"0.1\"", false));
            needsSwish |= activation.Contains("nameof(Swish)", StringComparison.Ordinal);
            long unitCount = Math.Max(1, long.Parse(units, System.Globalization.CultureInfo.InvariantCulture));
            parameters += fanIn * unitCount + unitCount;
            fanIn = unitCount;
            attributes.Append($"[Dense({units}, {activation})]\n");
        }

        int optimizers = random.Next(0, 3);
        int stateVectors = 0;
        for (int o = 0; o < optimizers; o++)
        {
            if (o == 1)
            {
                valid = false; // a second optimizer
            }

            string optimizer = Pick(
                ("[Sgd(LearningRate = 0.1, Momentum = 0.9)]", true), ("[Adam(LearningRate = 0.001)]", true), ("[AdamW]", true),
                ("[RmsProp(Centered = true, Momentum = 0.5)]", true), ("[Adagrad(LearningRateDecay = 0.1)]", true), ("[Sgd(LearningRate = 0)]", false),
                ("[Adam(Beta1 = 1.5)]", false), ("[Sgd(Nesterov = true)]", false), ("[Adam(GradientClipNorm = 1)]", true),
                ("[Adam(Beta2 = 0.99999999)]", isDouble), ("[Sgd(GradientClipNorm = 1e300)]", isDouble), ("[Adam(Epsilon = 1e-50)]", isDouble),
                ("[Sgd(LearningRate = \"0.1\")]", false));
            attributes.Append(optimizer).Append('\n');
            if (o == 0)
            {
                stateVectors = optimizer.StartsWith("[RmsProp", StringComparison.Ordinal) ? 3
                    : optimizer.StartsWith("[Adam", StringComparison.Ordinal) ? 2
                    : optimizer.Contains("Momentum", StringComparison.Ordinal) || optimizer.StartsWith("[Adagrad", StringComparison.Ordinal) ? 1
                    : 0;
            }
        }

        valid &= parameters * Math.Max(1, stateVectors) <= 0x7FFFFFC7;

        string t = isDouble ? "double" : "float";
        string swish = needsSwish ? $"    [Differentiable] public static {t} Swish({t} x) => x / (1 + {(isDouble ? "Math" : "MathF")}.Exp(-x));\n" : string.Empty;
        // A member of the user's that the generated code would collide with (NG0014), or an overload that is fine.
        string member = Pick(("", true), ("    public int Other => 1;\n", true), ("    public float Predict(float a) => a;\n", true),
            ("    private int _parameters;\n", false), ("    private int _rowCapacity;\n", false), ("    public int Predict;\n", false));
        swish += member;
        (string open, string close, bool shapeValid) = random.Next(12) switch
        {
            0 => ("public partial class Net { \n" + swish, "}", true),
            9 => ("namespace A_1;\npublic partial class Net_1 {\n" + swish, "}", true),
            10 => ("namespace @if.X;\npublic partial class @event {\n" + swish, "}", true),
            11 => ("[AttributeUsage(AttributeTargets.GenericParameter)] public sealed class TagAttribute : Attribute { }\npublic partial class Net<[Tag] T> {\n" + swish, "}", true),
            1 => ("namespace Deep.Nested;\npublic partial class Net {\n" + swish, "}", true),
            2 => ("public static partial class Outer { public partial class Inner {}\n", "public partial class Net {\n" + swish + "} }", true),
            3 => ("public partial class Net<TTag> {\n" + swish, "}", true),
            4 => ("public partial record Net(int Id) {\n" + swish, "}", true),
            5 => ("public partial struct Net {\n" + swish, "}", false),
            6 => ("public class Net {\n" + swish, "}", false),
            7 => ("public static partial class Net {\n" + swish, "}", false),
            _ => ("internal sealed partial class Net {\n" + swish, "}", true),
        };
        valid &= shapeValid;

        // Split partial parts: a second part with members is fine; layers on a second part are NG0007.
        int kind = random.Next(3);
        bool topLevel = open.StartsWith("public partial class Net {", StringComparison.Ordinal) || open.StartsWith("internal sealed partial class Net", StringComparison.Ordinal);
        string secondPart = !topLevel || kind == 0 ? string.Empty
            : kind == 1 ? "\npartial class Net { public int Extra => 1; }"
            : "\n[Dense(2)] partial class Net { }";
        bool layersOnSecondPart = secondPart.Contains("[Dense", StringComparison.Ordinal);
        if ((layersOnSecondPart && layers > 0) || (!layersOnSecondPart && layers == 0))
        {
            valid = false; // NG0007 (layers on two parts) or NG0003 (no layers at all)
        }

        // Outer (case 2) carries the network on its nested type; put the attributes just before "public partial class Net".
        // Now and then the [Network] attribute is missing altogether: its layers are NG0015.
        if (layers > 0 && random.Next(20) == 0)
        {
            attributes.Remove(0, attributes.ToString().IndexOf('\n') + 1);
            valid = false;
        }

        int declaration = open.IndexOf("public partial ", StringComparison.Ordinal);
        string body = open.Contains("Outer", StringComparison.Ordinal)
            ? open + close.Replace("public partial class Net {", attributes + "public partial class Net {", StringComparison.Ordinal)
            : declaration > 0
                ? open.Insert(declaration, attributes.ToString()) + close
                : attributes + open + close;

        return ("using System;\nusing NetGen;\n" + body + secondPart, valid);
    }

    /// <summary>
    /// A convolutional network: an InputShape of rank 2 or 3, convolutions and pools (each fitting its input, or one of
    /// the mistakes: a kernel or pool larger than the padded input, the wrong dimensionality, a size, stride or padding
    /// out of range), then Dense layers. The shapes are followed as the generator computes them.
    /// </summary>
    private static (string Source, bool Valid) ShapedNetwork(Random random)
    {
        bool valid = true;
        bool twoD = random.Next(2) == 0;
        int channels = random.Next(1, 4), height = twoD ? random.Next(3, 12) : 1, width = random.Next(3, 14);
        var attributes = new StringBuilder();
        string shape = twoD ? $"{channels}, {height}, {width}" : $"{channels}, {width}";
        bool crossEntropy = random.Next(3) == 0;
        attributes.Append($"[Network(InputShape = new[] {{ {shape} }}{(crossEntropy ? ", Loss = Loss.CrossEntropy" : string.Empty)}{(random.Next(4) == 0 ? ", Precision = Precision.Double" : string.Empty)})]\n");
        string suffix = twoD ? "2D" : "1D";
        int layers = random.Next(1, 4);
        for (int layer = 0; layer < layers; layer++)
        {
            int choice = random.Next(5);
            if (choice == 4)
            {
                // A normalisation or dropout layer keeps the shape; its constants are sometimes out of range, and a
                // LayerNorm over one value is NG0017.
                switch (random.Next(3))
                {
                    case 0:
                        double rate = random.Next(10) == 0 ? (random.Next(2) == 0 ? 1.0 : -0.5) : random.Next(0, 9) / 10.0;
                        attributes.Append(FormattableString.Invariant($"[Dropout({rate})]\n"));
                        valid &= rate >= 0 && rate < 1;
                        break;
                    case 1:
                        double momentum = random.Next(10) == 0 ? 1.5 : random.Next(0, 11) / 10.0;
                        attributes.Append(FormattableString.Invariant($"[BatchNorm(Activation.ReLU, Momentum = {momentum})]\n"));
                        valid &= momentum <= 1;
                        break;
                    default:
                        double epsilon = random.Next(10) == 0 ? 0 : 1e-5;
                        attributes.Append(FormattableString.Invariant($"[LayerNorm(Epsilon = {epsilon})]\n"));
                        valid &= epsilon > 0 && channels * height * width > 1;
                        break;
                }

                continue;
            }

            bool wrongDimension = random.Next(12) == 0;
            string kind = wrongDimension ? (twoD ? "1D" : "2D") : suffix;
            valid &= !wrongDimension;
            if (choice < 2)
            {
                int filters = random.Next(12) == 0 ? 0 : random.Next(1, 5);
                int kernel = random.Next(1, 6), stride = random.Next(12) == 0 ? 0 : random.Next(1, 3), padding = random.Next(12) == 0 ? -1 : random.Next(0, 3);
                string activation = random.Next(3) switch { 0 => "Activation.ReLU", 1 => "Activation.Tanh", _ => "Activation.Identity" };
                attributes.Append($"[Conv{kind}({filters}, {kernel}, {activation}, Stride = {stride}, Padding = {padding}{(random.Next(4) == 0 ? ", Bias = false" : string.Empty)})]\n");
                valid &= filters > 0 && stride > 0 && padding >= 0;
                if (filters > 0 && stride > 0 && padding >= 0)
                {
                    valid &= width + 2 * padding >= kernel && (!twoD || height + 2 * padding >= kernel);
                    width = Math.Max(1, (width + 2 * padding - kernel) / stride + 1);
                    height = twoD ? Math.Max(1, (height + 2 * padding - kernel) / stride + 1) : 1;
                    channels = filters;
                }
            }
            else
            {
                int size = random.Next(1, 4), stride = random.Next(12) == 0 ? 0 : random.Next(1, 3);
                string pool = random.Next(2) == 0 ? "MaxPool" : "AvgPool";
                attributes.Append($"[{pool}{kind}({size}{(random.Next(2) == 0 ? $", Stride = {stride}" : string.Empty)})]\n");
                bool strideGiven = attributes.ToString().EndsWith($"Stride = {stride})]\n", StringComparison.Ordinal);
                int effective = strideGiven ? stride : size;
                valid &= effective > 0;
                if (effective > 0)
                {
                    valid &= width >= size && (!twoD || height >= size);
                    width = Math.Max(1, (width - size) / effective + 1);
                    height = twoD ? Math.Max(1, (height - size) / effective + 1) : 1;
                }
            }
        }

        // Dense layers flatten what comes before them; a convolution after a Dense layer is NG0017.
        bool convAfterDense = random.Next(15) == 0;
        attributes.Append(crossEntropy ? "[Dense(3, Activation.Softmax)]\n" : "[Dense(2)]\n");
        if (convAfterDense)
        {
            attributes.Insert(attributes.ToString().IndexOf("[Dense", StringComparison.Ordinal), "[Dense(4)]\n[Conv1D(2, 1)]\n");
            valid = false;
        }

        attributes.Append(random.Next(2) == 0 ? "[Adam]\n" : "[Sgd(LearningRate = 0.1)]\n");
        return ("using System;\nusing NetGen;\n" + attributes + "public partial class ShapedNet { }\n", valid);
    }

    /// <summary>A [Differentiable] method: a supported body, or one of the unsupported constructs.</summary>
    private static (string Source, bool Valid) Differentiable(Random random)
    {
        (string body, bool valid) = random.Next(12) switch
        {
            0 => ("=> x * y + Math.Sin(x);", true),
            1 => ("{ double s = 0; for (int i = 0; i < 3; i++) { s += x * i; } return s + y; }", true),
            2 => ("{ if (x > y) { return x * x; } else { return Math.Exp(y); } }", true),
            3 => ("=> x > 0 ? Math.Pow(x, y) : Math.Abs(y);", true),
            4 => ("{ double r = x; r *= y; r /= 1 + x * x; return Math.Max(r, Math.Min(x, y)); }", true),
            5 => ("{ while (x > 1) { x = x / 2; } return x; }", false),
            6 => ("{ Console.WriteLine(x); return x; }", false),
            7 => ("{ Field = x; return x; }", false),
            8 => ("=> x > 1 ? F(x / 2, y) : y;", false),
            9 => ("{ foreach (var c in \"ab\") { x += c; } return x; }", false),
            10 => ("=> Helper(x) + y;", false),
            _ => ("{ if (x < 0) { return 0; } return x; }", false),
        };
        (string modifiers, string parameters, bool signatureValid) = random.Next(5) switch
        {
            0 => ("public static", "double x, double y", true),
            1 => ("internal static", "double x, double y", true),
            2 => ("public", "double x, double y", false),
            3 => ("public static", "ref double x, double y", false),
            _ => ("public static", "double x, decimal y", false),
        };
        string partial = random.Next(6) == 0 ? "" : "partial ";
        bool ok = valid && signatureValid && partial.Length > 0;
        string source = $$"""
            using System;
            using NetGen;
            public static {{partial}}class Functions
            {
                public static double Field;
                public static double Helper(double v) => v;
                [Differentiable]
                {{modifiers}} double F({{parameters}}) {{body}}
            }
            """;
        return (source, ok);
    }
}
