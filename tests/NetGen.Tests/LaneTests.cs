using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;
using NetGen.Kernels;
using NetGen.Tests.Gradients;
using NetGen.Tests.Lanes;
using Xunit;

namespace NetGen.Tests
{
    /// <summary>
    /// Tiny networks train in vector lanes (RunLanes, one sample per lane) when a pass holds at least two samples. The
    /// gradients are checked against central finite differences of the reference network at every block shape: one
    /// sample (the per-sample code), a partial block alone, whole blocks, and whole blocks with a partial one after them.
    /// </summary>
    public sealed class LaneTests
    {
        private const double Slope = 0.01;

        /// <summary>
        /// Double networks: four lanes of a Vector256, eight of a Vector512 (the 512 path, above four samples). 1 is the
        /// per-sample path; 2, 3 a partial block; 4, 8, 16 whole ones; 5, 9, 15, 17, 33 a tail.
        /// </summary>
        private static readonly int[] DoubleBatchSizes = [1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 33];

        /// <summary>
        /// Float networks: eight lanes of a Vector256, sixteen of a Vector512 (the 512 path, above eight samples): 2, 7, 8
        /// take the 256 pass everywhere, 9, 15 a partial Vector512 block, 16 a whole one, 17, 33 a tail; 300 is more
        /// than Trainer.MaxRowsPerPass, so two passes.
        /// </summary>
        private static readonly int[] FloatBatchSizes = [1, 2, 7, 8, 9, 15, 16, 17, 33, 300];

        /// <summary>The gradient checks' networks that run in lanes: all but those with kernel layers or a custom activation.</summary>
        public static IEnumerable<object[]> LaneCases()
            => GradientCheckTests.Cases().Where(@case => !((string)@case[0]).StartsWith("kernels", StringComparison.Ordinal) && !((string)@case[0]).Contains("Swish"));

        [Theory]
        [MemberData(nameof(LaneCases))]
        public void Double_gradients_match_finite_differences_at_every_block_shape(string name, GradientCheckTests.NetworkFactory factory, ReferenceNetwork reference)
        {
            foreach (int samples in DoubleBatchSizes)
            {
                INetwork<double> network = factory.Create();
                GradientCheckTests.RandomizeParameters(network, seed: 21);
                (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(reference, samples, seed: 100 + samples);

                double loss = network.AccumulateGradients(inputs, targets);

                double[] parameters = network.Parameters.ToArray();
                Assert.True(Math.Abs(reference.SummedLoss(parameters, inputs, targets) - loss) <= 1e-12 * samples, $"{name}, {samples} samples: loss");
                GradientCheckTests.AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, targets), network.Gradients.ToArray());
            }
        }

