using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Declarations that the generator once crashed on, or accepted and then emitted code for that did not compile, or
/// silently generated with a default: each is now either generated code that compiles without a warning, or an NG
/// diagnostic at the attribute or member at fault.
/// </summary>
public sealed class HardeningTests
{
    /// <summary>Runs both generators over <paramref name="source"/>; returns what they reported and the compilation's errors and warnings.</summary>
    private static (Diagnostic[] Generator, Diagnostic[] Compilation, int Generated) Run(string source)
    {
        CSharpParseOptions parse = new(LanguageVersion.Latest);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Hardening", [CSharpSyntaxTree.ParseText("using NetGen;\n" + source, parse)], TestReferences.Runtime,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator(), new DifferentiableGenerator().AsSourceGenerator()], parseOptions: parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        int generated = driver.GetRunResult().Results.Sum(result => result.GeneratedSources.Length);
        return (
            generatorDiagnostics.ToArray(),
            output.GetDiagnostics().Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning).ToArray(),
            generated);
    }

    private static void AssertCompilesCleanly(string source, int networks)
    {
        (Diagnostic[] generator, Diagnostic[] compilation, int generated) = Run(source);
        Assert.True(generator.Length == 0, string.Join("\n", generator.Select(d => d.ToString())));
        Assert.True(compilation.Length == 0, string.Join("\n", compilation.Take(8).Select(d => d.ToString())));
        Assert.Equal(networks, generated);
    }

    private static Diagnostic AssertReports(string source, string id)
    {
        (Diagnostic[] generator, _, _) = Run(source);
        Assert.DoesNotContain(generator, d => d.Id is "NG0999" or "CS8785");
        Diagnostic? found = generator.FirstOrDefault(d => d.Id == id);
        Assert.True(found is not null, $"expected {id}; got: {string.Join("; ", generator.Select(d => d.Id + " " + d.GetMessage()))}");
        return found!;
    }

    [Fact]
    public void Types_whose_old_hint_names_collided_both_generate()
        => AssertCompilesCleanly(
            """
            namespace A_1 { [Network(Inputs = 2)][Dense(1)] public partial class B { } }
            public partial class A<T> { [Network(Inputs = 2)][Dense(1)] public partial class B { } }
            """,
            networks: 2);

    [Fact]
    public void Keywords_used_as_names_keep_their_at_sign()
        => AssertCompilesCleanly(
            """
            namespace @if.X
            {
                public partial class @event
                {
                    [Network(Inputs = 2)][Dense(1)] public partial class @class { }
                }
            }
            """,
            networks: 1);

    [Fact]
    public void Attributes_on_type_parameters_are_not_repeated()
        => AssertCompilesCleanly(
            """
            [System.AttributeUsage(System.AttributeTargets.GenericParameter)] public sealed class TagAttribute : System.Attribute { }
            [Network(Inputs = 2)][Dense(1)] public partial class Net<[Tag] T> { }
            """,
            networks: 1);

    [Fact]
    public void A_declaration_without_a_name_generates_nothing_and_reports_nothing_of_its_own()
    {
        (Diagnostic[] generator, _, int generated) = Run("[Network(Inputs = 2)][Dense(1)] public partial class { }");

        Assert.Empty(generator);
        Assert.Equal(0, generated);
    }

    [Theory]
    [InlineData("[Dense(1, Activation.LeakyReLU, Slope = 1e300)]", "[Sgd]")]
    [InlineData("[Dense(1)]", "[Sgd(GradientClipNorm = 1e300)]")]
    [InlineData("[Dense(1)]", "[Sgd(LearningRate = 1e39)]")]
    [InlineData("[Dense(1)]", "[Adam(Epsilon = 1e-50)]")]
    [InlineData("[Dense(1)]", "[Adam(Beta2 = 0.99999999)]")]
    [InlineData("[Dense(1)]", "[Adam(Beta1 = 0.9999999999999999)]")]
    [InlineData("[Dense(1)]", "[RmsProp(Alpha = 0.999999999)]")]
    public void A_float_network_rejects_a_hyperparameter_that_float_cannot_hold(string layer, string optimizer)
    {
        Diagnostic diagnostic = AssertReports($"[Network(Inputs = 2)]\n{layer}\n{optimizer}\npublic partial class FloatNet {{ }}", "NG0008");

        Assert.Contains("float", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("[Dense(1, Activation.LeakyReLU, Slope = 1e300)]", "[Sgd]")]
    [InlineData("[Dense(1)]", "[Adam(Beta2 = 0.99999999, Epsilon = 1e-50)]")]
    public void A_double_network_accepts_what_double_holds(string layer, string optimizer)
        => AssertCompilesCleanly($"[Network(Inputs = 2, Precision = Precision.Double)]\n{layer}\n{optimizer}\npublic partial class DoubleNet {{ }}", networks: 1);

    [Theory]
    [InlineData("private int _parameters;")]
    [InlineData("private int _rowCapacity;")]
    [InlineData("private float[] _layer0Outputs = new float[1];")]
    [InlineData("public int InputSize => 3;")]
    [InlineData("private void RunForward() { }")]
    [InlineData("public int Predict;")]
    [InlineData("public int Buffers => 0;")]
    [InlineData("public long[] BatchesTracked = new long[1];")]
    [InlineData("public ulong RandomState;")]
    [InlineData("private long[] _batchesTracked;")]
    [InlineData("private void CommitTrainingCall() { }")]
    [InlineData("private float[] _layer1Mean;")]
    [InlineData("private float[] _layer3Mask;")]
    public void A_user_member_with_a_generated_name_is_reported_at_the_member(string member)
    {
        string declaration = $"[Network(Inputs = 2)][Dense(1)] public partial class Net {{ {member} }}";
        Diagnostic diagnostic = AssertReports(declaration, "NG0014");

        Assert.Contains("Net", diagnostic.GetMessage());
        // At the member: inside the class body (the source is one line after the using directive).
        Assert.True(diagnostic.Location.GetLineSpan().StartLinePosition.Character > declaration.IndexOf('{'));
    }

    [Fact]
    public void Members_named_like_the_lane_passes_are_allowed_since_those_live_in_a_file_local_class()
        => AssertCompilesCleanly(
            "[Network(Inputs = 2)][Dense(2, Activation.Tanh)][Dense(1)] public partial class Net { public int RunLanes; public static void RunLanes512() { } }",
            networks: 1);

    [Fact]
    public void A_user_overload_of_a_public_method_is_allowed()
        => AssertCompilesCleanly(
            "[Network(Inputs = 2)][Dense(1)] public partial class Net { public float Predict(float a, float b) { var o = new float[1]; Predict([a, b], o); return o[0]; } }",
            networks: 1);

    [Fact]
    public void A_base_class_member_the_generated_code_would_hide_is_reported()
    {
        Diagnostic diagnostic = AssertReports(
            "public class Base { public int InputSize => 1; }\n[Network(Inputs = 2)][Dense(1)] public partial class Net : Base { }", "NG0014");

        Assert.Contains("Base", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("[Network(Inputs = 2, Loss = Loss.Inputs)][Dense(1)]")]
    [InlineData("[Network(Inputs = 2)][Dense(1, Activation.LeakyReLU, Slope = \"0.1\")]")]
    [InlineData("[Network(Inputs = 2)][Dense(1)][Sgd(LearningRate = \"0.1\")]")]
    public void A_named_argument_that_does_not_compile_is_NG0012_not_a_silent_default(string attributes)
        => AssertReports(attributes + " public partial class Net { }", "NG0012");

    [Fact]
    public void A_layer_on_a_class_without_Network_is_NG0015_at_the_layer()
    {
        Diagnostic diagnostic = AssertReports("[Dense(4)] public partial class NotANetwork { }", "NG0015");

        Assert.Equal("[Dense] declares a layer, but 'NotANetwork' has no [Network] attribute; add [Network(Inputs = n)] (or InputShape = …) to the class, or remove the layer", diagnostic.GetMessage());
    }

    [Fact]
    public void A_layer_with_Network_on_another_part_is_not_NG0015()
        => AssertCompilesCleanly("[Dense(4)] public partial class Split { }\n[Network(Inputs = 2)] public partial class Split { }", networks: 1);

    [Fact]
    public void Networks_whose_names_differ_only_by_case_both_generate()
        => AssertCompilesCleanly(
            """
            namespace Demo { [Network(Inputs = 2)][Dense(1)] public partial class Net { } }
            namespace Demo { [Network(Inputs = 2)][Dense(1)] public partial class NET { } }
            """,
            networks: 2);

    [Fact]
    public void A_custom_activation_named_with_a_keyword_or_like_a_predictor_member_compiles()
        => AssertCompilesCleanly(
            """
            [Network(Inputs = 2)]
            [Dense(3, CustomActivation = nameof(@class))]
            [Dense(2, CustomActivation = nameof(Predict))]
            public partial class OddNames
            {
                [Differentiable] public static float @class(float x) => x * x;
                [Differentiable] public static float Predict(float x) => x / (1 + x * x);
            }
            """,
            networks: 3);

    /// <summary>
    /// Normalisation and dropout first in a network are allowed: they act on the input features (an input BatchNorm
    /// standardises them as it learns). So are a bias-free Dense layer before a BatchNorm and Dropout as the output layer
    /// of a regression.
    /// </summary>
    [Fact]
    public void Normalisation_and_dropout_may_come_first_and_dropout_last()
        => AssertCompilesCleanly(
            """
            [Network(Inputs = 4)]
            [BatchNorm]
            [Dense(3, Bias = false)]
            [BatchNorm(Activation.ReLU)]
            [Dense(2)]
            [Dropout(0.1)]
            public partial class InputBatchNorm { }

            [Network(InputShape = new[] { 2, 3, 3 }, Precision = Precision.Double)]
            [LayerNorm]
            [Dropout(0.2)]
            [Conv2D(2, 2, Bias = false)]
            [Dense(1)]
            public partial class InputLayerNorm { }
            """,
            networks: 2);

    [Fact]
    public void An_input_shape_larger_than_an_array_is_NG0016()
    {
        Diagnostic diagnostic = AssertReports("[Network(InputShape = new[] { 3, 40000, 40000 })][Dense(1)] public partial class Huge { }", "NG0016");

        Assert.Contains("more than one array holds", diagnostic.GetMessage());
    }

    [Fact]
    public void The_loss_activation_error_of_a_convolution_points_at_its_activation_argument()
    {
        const string source = "[Network(InputShape = new[] { 1, 4, 4 }, Loss = Loss.CrossEntropy)][Conv2D(2, 3, Activation.Tanh)] public partial class ConvOut { }";
        Diagnostic diagnostic = AssertReports(source, "NG0005");

        int column = diagnostic.Location.GetLineSpan().StartLinePosition.Character;
        Assert.Equal(source.IndexOf("Activation.Tanh", System.StringComparison.Ordinal), column);
    }
}
