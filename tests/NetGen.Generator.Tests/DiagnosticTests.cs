using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>One test per NG diagnostic: the declaration mistake, the id, the exact span and the message.</summary>
public sealed class DiagnosticTests
{
    private static DiagnosticResult Error(string id) => new DiagnosticResult(id, DiagnosticSeverity.Error).WithLocation(0);

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new GeneratorTest("using NetGen;\n" + source);
        test.TestState.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    [Fact]
    public Task NG0001_a_network_class_that_is_not_partial()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(1)]
            public class {|#0:Plain|} { }
            """,
            Error("NG0001").WithArguments("Plain", "Plain"));

    [Fact]
    public Task NG0001_a_containing_type_that_is_not_partial()
        => VerifyAsync(
            """
            public class {|#0:Outer|}
            {
                [Network(Inputs = 2)]
                [Dense(1)]
                public partial class Inner { }
            }
            """,
            Error("NG0001").WithArguments("Outer", "Inner"));

    [Fact]
    public Task NG0002_Inputs_missing()
        => VerifyAsync(
            """
            [{|#0:Network|}]
            [Dense(1)]
            public partial class NoInputs { }
            """,
            Error("NG0002").WithArguments("Inputs", "missing", "set [Network(Inputs = n)] to the number of values in one input sample"));

    [Fact]
    public Task NG0002_Inputs_not_positive()
        => VerifyAsync(
            """
            [Network({|#0:Inputs = 0|})]
            [Dense(1)]
            public partial class ZeroInputs { }
            """,
            Error("NG0002").WithArguments("Inputs", "0", "set it to the number of values in one input sample"));

    [Fact]
    public Task NG0002_units_not_positive()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(4, Activation.Tanh)]
            [Dense({|#0:-3|}, Activation.ReLU)]
            public partial class NegativeUnits { }
            """,
            Error("NG0002").WithArguments("units", "-3", "give [Dense(units, …)] the number of outputs of layer 1"));

    [Fact]
    public Task NG0003_no_layers()
        => VerifyAsync(
            """
            [{|#0:Network(Inputs = 2)|}]
            public partial class Empty { }
            """,
            Error("NG0003").WithArguments("Empty"));

    [Fact]
    public Task NG0004_softmax_on_a_hidden_layer()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(4, {|#0:Activation.Softmax|})]
            [Dense(1)]
            public partial class EarlySoftmax { }
            """,
            Error("NG0004").WithArguments("0", "EarlySoftmax"));

    [Fact]
    public Task NG0005_cross_entropy_without_a_softmax_output()
        => VerifyAsync(
            """
            [Network(Inputs = 2, Loss = Loss.CrossEntropy)]
            [Dense(3, {|#0:Activation.Sigmoid|})]
            public partial class WrongOutput { }
            """,
            Error("NG0005").WithMessage(
                "Loss.CrossEntropy needs a Softmax output layer, but the last layer of 'WrongOutput' uses Sigmoid; make the last layer " +
                "[Dense(classes, Activation.Softmax)]; cross-entropy is computed from the softmax's logits, which keeps it finite and makes its " +
                "gradient simply output − target. For any other output, use Loss.MeanSquaredError"));

    [Fact]
    public Task NG0005_binary_cross_entropy_without_a_sigmoid_output_declared_by_default()
        => VerifyAsync(
            """
            [Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
            [{|#0:Dense(1)|}]
            public partial class IdentityOutput { }
            """,
            Error("NG0005").WithArguments("BinaryCrossEntropy", "Sigmoid", "IdentityOutput", "Identity",
                "make the last layer [Dense(n, Activation.Sigmoid)]; binary cross-entropy is computed from the sigmoid's logits, which keeps it " +
                "finite and makes its gradient simply output − target. For any other output, use Loss.MeanSquaredError"));

    [Fact]
    public Task NG0006_more_than_one_optimizer()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(1)]
            [Sgd(LearningRate = 0.1)]
            [{|#0:{|CS0579:Sgd|}(LearningRate = 0.2)|}]
            public partial class TwoOptimizers { }
            """,
            Error("NG0006").WithArguments("TwoOptimizers", "Sgd", "Sgd"));

    [Fact]
    public Task NG0007_layers_on_two_parts_of_a_partial_class()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(3)]
            public partial class Split { }

            [{|#0:Dense(1)|}]
            public partial class Split { }
            """,
            Error("NG0007").WithArguments("Split"));

    [Fact]
    public Task NG0008_a_learning_rate_that_is_not_positive()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(1)]
            [Sgd({|#0:LearningRate = 0|})]
            public partial class ZeroRate { }
            """,
            Error("NG0008").WithArguments("LearningRate", "Sgd", "0", "a finite number greater than zero"));

    [Fact]
    public Task NG0008_a_negative_leaky_ReLU_slope()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(3, Activation.LeakyReLU, {|#0:Slope = -0.5|})]
            public partial class NegativeSlope { }
            """,
            Error("NG0008").WithArguments("Slope", "Dense", "-0.5", "a finite number ≥ 0 (the leaky ReLU's slope for negative inputs; 0.01 is PyTorch's default)"));

    [Fact]
    public Task NG0009_a_struct()
        => VerifyAsync(
            """
            [{|CS0592:Network|}(Inputs = 2)]
            [{|CS0592:Dense|}(1)]
            public partial struct {|#0:ValueNet|} { }
            """,
            Error("NG0009").WithArguments("ValueNet", "a struct"));

    [Fact]
    public Task NG0009_a_static_class()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(1)]
            public static partial class {|#0:StaticNet|} { }
            """,
            Error("NG0009").WithArguments("StaticNet", "a static class"));

    [Fact]
    public Task NG0010_an_activation_cast_from_an_undefined_number()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(3, {|#0:(Activation)42|})]
            public partial class UnknownActivation { }
            """,
            Error("NG0010").WithArguments("activation", "42", "Activation",
                "Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.Softmax"));

    [Fact]
    public Task NG0010_a_loss_cast_from_an_undefined_number()
        => VerifyAsync(
            """
            [Network(Inputs = 2, {|#0:Loss = (Loss)7|})]
            [Dense(1)]
            public partial class UnknownLoss { }
            """,
            Error("NG0010").WithArguments("Loss", "7", "Loss", "Loss.MeanSquaredError, Loss.BinaryCrossEntropy, Loss.CrossEntropy"));

    [Fact]
    public Task NG0011_more_parameters_than_an_array_holds()
        => VerifyAsync(
            """
            [{|#0:Network(Inputs = 100000)|}]
            [Dense(100000)]
            public partial class Huge { }
            """,
            Error("NG0011").WithArguments("Huge", "10,000,100,000", "2,147,483,591"));

    [Fact]
    public Task NG0012_an_attribute_the_compiler_cannot_bind()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [{|#0:Dense({|CS1503:"four"|})|}]
            public partial class Unreadable { }
            """,
            Error("NG0012").WithArguments("Dense", "Unreadable"));

    [Fact]
    public Task NG0006_two_different_optimizers()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(1)]
            [Adam]
            [{|#0:RmsProp(LearningRate = 0.1)|}]
            public partial class AdamAndRmsProp { }
            """,
            Error("NG0006").WithArguments("AdamAndRmsProp", "Adam", "RmsProp"));

    [Theory]
    [InlineData("Adam", "Beta1 = 1.0", "Beta1", "1", "in [0, 1)")]
    [InlineData("AdamW", "Beta2 = -0.5", "Beta2", "-0.5", "in [0, 1)")]
    [InlineData("Adam", "Epsilon = 0", "Epsilon", "0", "a finite number greater than zero")]
    [InlineData("RmsProp", "WeightDecay = -0.01", "WeightDecay", "-0.01", "a finite number ≥ 0")]
    [InlineData("Adagrad", "LearningRate = -1", "LearningRate", "-1", "a finite number greater than zero")]
    [InlineData("Sgd", "Momentum = 1.5", "Momentum", "1.5", "in [0, 1)")]
    [InlineData("Sgd", "GradientClipNorm = -2", "GradientClipNorm", "-2", "a finite number ≥ 0")]
    public Task NG0008_an_optimizer_hyperparameter_out_of_range(string optimizer, string argument, string name, string value, string requirement)
        => VerifyAsync(
            $$"""
            [Network(Inputs = 2)]
            [Dense(1)]
            [{{optimizer}}({|#0:{{argument}}|})]
            public partial class BadHyperparameter { }
            """,
            Error("NG0008").WithArguments(name, optimizer, value, requirement));

    [Theory]
    [InlineData("1")]
    [InlineData("-0.1")]
    [InlineData("double.NaN")]
    public Task NG0008_a_dropout_rate_outside_zero_to_one(string rate)
        => VerifyAsync(
            $$"""
            [Network(Inputs = 4)]
            [Dense(8, Activation.ReLU)]
            [Dropout({|#0:{{rate}}|})]
            [Dense(1)]
            public partial class BadDropout { }
            """,
            Error("NG0008").WithArguments("rate", "Dropout", rate == "double.NaN" ? "NaN" : rate,
                "in [0, 1): the probability of zeroing each value in training (0.5 is common for hidden layers, 0.1–0.25 after convolutions)"));

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public Task NG0008_a_batch_norm_momentum_outside_zero_to_one(string momentum)
        => VerifyAsync(
            $$"""
            [Network(Inputs = 4)]
            [Dense(8)]
            [BatchNorm(Activation.ReLU, {|#0:Momentum = {{momentum}}|})]
            [Dense(1)]
            public partial class BadMomentum { }
            """,
            Error("NG0008").WithArguments("Momentum", "BatchNorm", momentum, "in [0, 1]: the weight of each batch in the running statistics (0.1 is PyTorch's default)"));

    [Theory]
    [InlineData("BatchNorm", "0")]
    [InlineData("LayerNorm", "-1E-05")]
    [InlineData("LayerNorm", "double.PositiveInfinity")]
    [InlineData("BatchNorm", "double.NaN")]
    public Task NG0008_a_normalisation_epsilon_that_is_not_positive(string layer, string epsilon)
        => VerifyAsync(
            $$"""
            [Network(Inputs = 4)]
            [Dense(8)]
            [{{layer}}({|#0:Epsilon = {{epsilon}}|})]
            [Dense(1)]
            public partial class BadEpsilon { }
            """,
            Error("NG0008").WithArguments("Epsilon", layer, epsilon switch { "double.PositiveInfinity" => "Infinity", "double.NaN" => "NaN", _ => epsilon },
                "a finite number greater than zero, added to the variance before its square root (1e-5 is PyTorch's default)"));

    [Fact]
    public Task NG0008_an_epsilon_that_rounds_to_zero_in_float()
        => VerifyAsync(
            """
            [Network(Inputs = 4)]
            [Dense(8)]
            [BatchNorm({|#0:Epsilon = 1e-50|})]
            [Dense(1)]
            public partial class TinyEpsilon { }
            """,
            Error("NG0008").WithArguments("Epsilon", "BatchNorm", "1E-50",
                "greater than zero and finite as a float, which it is not; use a value between 1e-38 and 3.4e38, or Precision = Precision.Double"));

    [Fact]
    public Task NG0017_a_layer_norm_over_one_value()
        => VerifyAsync(
            """
            [Network(Inputs = 4)]
            [Dense(1)]
            [{|#0:LayerNorm|}]
            [Dense(1)]
            public partial class LonelyLayerNorm { }
            """,
            Error("NG0017").WithArguments(
                "LayerNorm needs at least two values per sample to normalise, since over one value it outputs its bias whatever the input",
                "the layer before outputs 1; remove it, or use BatchNorm, which normalises each feature over the batch"));

    [Fact]
    public Task NG0008_Nesterov_without_momentum()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(1)]
            [Sgd(LearningRate = 0.1, {|#0:Nesterov = true|})]
            public partial class NesterovAlone { }
            """,
            Error("NG0008").WithArguments("Nesterov", "Sgd", "true without momentum",
                "used with a Momentum greater than zero (Nesterov momentum needs momentum), or left false"));

    [Fact]
    public Task NG0010_an_initializer_cast_from_an_undefined_number()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(3, Activation.Tanh, {|#0:Init = (Initializer)9|})]
            public partial class UnknownInit { }
            """,
            Error("NG0010").WithArguments("Init", "9", "Initializer",
                "Initializer.Default, Initializer.GlorotUniform, Initializer.GlorotNormal, Initializer.HeUniform, Initializer.HeNormal, Initializer.LeCunNormal, Initializer.Zeros"));

    [Fact]
    public Task NG0011_optimizer_state_larger_than_an_array_holds()
        => VerifyAsync(
            """
            [{|#0:Network(Inputs = 30000)|}]
            [Dense(30000)]
            [Adam(Amsgrad = true)]
            public partial class HugeState { }
            """,
            Error("NG0011").WithArguments("HugeState", "2,700,090,000", "2,147,483,591"));

    [Fact]
    public Task NG0013_a_custom_activation_that_does_not_exist()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(3, {|#0:CustomActivation = "Mish"|})]
            public partial class MissingActivation { }
            """,
            Error("NG0013").WithArguments("Mish", "0", "'MissingActivation' has no method of that name; declare [Differentiable] static float Mish(float x) in the network class"));

    [Fact]
    public Task NG0013_a_custom_activation_that_is_not_differentiable()
        => VerifyAsync(
            """
            [Network(Inputs = 2)]
            [Dense(3, {|#0:CustomActivation = nameof(Cube)|})]
            public partial class PlainActivation
            {
                public static float Cube(float x) => x * x * x;
            }
            """,
            Error("NG0013").WithArguments("Cube", "0", "it must be marked [Differentiable], so that NetGen can generate the derivative the backward pass needs"));

    [Fact]
    public Task NG0013_a_custom_activation_with_the_wrong_signature()
        => VerifyAsync(
            """
            [Network(Inputs = 2, Precision = Precision.Double)]
            [Dense(3, {|#0:CustomActivation = nameof(Scaled)|})]
            public partial class WrongSignature
            {
                [Differentiable]
                public static double Scaled(double x, double scale) => x * scale;
            }
            """,
            Error("NG0013").WithArguments("Scaled", "0", "it must be a static method taking one double and returning double, the network's precision"));

    [Fact]
    public Task NG0016_both_Inputs_and_InputShape()
        => VerifyAsync(
            """
            [Network(Inputs = 4, {|#0:InputShape = new[] { 4 }|})]
            [Dense(1)]
            public partial class BothShapes { }
            """,
            Error("NG0016").WithArguments("both Inputs and InputShape are given", "keep one: Inputs = n means InputShape = new[] { n }"));

    [Theory]
    [InlineData("new[] { 1, 2, 3, 4 }", "InputShape { 1, 2, 3, 4 } has 4 dimensions")]
    [InlineData("new int[0]", "InputShape {  } has 0 dimensions")]
    [InlineData("new[] { 3, 0, 5 }", "InputShape { 3, 0, 5 } has a dimension that is not greater than zero")]
    public Task NG0016_an_input_shape_of_the_wrong_rank_or_an_empty_dimension(string shape, string problem)
        => VerifyAsync(
            $$"""
            [Network({|#0:InputShape = {{shape}}|})]
            [Dense(1)]
            public partial class BadShape { }
            """,
            Error("NG0016").WithArguments(problem, "give { features }, { channels, length } or { channels, height, width }, each greater than zero"));

    [Fact]
    public Task NG0017_a_kernel_larger_than_its_input()
        => VerifyAsync(
            """
            [Network(InputShape = new[] { 1, 12, 12 })]
            [Conv2D(6, 5)]
            [MaxPool2D(4)]
            [{|#0:Conv2D(16, 5)|}]
            [Dense(1)]
            public partial class TooSmall { }
            """,
            Error("NG0017").WithArguments("Conv2D(16, 5) needs an input of at least 5×5", "the layer before outputs 6 × 2 × 2"));

    [Fact]
    public Task NG0017_a_pool_larger_than_its_input()
        => VerifyAsync(
            """
            [Network(InputShape = new[] { 2, 3 })]
            [{|#0:MaxPool1D(4)|}]
            [Dense(1)]
            public partial class LongPool { }
            """,
            Error("NG0017").WithArguments("MaxPool1D(4) needs an input of at least 4", "the input is 2 × 3"));

    [Fact]
    public Task NG0017_a_2D_layer_after_a_1D_one()
        => VerifyAsync(
            """
            [Network(InputShape = new[] { 2, 30 })]
            [Conv1D(4, 3)]
            [{|#0:MaxPool2D(2)|}]
            [Dense(1)]
            public partial class Mixed { }
            """,
            Error("NG0017").WithArguments(
                "MaxPool2D(2) needs an input of [channels, height, width]",
                "the layer before outputs 4 × 28; a 2-D layer cannot follow a 1-D one; use the 1-D layer kinds, or give InputShape = new[] { channels, height, width }"));

    [Fact]
    public Task NG0017_a_convolution_after_a_flat_layer()
        => VerifyAsync(
            """
            [Network(Inputs = 784)]
            [{|#0:Conv2D(6, 5)|}]
            [Dense(1)]
            public partial class FlatConv { }
            """,
            Error("NG0017").WithArguments(
                "Conv2D(6, 5) needs an input of [channels, height, width]",
                "the input is 784; give the network InputShape = new[] { channels, height, width }, or put this layer before the Dense layers (a Dense layer's output is flat)"));

    [Fact]
    public Task NG0002_a_convolution_without_filters()
        => VerifyAsync(
            """
            [Network(InputShape = new[] { 1, 8, 8 })]
            [Conv2D({|#0:0|}, 3)]
            [Dense(1)]
            public partial class NoFilters { }
            """,
            Error("NG0002").WithArguments("filters", "0", "give [Conv2D(filters, …)] the number of output channels of layer 0"));

    [Fact]
    public Task NG0002_a_pool_stride_of_zero()
        => VerifyAsync(
            """
            [Network(InputShape = new[] { 1, 8, 8 })]
            [AvgPool2D(2, {|#0:Stride = 0|})]
            [Dense(1)]
            public partial class NoStride { }
            """,
            Error("NG0002").WithArguments("Stride", "0", "the step between windows is at least 1 (leave it out for windows side by side)"));

    [Fact]
    public Task NG0008_a_negative_padding()
        => VerifyAsync(
            """
            [Network(InputShape = new[] { 1, 8, 8 })]
            [Conv2D(2, 3, {|#0:Padding = -1|})]
            [Dense(1)]
            public partial class NegativePadding { }
            """,
            Error("NG0008").WithArguments("Padding", "Conv2D", "-1", "≥ 0 (the zeros added on every side)"));
}