        [Fact]
        public void Double_label_overloads_match_one_hot_targets_at_every_block_shape()
        {
            var reference = new ReferenceNetwork(3, Loss.CrossEntropy, (5, Activation.ReLU, Slope), (7, Activation.LeakyReLU, Slope), (3, Activation.Softmax, Slope));
            foreach (int samples in DoubleBatchSizes)
            {
                var network = new CrossEntropyNet();
                GradientCheckTests.RandomizeParameters(network, seed: 4);
                (double[] inputs, int[] labels, double[] oneHot) = LabelledBatch(reference, samples, seed: samples);

                double loss = network.AccumulateGradients(inputs, labels);

                double[] parameters = network.Parameters.ToArray();
                Assert.Equal(reference.SummedLoss(parameters, inputs, oneHot), loss, 1e-12);
                GradientCheckTests.AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, oneHot), network.Gradients.ToArray());
            }
        }

        public static IEnumerable<object[]> FloatCases()
        {
            yield return FloatCase("CE, ReLU hidden (iris's shape)", () => new FloatIrisNet(),
                new ReferenceNetwork(4, Loss.CrossEntropy, (16, Activation.ReLU, Slope), (3, Activation.Softmax, Slope)));
            yield return FloatCase("BCE, tanh hidden", () => new FloatBceNet(),
                new ReferenceNetwork(3, Loss.BinaryCrossEntropy, (6, Activation.Tanh, Slope), (2, Activation.Sigmoid, Slope)));
            yield return FloatCase("MSE, softmax output, leaky ReLU and sigmoid hidden", () => new FloatMseNet(),
                new ReferenceNetwork(5, Loss.MeanSquaredError, (9, Activation.LeakyReLU, 0.2), (7, Activation.Sigmoid, Slope), (4, Activation.Softmax, Slope)));
        }

        private static object[] FloatCase(string name, Func<INetwork<float>> create, ReferenceNetwork reference)
            => [name, new FloatFactory(create), reference];

        [Theory]
        [MemberData(nameof(FloatCases))]
        public void Float_gradients_match_finite_differences_at_every_block_shape(string name, FloatFactory factory, ReferenceNetwork reference)
        {
            foreach (int samples in FloatBatchSizes)
            {
                INetwork<float> network = factory.Create();
                var random = new Random(samples);
                for (int i = 0; i < network.ParameterCount; i++)
                {
                    network.Parameters[i] = (float)(random.NextDouble() - 0.5);
                }

                (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(reference, samples, seed: samples);
                float[] floatInputs = ToFloat(inputs), floatTargets = ToFloat(targets);
                inputs = ToDouble(floatInputs); // the reference sees exactly the float values
                targets = ToDouble(floatTargets);

                float loss = network.AccumulateGradients(floatInputs, floatTargets);

                double[] parameters = ToDouble(network.Parameters.ToArray());
                double expectedLoss = reference.SummedLoss(parameters, inputs, targets);
                Assert.True(Math.Abs(expectedLoss - loss) <= 1e-5 * Math.Abs(expectedLoss) + 1e-5, $"{name}, {samples} samples: loss {loss} against {expectedLoss}");
                AssertFloatGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, targets), network.Gradients.ToArray(), $"{name}, {samples} samples");
            }
        }

        [Fact]
        public void Float_label_overloads_match_one_hot_targets_at_every_block_shape()
        {
            var reference = new ReferenceNetwork(4, Loss.CrossEntropy, (16, Activation.ReLU, Slope), (3, Activation.Softmax, Slope));
            foreach (int samples in FloatBatchSizes)
            {
                var network = new FloatIrisNet();
                (double[] inputs, int[] labels, double[] oneHot) = LabelledBatch(reference, samples, seed: samples);
                float[] floatInputs = ToFloat(inputs);

                float loss = network.AccumulateGradients(floatInputs, labels);

                double[] parameters = ToDouble(network.Parameters.ToArray());
                double expectedLoss = reference.SummedLoss(parameters, ToDouble(floatInputs), oneHot);
                Assert.True(Math.Abs(expectedLoss - loss) <= 1e-5 * expectedLoss, $"{samples} samples: loss {loss} against {expectedLoss}");
                AssertFloatGradientsAgree(reference.FiniteDifferenceGradient(parameters, ToDouble(floatInputs), oneHot), network.Gradients.ToArray(), $"{samples} samples");
            }
        }

        [Fact]
        public void A_lane_step_is_one_Adam_step_on_the_mean_gradient_and_leaves_the_gradient_clear()
        {
            // TrainBatch through the lanes, then the same Adam step by hand from the reference gradient.
            var reference = new ReferenceNetwork(4, Loss.CrossEntropy, (16, Activation.ReLU, Slope), (3, Activation.Softmax, Slope));
            var network = new FloatIrisNet();
            (double[] inputs, int[] labels, double[] oneHot) = LabelledBatch(reference, 13, seed: 3);
            float[] floatInputs = ToFloat(inputs);
            double[] theta = ToDouble(network.Parameters.ToArray());

            network.TrainBatch(floatInputs, labels);

            double[] gradient = reference.FiniteDifferenceGradient(theta, ToDouble(floatInputs), oneHot);
            for (int i = 0; i < theta.Length; i++)
            {
                // Adam's first step: m̂ = g, v̂ = g², so θ moves by α·g/(|g| + ε) = ±α for every gradient well above ε.
                double g = gradient[i] / 13;
                double expected = theta[i] - 0.01 * g / (Math.Abs(g) + 1e-8);
                Assert.True(Math.Abs(expected - network.Parameters[i]) <= 1e-4 * 0.01 + 1e-6, $"parameter {i}: expected {expected}, got {network.Parameters[i]}");
                Assert.Equal(0f, network.Gradients[i]);
            }
        }

        [Theory]
        [InlineData(2)]
        [InlineData(8)]
        [InlineData(9)]
        [InlineData(15)]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(33)]
        public void The_lane_pass_matches_the_per_sample_code_sample_by_sample(int samples)
        {
            // One sample at a time runs the per-sample code on every path; the batch runs in whichever lanes the path takes.
            var reference = new ReferenceNetwork(4, Loss.CrossEntropy, (16, Activation.ReLU, Slope), (3, Activation.Softmax, Slope));
            (double[] inputs, int[] labels, _) = LabelledBatch(reference, samples, seed: 40 + samples);
            float[] floatInputs = ToFloat(inputs);
            var batch = new FloatIrisNet();
            var single = new FloatIrisNet();
            batch.Parameters.CopyTo(single.Parameters);

            float loss = batch.AccumulateGradients(floatInputs, labels);
            double singleLoss = 0;
            for (int s = 0; s < samples; s++)
            {
                singleLoss += single.AccumulateGradients(floatInputs.AsSpan(s * 4, 4), labels.AsSpan(s, 1));
            }

            Assert.True(Math.Abs(singleLoss - loss) <= 1e-5 * Math.Abs(singleLoss), $"loss {loss} against {singleLoss}");
            float[] expected = single.Gradients.ToArray(), actual = batch.Gradients.ToArray();
            double scale = expected.Max(value => Math.Abs((double)value));
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"parameter {i}: per sample {expected[i]:R}, lanes {actual[i]:R}");
            }
        }

        /// <summary>The generated Vector512 lane pass of FloatIrisNet's label overload, called directly.</summary>
        private delegate float LabelLanes(ReadOnlySpan<float> parameters, Span<float> gradients, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int rows);

        [Theory]
        [InlineData(9)]
        [InlineData(17)]
        [InlineData(48)]
        public void On_the_512_path_a_pass_of_more_than_eight_floats_runs_RunLanes512_whatever_the_hardware(int samples)
        {
            // Only the 512 path takes it: this run where the machine accelerates Vector512, and the child runs that force
            // it (InstructionSetTests, and the one below without AVX-512). The lane sums of RunLanes512 differ from
            // RunLanes's in their order, so equality to the bit says which pass ran.
            if (KernelPaths.VectorWidth != 512)
            {
                return;
            }

            Type lanes = typeof(FloatIrisNet).Assembly.GetTypes()
                .Single(type => type.Namespace == "NetGen.Generated" && type.Name.EndsWith("__FloatIrisNetLanes", StringComparison.Ordinal));
            var direct = lanes.GetMethod("RunLanes512", [typeof(ReadOnlySpan<float>), typeof(Span<float>), typeof(ReadOnlySpan<float>), typeof(ReadOnlySpan<int>), typeof(int)])!
                .CreateDelegate<LabelLanes>();
            var reference = new ReferenceNetwork(4, Loss.CrossEntropy, (16, Activation.ReLU, Slope), (3, Activation.Softmax, Slope));
            (double[] inputs, int[] labels, _) = LabelledBatch(reference, samples, seed: 60 + samples);
            float[] floatInputs = ToFloat(inputs);
            var network = new FloatIrisNet();
            float[] gradients = new float[FloatIrisNet.ParameterCount];

            float expected = direct(network.Parameters.ToArray(), gradients, floatInputs, labels, samples);
            float loss = network.AccumulateGradients(floatInputs, labels);

            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(loss));
            Assert.Equal(gradients, network.Gradients.ToArray());
        }

        [Fact]
        public async Task The_lane_tests_pass_on_a_forced_512_path_without_AVX512()
        {
            // InstructionSetTests forces the 512 path, which on this machine has AVX-512; here the runtime is also told to
            // ignore AVX-512, so RunLanes512 runs through Vector512's software fallback. Only from a run that neither
            // forces a path nor lacks AVX-512, so that the child (which does both) does not start another.
            if (Environment.GetEnvironmentVariable(KernelPaths.VectorWidthVariable) is not null || !Avx512F.IsSupported)
            {
                return;
            }

            await ChildTestRun.RequirePassesAsync(
                "FullyQualifiedName~NetGen.Tests.LaneTests|FullyQualifiedName~NetGen.Tests.LaneKernelTests",
                new Dictionary<string, string>
                {
                    [KernelPaths.VectorWidthVariable] = "512",
                    ["DOTNET_EnableAVX512"] = "0", // .NET 10's switch for the whole of AVX-512 (DOTNET_EnableAVX512F no longer is)
                },
                minimumPassed: 30, TimeSpan.FromMinutes(3), "NETGEN_VECTOR_WIDTH=512 without AVX-512");
        }

        internal static void AssertFloatGradientsAgree(double[] expected, float[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < expected.Length; i++)
            {
                double difference = Math.Abs(expected[i] - actual[i]);
                Assert.True(difference <= 1e-4 * Math.Abs(expected[i]) + 1e-5 * scale, $"{what}, parameter {i}: finite differences give {expected[i]:R}, the network {actual[i]:R}");
            }

            Assert.Contains(actual, value => value != 0);
        }

        private static (double[] Inputs, int[] Labels, double[] OneHot) LabelledBatch(ReferenceNetwork reference, int samples, int seed)
        {
            var random = new Random(seed);
            double[] inputs = GradientCheckTests.RandomValues(random, samples * reference.Inputs);
            int[] labels = new int[samples];
            double[] oneHot = new double[samples * reference.Outputs];
            for (int s = 0; s < samples; s++)
            {
                labels[s] = random.Next(reference.Outputs);
                oneHot[s * reference.Outputs + labels[s]] = 1;
            }

            return (inputs, labels, oneHot);
        }

        private static float[] ToFloat(double[] values) => Array.ConvertAll(values, value => (float)value);

        private static double[] ToDouble(float[] values) => Array.ConvertAll(values, value => (double)value);

        /// <summary>Wraps a constructor so xunit shows a readable case name rather than a delegate.</summary>
        public sealed class FloatFactory(Func<INetwork<float>> create)
        {
            public INetwork<float> Create() => create();

            public override string ToString() => "network";
        }
    }

    /// <summary>LaneKernels' vector functions against System.Math, lane by lane, and its argument checks.</summary>
    public sealed class LaneKernelTests
    {
        private static readonly double[] Arguments = [-100, -30, -10, -2.5, -1, -0.3, -1e-6, -1e-30, 0, 1e-30, 1e-6, 0.3, 1, 2.5, 10, 30, 100];

        [Fact]
        public void Exp_and_log_match_System_Math_over_the_whole_range()
        {
            // Random arguments over every binade, the ends of the ranges, and the special values.
            var random = new Random(5);
            var doubles = new List<double> { 0, -0.0, 1, -1, 709.78, 709.79, -745.1, -745.2, -708.4, -720, 1e-310, 5e-324, 2.2250738585072014e-308, double.MaxValue, double.Epsilon, double.PositiveInfinity, double.NegativeInfinity, double.NaN };
            var floats = new List<float> { 0, -0f, 1, -1, 88.72f, 88.73f, -87.3f, -100f, -103.9f, -104f, 1e-40f, 1.17549435e-38f, float.MaxValue, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.NaN };
            for (int i = 0; i < 4000; i++)
            {
                doubles.Add((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-60, 11)));
                floats.Add((float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-30, 8))));
                doubles.Add(Math.Exp(random.NextDouble() * 1400 - 700)); // positive, for the logarithm
                floats.Add((float)Math.Exp(random.NextDouble() * 170 - 85));
            }

            foreach (double x in doubles)
            {
                AssertUlps(Math.Exp(x), LaneKernels.Exp(Vector256.Create(x)).GetElement(2), 2, $"exp({x:R})");
                AssertUlps(Math.Log(x), LaneKernels.Log(Vector256.Create(x)).GetElement(3), 2, $"ln({x:R})");
            }

            foreach (float x in floats)
            {
                AssertUlps(MathF.Exp(x), LaneKernels.Exp(Vector256.Create(x)).GetElement(5), 2, $"exp({x:R})");
                AssertUlps(MathF.Log(x), LaneKernels.Log(Vector256.Create(x)).GetElement(6), 2, $"ln({x:R})");
            }
        }

        /// <summary>Equal up to <paramref name="ulps"/> units in the last place (of the expected value; subnormal results in absolute terms), or both NaN.</summary>
        private static void AssertUlps<T>(T expected, T actual, int ulps, string what) where T : System.Numerics.IFloatingPointIeee754<T>
        {
            if (T.IsNaN(expected) || T.IsInfinity(expected) || T.IsZero(expected))
            {
                Assert.True(expected.Equals(actual) || (T.IsZero(expected) && T.IsZero(actual)), $"{what}: expected {expected:R}, got {actual:R}");
                return;
            }

            T unit = T.Max(T.BitIncrement(T.Abs(expected)) - T.Abs(expected), T.Epsilon);
            T error = T.Abs(expected - actual);
            Assert.True(error <= T.CreateTruncating(ulps) * unit, $"{what}: expected {expected:R}, got {actual:R} ({error / unit:F1} ulp)");
        }

        [Fact]
        public void Vector_functions_match_the_scalar_ones_in_double()
        {
            foreach (double x in Arguments)
            {
                Vector256<double> v = Vector256.Create(x);
                AssertClose(Math.Exp(x), LaneKernels.Exp(v).GetElement(0), 1e-15, $"exp({x})");
                AssertClose(Math.Tanh(x), LaneKernels.Tanh(v).GetElement(0), 1e-15, $"tanh({x})");
                AssertClose(1 / (1 + Math.Exp(-x)), LaneKernels.Sigmoid(v).GetElement(0), 1e-15, $"σ({x})");
                AssertClose(Math.Max(x, 0) - 0.3 * x + LogOnePlus(Math.Exp(-Math.Abs(x))), LaneKernels.BinaryCrossEntropyWithLogits(v, Vector256.Create(0.3)).GetElement(0), 1e-15, $"bce({x})");
                AssertClose(Math.Max(x, 0) - x + LogOnePlus(Math.Exp(-Math.Abs(x))), LaneKernels.BinaryCrossEntropyWithLogits(v, Vector256.Create(1.0)).GetElement(0), 1e-15, $"bce({x}, 1)");
                if (x > 0)
                {
                    AssertClose(Math.Log(x), LaneKernels.Log(v).GetElement(0), 1e-15, $"ln({x})");
                }
            }
        }

        [Fact]
        public void Vector_functions_match_the_scalar_ones_in_float()
        {
            foreach (double argument in Arguments)
            {
                float x = (float)argument;
                Vector256<float> v = Vector256.Create(x);
                AssertClose((float)Math.Exp(x), LaneKernels.Exp(v).GetElement(7), 1e-6, $"exp({x})"); // +∞ beyond float's range
                AssertClose(Math.Tanh(x), LaneKernels.Tanh(v).GetElement(7), 1e-6, $"tanh({x})");
                AssertClose(1 / (1 + Math.Exp(-x)), LaneKernels.Sigmoid(v).GetElement(7), 1e-6, $"σ({x})");
                if (x > 0)
                {
                    AssertClose(Math.Log(x), LaneKernels.Log(v).GetElement(7), 1e-6, $"ln({x})");
                }
            }
        }

        [Fact]
        public void Activations_and_their_derivatives_are_those_of_the_per_sample_code_and_the_span_kernels()
        {
            Vector256<float> z = Vector256.Create(-2f, -0f, 0f, 1e-30f, 3f, float.NaN, -1e-30f, 0.5f);
            Vector256<float> gradient = Vector256.Create(10f);
            for (int lane = 0; lane < 8; lane++)
            {
                // As the span kernels and the unrolled code compute them: only z < 0 becomes 0, and a NaN passes on.
                float value = z.GetElement(lane);
                Assert.Equal(value < 0 ? 0 : value, LaneKernels.ReLU(z).GetElement(lane));
                Assert.Equal(value > 0 ? value : 0.1f * value, LaneKernels.LeakyReLU(z, 0.1f).GetElement(lane));
                Assert.Equal(value > 0 ? 10f : float.IsNaN(value) ? value : 0f, LaneKernels.ReLUBackward(z, gradient).GetElement(lane));
                Assert.Equal(value > 0 ? 10f : float.IsNaN(value) ? value : 1f, LaneKernels.LeakyReLUBackward(z, gradient, 0.1f).GetElement(lane));
            }

            Vector256<float> y = Vector256.Create(0.25f);
            Assert.Equal(10f * 0.25f * 0.75f, LaneKernels.SigmoidBackward(y, gradient).GetElement(3));
            Assert.Equal(10f * (1 - 0.0625f), LaneKernels.TanhBackward(y, gradient).GetElement(3));
        }

        [Fact]
        public void Columns_labels_and_masks_fill_only_the_lanes_with_a_sample()
        {
            float[] rows = Enumerable.Range(0, 30).Select(i => (float)i).ToArray();
            Assert.Equal(Vector256.Create(1f, 4, 7, 10, 13, 16, 19, 22), LaneKernels.Column<float>(rows, 1, 3, 8));
            Assert.Equal(Vector256.Create(2f, 5, 8, 0, 0, 0, 0, 0), LaneKernels.Column<float>(rows, 2, 3, 3));
            Assert.Equal(Vector256.Create(29.0, 0, 0, 0), LaneKernels.Column<double>(rows.Select(v => (double)v).ToArray(), 29, 5, 1));
            Assert.Equal(Vector256.Create(3.0, 6, 9, 12), LaneKernels.Column<double>(rows.Select(v => (double)v).ToArray(), 3, 3, 4));

            Assert.Equal(Vector256.Create(2f, 0, 1, -1, -1, -1, -1, -1), LaneKernels.Labels<float>(new[] { 5, 2, 0, 1 }, 1, 3));
            Assert.Equal(Vector256.Create(0f, 1, 0, 0, 0, 0, 0, 0), LaneKernels.OneHot(LaneKernels.Labels<float>(new[] { 5, 2, 0, 1 }, 1, 3), 0));

            Assert.Equal(Vector256.Create(-1, -1, -1, 0, 0, 0, 0, 0), LaneKernels.Mask<float>(3).AsInt32());
            Assert.Equal(Vector256.Create(-1L, -1, -1, -1), LaneKernels.Mask<double>(4).AsInt64());
        }

        [Theory]
        [InlineData(0, 3, 8)] // last lane at 21 < 30: fits; the cases below do not
        [InlineData(8, 3, 8)]
        [InlineData(0, 3, 9)]
        [InlineData(0, 3, 0)]
        [InlineData(-1, 1, 2)]
        [InlineData(29, 1, 2)]
        public void Column_rejects_lanes_outside_the_span(int first, int stride, int lanes)
        {
            float[] rows = new float[30];
            bool fits = first >= 0 && lanes is >= 1 and <= 8 && first + (lanes - 1) * stride < rows.Length;
            if (fits)
            {
                LaneKernels.Column<float>(rows, first, stride, lanes);
            }
            else
            {
                Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.Column<float>(rows, first, stride, lanes));
                Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.Labels<float>(new int[first + lanes - 1 < 0 ? 0 : first + lanes - 1], first, lanes));
            }
        }

        [Fact]
        public void Lane_sums_add_each_vector_into_its_own_destination()
        {
            var vectors = Enumerable.Range(0, 8).Select(k => Vector256.Create(k + 1f, 10 * k, 0.5f, -1, 2, 3, 4, 100 * k)).ToArray();
            float[] destination = Enumerable.Range(0, 10).Select(i => 1000f * i).ToArray();

            LaneKernels.AddLaneSums(destination.AsSpan(1, 8), vectors[0], vectors[1], vectors[2], vectors[3], vectors[4], vectors[5], vectors[6], vectors[7]);
            LaneKernels.AddLaneSums(destination.AsSpan(9, 1), vectors[5], default, default, default, default, default, default, default);

            Assert.Equal(0f, destination[0]);
            for (int k = 0; k < 8; k++)
            {
                Assert.Equal(1000f * (k + 1) + Vector256.Sum(vectors[k]), destination[k + 1]);
            }

            Assert.Equal(9000f + Vector256.Sum(vectors[5]), destination[9]);

            double[] doubles = [1, 2, 3, 4, 5];
            LaneKernels.AddLaneSums(doubles.AsSpan(1, 3), Vector256.Create(1.0, 2, 3, 4), Vector256.Create(0.5), Vector256.Create(-1.0, 0, 0, 1), default);
            Assert.Equal([1, 12, 5, 4, 5], doubles);
            Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.AddLaneSums(new double[5], default, default, default, default));
        }

        [Fact]
        public void Vector512_functions_and_activations_match_the_scalar_ones_lane_by_lane()
        {
            // Every lane its own argument, so that a lane mixed up with another shows.
            var random = new Random(12);
            for (int round = 0; round < 50; round++)
            {
                double[] values = Enumerable.Range(0, 16).Select(_ => Arguments[random.Next(Arguments.Length)] * (0.5 + random.NextDouble())).ToArray();
                float[] floats = Array.ConvertAll(values, v => (float)v);
                Vector512<double> vd = Vector512.Create(values.AsSpan(0, 8));
                Vector512<float> vf = Vector512.Create(floats.AsSpan());
                Vector512<double> td = Vector512.Create(0.3), gd = Vector512.Create(10.0);
                Vector512<float> gf = Vector512.Create(10f);
                for (int lane = 0; lane < 16; lane++)
                {
                    float x = floats[lane];
                    AssertClose((float)Math.Exp(x), LaneKernels.Exp(vf).GetElement(lane), 1e-6, $"exp({x})");
                    AssertClose(Math.Tanh(x), LaneKernels.Tanh(vf).GetElement(lane), 1e-6, $"tanh({x})");
                    AssertClose(1 / (1 + Math.Exp(-x)), LaneKernels.Sigmoid(vf).GetElement(lane), 1e-6, $"σ({x})");
                    AssertClose(Math.Max(x, 0) - x + LogOnePlus(Math.Exp(-Math.Abs(x))), LaneKernels.BinaryCrossEntropyWithLogits(vf, Vector512<float>.One).GetElement(lane), 1e-6, $"bce({x})");
                    if (x > 0)
                    {
                        AssertClose(Math.Log(x), LaneKernels.Log(vf).GetElement(lane), 1e-6, $"ln({x})");
                    }

                    Assert.Equal(x < 0 ? 0 : x, LaneKernels.ReLU(vf).GetElement(lane));
                    Assert.Equal(x > 0 ? x : 0.1f * x, LaneKernels.LeakyReLU(vf, 0.1f).GetElement(lane));
                    Assert.Equal(x > 0 ? 10f : 0f, LaneKernels.ReLUBackward(vf, gf).GetElement(lane));
                    Assert.Equal(x > 0 ? 10f : 1f, LaneKernels.LeakyReLUBackward(vf, gf, 0.1f).GetElement(lane));
                    Assert.Equal(10f * x * (1 - x), LaneKernels.SigmoidBackward(vf, gf).GetElement(lane));
                    Assert.Equal(10f * (1 - x * x), LaneKernels.TanhBackward(vf, gf).GetElement(lane));
                    Assert.Equal(Math.Max(x, floats[15 - lane]), LaneKernels.Max(vf, Vector512.Create(Enumerable.Reverse(floats).ToArray().AsSpan())).GetElement(lane));
                }

                for (int lane = 0; lane < 8; lane++)
                {
                    double x = values[lane];
                    AssertClose(Math.Exp(x), LaneKernels.Exp(vd).GetElement(lane), 1e-15, $"exp({x})");
                    AssertClose(Math.Tanh(x), LaneKernels.Tanh(vd).GetElement(lane), 1e-15, $"tanh({x})");
                    AssertClose(1 / (1 + Math.Exp(-x)), LaneKernels.Sigmoid(vd).GetElement(lane), 1e-15, $"σ({x})");
                    AssertClose(Math.Max(x, 0) - 0.3 * x + LogOnePlus(Math.Exp(-Math.Abs(x))), LaneKernels.BinaryCrossEntropyWithLogits(vd, td).GetElement(lane), 1e-15, $"bce({x})");
                    if (x > 0)
                    {
                        AssertClose(Math.Log(x), LaneKernels.Log(vd).GetElement(lane), 1e-15, $"ln({x})");
                    }

                    Assert.Equal(x < 0 ? 0 : x, LaneKernels.ReLU(vd).GetElement(lane));
                    Assert.Equal(x > 0 ? 10.0 : 0.0, LaneKernels.ReLUBackward(vd, gd).GetElement(lane));
                    Assert.Equal(10 * x * (1 - x), LaneKernels.SigmoidBackward(vd, gd).GetElement(lane));
                    Assert.Equal(10 * (1 - x * x), LaneKernels.TanhBackward(vd, gd).GetElement(lane));
                }

                Assert.Equal(floats.Sum(), LaneKernels.Sum(vf), 1e-3f * floats.Sum(Math.Abs) + 1e-6f);
            }

            Vector512<float> nan = Vector512.Create(float.NaN);
            Assert.True(float.IsNaN(LaneKernels.ReLU(nan).GetElement(9)));
            Assert.True(float.IsNaN(LaneKernels.ReLUBackward(nan, Vector512<float>.One).GetElement(9)));
        }

        [Fact]
        public void Vector512_columns_labels_and_masks_fill_only_the_lanes_with_a_sample()
        {
            float[] rows = Enumerable.Range(0, 60).Select(i => (float)i).ToArray();
            double[] doubles = rows.Select(v => (double)v).ToArray();
            for (int lanes = 1; lanes <= 16; lanes++)
            {
                Vector512<float> column = LaneKernels.Column512<float>(rows, 2, 3, lanes);
                Vector512<float> label = LaneKernels.Labels512<float>(Enumerable.Range(0, 20).Select(i => i % 3).ToArray(), 1, lanes);
                Vector512<float> mask = LaneKernels.Mask512<float>(lanes);
                for (int lane = 0; lane < 16; lane++)
                {
                    Assert.Equal(lane < lanes ? 2 + 3 * lane : 0, column.GetElement(lane));
                    Assert.Equal(lane < lanes ? (1 + lane) % 3 : -1, label.GetElement(lane));
                    Assert.Equal(lane < lanes && (1 + lane) % 3 == 2 ? 1f : 0f, LaneKernels.OneHot(label, 2).GetElement(lane));
                    Assert.Equal(lane < lanes ? -1 : 0, mask.AsInt32().GetElement(lane));
                }
            }

            for (int lanes = 1; lanes <= 8; lanes++)
            {
                Vector512<double> column = LaneKernels.Column512<double>(doubles, 5, 7, lanes);
                Vector512<double> label = LaneKernels.Labels512<double>(new[] { 4, 2, 0, 1, 3, 2, 1, 0, 4 }, 1, lanes);
                for (int lane = 0; lane < 8; lane++)
                {
                    Assert.Equal(lane < lanes ? 5 + 7 * lane : 0, column.GetElement(lane));
                    Assert.Equal(lane < lanes ? new[] { 2, 0, 1, 3, 2, 1, 0, 4 }[lane] : -1, label.GetElement(lane));
                    Assert.Equal(lane < lanes ? -1L : 0, LaneKernels.Mask512<double>(lanes).AsInt64().GetElement(lane));
                }
            }

            Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.Column512<float>(rows, 0, 3, 17));
            Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.Column512<float>(rows, 0, 3, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.Column512<double>(doubles, 0, 1, 9));
            Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.Labels512<float>(new int[15], 0, 16));
        }

        [Fact]
        public void Vector512_lane_sums_add_each_vector_into_its_own_destination()
        {
            var vectors = Enumerable.Range(0, 16).Select(k => Vector512.Create(Enumerable.Range(0, 16).Select(j => (float)(k * 16 + j) * (j % 2 == 0 ? 1 : -0.5f)).ToArray().AsSpan())).ToArray();
            float[] destination = Enumerable.Range(0, 18).Select(i => 1000f * i).ToArray();
            LaneKernels.AddLaneSums(destination.AsSpan(1, 16), vectors[0], vectors[1], vectors[2], vectors[3], vectors[4], vectors[5], vectors[6], vectors[7],
                vectors[8], vectors[9], vectors[10], vectors[11], vectors[12], vectors[13], vectors[14], vectors[15]);
            LaneKernels.AddLaneSums(destination.AsSpan(17, 1), vectors[5], default, default, default, default, default, default, default,
                default, default, default, default, default, default, default, default);
            Assert.Equal(0f, destination[0]);
            for (int k = 0; k < 16; k++)
            {
                Assert.Equal(1000f * (k + 1) + Vector512.Sum(vectors[k]), destination[k + 1]);
            }

            Assert.Equal(17000f + Vector512.Sum(vectors[5]), destination[17]);

            var doubleVectors = Enumerable.Range(0, 8).Select(k => Vector512.Create(Enumerable.Range(0, 8).Select(j => k * 8.0 + j * j).ToArray().AsSpan())).ToArray();
            double[] doubles = new double[10];
            LaneKernels.AddLaneSums(doubles.AsSpan(1, 7), doubleVectors[0], doubleVectors[1], doubleVectors[2], doubleVectors[3], doubleVectors[4], doubleVectors[5], doubleVectors[6], doubleVectors[7]);
            for (int k = 0; k < 7; k++)
            {
                Assert.Equal(Vector512.Sum(doubleVectors[k]), doubles[k + 1]);
            }

            Assert.Equal(0.0, doubles[8]);
            Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.AddLaneSums(new double[9], default, default, default, default, default, default, default, default));
        }

        /// <summary>
        /// RunLanes512's multiply-add on .NET 9 and later is Vector512.FusedMultiplyAdd: AVX-512F's instruction where
        /// Vector512 is accelerated, a software fallback elsewhere. Both must round once, as Math(F).FusedMultiplyAdd
        /// does, for the pass to compute the same on every machine: checked on every triple of special values (NaN only
        /// as NaN, since which operand's payload a NaN carries may differ), and on one where rounding twice gives 0.
        /// </summary>
        [Fact]
        public void Vector512_fused_multiply_add_rounds_once_as_MathF_FusedMultiplyAdd_does()
        {
            float[] values =
            [
                0f, -0f, 1f, -1f, 0.1f, -3.5f, 1f + MathF.Pow(2, -13), 1f - MathF.Pow(2, -13), float.Epsilon, -float.Epsilon,
                1.17549435e-38f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
            ];
            var a = new List<float>();
            var b = new List<float>();
            var c = new List<float>();
            foreach (float x in values)
            {
                foreach (float y in values)
                {
                    foreach (float z in values)
                    {
                        a.Add(x);
                        b.Add(y);
                        c.Add(z);
                    }
                }
            }

            for (int start = 0; start < a.Count; start += Vector512<float>.Count)
            {
                Vector512<float> fused = Vector512.FusedMultiplyAdd(
                    Vector512.Create(a.GetRange(start, 16).ToArray()), Vector512.Create(b.GetRange(start, 16).ToArray()), Vector512.Create(c.GetRange(start, 16).ToArray()));
                for (int lane = 0; lane < Vector512<float>.Count; lane++)
                {
                    float expected = MathF.FusedMultiplyAdd(a[start + lane], b[start + lane], c[start + lane]);
                    float actual = fused.GetElement(lane);
                    Assert.True(
                        float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                        $"{a[start + lane]:R}·{b[start + lane]:R} + {c[start + lane]:R}: expected {expected:R}, got {actual:R}");
                }
            }

            // (1 + 2⁻¹³)(1 − 2⁻¹³) − 1 = −2⁻²⁶ exactly; the product rounded first is 1, and the sum 0.
            Vector512<float> once = Vector512.FusedMultiplyAdd(Vector512.Create(1f + MathF.Pow(2, -13)), Vector512.Create(1f - MathF.Pow(2, -13)), Vector512.Create(-1f));
            Assert.Equal(Vector512.Create(-MathF.Pow(2, -26)), once);
        }

        [Fact]
        public void Vector512_fused_multiply_add_rounds_once_as_Math_FusedMultiplyAdd_does_in_double()
        {
            double[] values =
            [
                0, -0.0, 1, -1, 0.1, 1 + Math.Pow(2, -27), 1 - Math.Pow(2, -27), double.Epsilon, 2.2250738585072014e-308,
                double.MaxValue, double.MinValue, double.PositiveInfinity, double.NegativeInfinity, double.NaN,
            ];
            Vector512<double>[] addends = [Vector512.Create(values.Take(8).ToArray()), Vector512.Create(values.Skip(6).ToArray())];
            foreach (double x in values)
            {
                foreach (double y in values)
                {
                    foreach (Vector512<double> addend in addends)
                    {
                        Vector512<double> fused = Vector512.FusedMultiplyAdd(Vector512.Create(x), Vector512.Create(y), addend);
                        for (int lane = 0; lane < Vector512<double>.Count; lane++)
                        {
                            double expected = Math.FusedMultiplyAdd(x, y, addend.GetElement(lane));
                            double actual = fused.GetElement(lane);
                            Assert.True(
                                double.IsNaN(expected) ? double.IsNaN(actual) : BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual),
                                $"{x:R}·{y:R} + {addend.GetElement(lane):R}: expected {expected:R}, got {actual:R}");
                        }
                    }
                }
            }

            // (1 + 2⁻²⁷)(1 − 2⁻²⁷) − 1 = −2⁻⁵⁴ exactly; the product rounded first is 1 (a tie, to even), and the sum 0.
            Vector512<double> once = Vector512.FusedMultiplyAdd(Vector512.Create(1 + Math.Pow(2, -27)), Vector512.Create(1 - Math.Pow(2, -27)), Vector512.Create(-1.0));
            Assert.Equal(Vector512.Create(-Math.Pow(2, -54)), once);
        }

        /// <summary>ln(1 + x), from its series where rounding 1 + x would lose digits: the reference for the small terms of the loss.</summary>
        private static double LogOnePlus(double x) => x < 1e-3 ? x * (1 - x * (1.0 / 2 - x * (1.0 / 3 - x * (1.0 / 4 - x / 5)))) : Math.Log(1 + x);

        /// <summary>Within <paramref name="relative"/> of the expected value, or within the smallest normal number of the type (float subnormals carry fewer digits).</summary>
        private static void AssertClose(double expected, double actual, double relative, string what)
            => Assert.True(
                expected == actual || Math.Abs(expected - actual) <= relative * Math.Abs(expected) + (relative < 1e-10 ? 1e-300 : 1.1754944e-38),
                $"{what}: expected {expected:R}, got {actual:R}");
    }
}

namespace NetGen.Tests.Lanes
{
    [Network(Inputs = 4, Loss = Loss.CrossEntropy)]
    [Dense(16, Activation.ReLU)]
    [Dense(3, Activation.Softmax)]
    [Adam(LearningRate = 0.01)]
    public partial class FloatIrisNet { }

    [Network(Inputs = 3, Loss = Loss.BinaryCrossEntropy)]
    [Dense(6, Activation.Tanh)]
    [Dense(2, Activation.Sigmoid)]
    public partial class FloatBceNet { }

    [Network(Inputs = 5)]
    [Dense(9, Activation.LeakyReLU, Slope = 0.2)]
    [Dense(7, Activation.Sigmoid)]
    [Dense(4, Activation.Softmax)]
    public partial class FloatMseNet { }
}
