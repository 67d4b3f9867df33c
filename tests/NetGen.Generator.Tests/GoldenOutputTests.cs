using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// The complete output for one network of each lowering the generator has (unrolled and in lanes, kernel layers,
/// fused SGD, class labels, double precision, a custom activation), checked in under Golden/ and reviewed by hand:
/// any change to what users get shows up as a diff in review. The generator's version is scrubbed to
/// {{GeneratorVersion}} in the files.
/// <para>
/// After an intended change to the emitted code, run the tests once with <c>NETGEN_UPDATE_GOLDEN=1</c>: each test then
/// rewrites its file in the source tree (and still fails, so that an update is never mistaken for a pass). Review the
/// diff before committing it.
/// </para>
/// </summary>
public sealed class GoldenOutputTests
{
    /// <summary>Unrolled layers, the lane pass, plain SGD, binary cross-entropy, float.</summary>
    [Fact]
    public void Xor_network_generates_the_reviewed_source() => VerifyGolden("XorNet", """
        [Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        [Sgd(LearningRate = 0.5)]
        public partial class XorNet { }
        """);

    /// <summary>A kernel layer (320 weights) under an unrolled one, Adam, mean squared error: no lane pass.</summary>
    [Fact]
    public void Kernel_adam_network_generates_the_reviewed_source() => VerifyGolden("KernelAdamNet", """
        [Network(Inputs = 20)]
        [Dense(16, Activation.ReLU)]
        [Dense(3)]
        [Adam(LearningRate = 0.002, WeightDecay = 0.0001)]
        public partial class KernelAdamNet { }
        """);

    /// <summary>Plain SGD on a kernel layer: the step fused into the weight product (RunBackwardAndDescend).</summary>
    [Fact]
    public void Fused_sgd_network_generates_the_reviewed_source() => VerifyGolden("FusedSgdNet", """
        [Network(Inputs = 32)]
        [Dense(8, Activation.LeakyReLU, Slope = 0.2)]
        [Dense(2)]
        [Sgd(LearningRate = 0.05, WeightDecay = 0.001)]
        public partial class FusedSgdNet { }
        """);

    /// <summary>Softmax cross-entropy with the int-label overloads, SGD with Nesterov momentum, in lanes.</summary>
    [Fact]
    public void Cross_entropy_network_generates_the_reviewed_source() => VerifyGolden("LabelsNet", """
        [Network(Inputs = 4, Loss = Loss.CrossEntropy)]
        [Dense(5, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        [Sgd(LearningRate = 0.1, Momentum = 0.9, Nesterov = true)]
        public partial class LabelsNet { }
        """);

    /// <summary>Double precision, sigmoid and tanh layers, centered RMSprop with gradient clipping.</summary>
    [Fact]
    public void Double_network_generates_the_reviewed_source() => VerifyGolden("DoubleNet", """
        [Network(Inputs = 3, Precision = Precision.Double)]
        [Dense(4, Activation.Sigmoid)]
        [Dense(2, Activation.Tanh)]
        [RmsProp(LearningRate = 0.01, Centered = true, GradientClipNorm = 1.5)]
        public partial class DoubleNet { }
        """);

    /// <summary>A [Differentiable] custom activation (no lane pass), Adagrad.</summary>
    [Fact]
    public void Custom_activation_network_generates_the_reviewed_source() => VerifyGolden("SwishNet", """
        [Network(Inputs = 2)]
        [Dense(3, CustomActivation = nameof(Swish))]
        [Dense(1)]
        [Adagrad(LearningRate = 0.05)]
        public partial class SwishNet
        {
            [Differentiable]
            public static float Swish(float x) => x / (1 + MathF.Exp(-x));
        }
        """);

    /// <summary>Image-shaped input: a padded 2-D convolution, max pooling, then a Dense layer over the flattened channels.</summary>
    [Fact]
    public void Convolutional_network_generates_the_reviewed_source() => VerifyGolden("ConvNet", """
        [Network(InputShape = new[] { 1, 6, 6 }, Loss = Loss.CrossEntropy)]
        [Conv2D(2, 3, Activation.ReLU, Padding = 1)]
        [MaxPool2D(2)]
        [Dense(3, Activation.Softmax)]
        [Adam]
        public partial class ConvNet { }
        """);

    /// <summary>A 1-D convolution with a stride, average pooling that does not divide its input, and MSE.</summary>
    [Fact]
    public void One_dimensional_convolutional_network_generates_the_reviewed_source() => VerifyGolden("SignalNet", """
        [Network(InputShape = new[] { 2, 11 })]
        [Conv1D(3, 3, Activation.Tanh, Stride = 2)]
        [AvgPool1D(2)]
        [Dense(1)]
        public partial class SignalNet { }
        """);

    /// <summary>
    /// The normalised network: BatchNorm per channel after a convolution without bias, LayerNorm after a Dense
    /// layer, Dropout before the output, so modes, buffers, the generator, one-pass training and CommitTrainingCall.
    /// </summary>
    [Fact]
    public void Normalised_network_generates_the_reviewed_source() => VerifyGolden("NormNet", """
        [Network(InputShape = new[] { 1, 8, 8 }, Loss = Loss.CrossEntropy)]
        [Conv2D(4, 3, Padding = 1, Bias = false)]
        [BatchNorm(Activation.ReLU)]
        [MaxPool2D(2)]
        [Dense(16)]
        [LayerNorm(Activation.Tanh)]
        [Dropout(0.25)]
        [Dense(3, Activation.Softmax)]
        [Adam]
        public partial class NormNet { }
        """);

    /// <summary>BatchNorm over the features of a Dense layer without bias (two samples per training call), Dropout first (no input gradient), and SGD, which a normalisation keeps unfused.</summary>
    [Fact]
    public void Batch_normalised_dense_network_generates_the_reviewed_source() => VerifyGolden("DenseNormNet", """
        [Network(Inputs = 40, Precision = Precision.Double)]
        [Dropout(0.1)]
        [Dense(12, Bias = false)]
        [BatchNorm(Activation.LeakyReLU, Momentum = 0.2, Slope = 0.1)]
        [Dense(2)]
        [Sgd(LearningRate = 0.05)]
        public partial class DenseNormNet { }
        """);

    private static void VerifyGolden(string name, string declaration, [CallerFilePath] string testFile = "")
    {
        string source = "using System;\nusing NetGen;\n\nnamespace Demo\n{\n" + Indent(declaration) + "}\n";
        string fileName = name + ".g.cs";
        string generated = Generate(source, "Demo." + fileName)
            .Replace(typeof(NetworkGenerator).Assembly.GetName().Version!.ToString(), "{{GeneratorVersion}}");
        if (Environment.GetEnvironmentVariable("NETGEN_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(Path.GetDirectoryName(testFile)!, "Golden", fileName), generated);
            Assert.Fail($"Golden/{fileName} rewritten; review the diff and run the tests again without NETGEN_UPDATE_GOLDEN.");
        }

        string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", fileName)).Replace("\r\n", "\n");
        Assert.Equal(golden, generated);
    }

    private static string Indent(string text)
        => string.Concat(text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n').Select(line => line.Length == 0 ? "\n" : "    " + line + "\n"));

    /// <summary>
    /// The network generator's output named <paramref name="hintName"/> for <paramref name="source"/>, run beside the
    /// [Differentiable] generator (which custom activations need), after checking that everything generated compiles
    /// without an error or a warning.
    /// </summary>
    private static string Generate(string source, string hintName)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Golden",
            [CSharpSyntaxTree.ParseText(source)],
            TestReferences.Runtime,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new NetworkGenerator(), new DifferentiableGenerator())
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Diagnostic[] problems = generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning)
            .ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems.Select(problem => problem.ToString())));
        return driver.GetRunResult().Results
            .SelectMany(result => result.GeneratedSources)
            .Single(generated => generated.HintName == hintName)
            .SourceText.ToString();
    }
}
