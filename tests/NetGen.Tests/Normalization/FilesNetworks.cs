using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace NetGen.Tests.Normalization
{
    /// <summary>
    /// A hand-written network over any architecture of Dense (with or without bias), BatchNorm, LayerNorm and Dropout
    /// layers, for the runtime's side of those layers (files, ONNX, the trainer) independently of the generator. Predict
    /// is the evaluation-mode forward pass computed in double from the formulas (BatchNorm with the running statistics,
    /// LayerNorm over all of a sample's values with the biased variance, Dropout the identity). Its training is a
    /// stand-in: each TrainBatch call records its rows and moves every piece of state a real training call moves — the
    /// parameters (by amounts drawn from <see cref="RandomState"/>, as dropout masks are), the running statistics, each
    /// BatchNorm's count, the step count.
    /// </summary>
    internal sealed class StandInNormalizationNetwork<T> : INetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _parameters, _gradients, _optimizerState, _buffers;
        private readonly long[] _batchesTracked;
        private readonly ulong[] _randomState;

        public StandInNormalizationNetwork(NetworkArchitecture architecture)
        {
            Architecture = architecture;
            _parameters = new T[architecture.ParameterCount];
            _gradients = new T[architecture.ParameterCount];
            _optimizerState = new T[architecture.OptimizerStateNames.Count * architecture.ParameterCount];
            _buffers = new T[architecture.BufferCount];
            _batchesTracked = new long[architecture.BatchNormCount];
            _randomState = architecture.HasDropout ? new ulong[4] : [];
            InitializeParameters(ParameterInitializer.DefaultSeed);
        }

        /// <summary>
        /// When set, the TrainBatch call that brings OptimizerStep to this value writes NaN into the first running_var
        /// and returns a finite loss. Keyed to the step count, which Fit restores, so a replayed epoch poisons it again.
        /// </summary>
        public int? PoisonBufferAtStep { get; set; }

        /// <summary>The rows of every TrainBatch call, in order.</summary>
        public List<int> TrainBatchRows { get; } = new();

        /// <summary>The rows of every AccumulateGradients call, in order.</summary>
        public List<int> AccumulateRows { get; } = new();

        public int InputSize => Architecture.Inputs;

        public int OutputSize => Architecture.Layers[^1].Units;

        public int ParameterCount => _parameters.Length;

        public Span<T> Parameters => _parameters;

        public Span<T> Gradients => _gradients;

        public Span<T> OptimizerState => _optimizerState;

        public Span<T> Buffers => _buffers;

        public Span<long> BatchesTracked => _batchesTracked;

        public Span<ulong> RandomState => _randomState;

        public long OptimizerStep { get; set; }

        public double LearningRate { get; set; } = 0.01;

        public Loss Loss => Architecture.Loss;

        public NetworkArchitecture Architecture { get; }

        public void InitializeParameters(int seed)
        {
            ParameterInitializer.Initialize<T>(_parameters, Architecture, seed);
            ParameterInitializer.InitializeBuffers<T>(_buffers, Architecture);
            Array.Clear(_batchesTracked);
            Array.Clear(_optimizerState);
            OptimizerStep = 0;
            if (_randomState.Length > 0)
            {
                var seeded = new SeededRandom(seed ^ 0x5EED);
                for (int i = 0; i < _randomState.Length; i++)
                {
                    _randomState[i] = seeded.NextUInt64();
                }
            }
        }

        public void Predict(ReadOnlySpan<T> input, Span<T> output) => PredictBatch(input, output);

        public void PredictBatch(ReadOnlySpan<T> inputs, Span<T> outputs)
        {
            for (int row = 0; row * InputSize < inputs.Length; row++)
            {
                double[] y = Forward(inputs.Slice(row * InputSize, InputSize));
                for (int k = 0; k < y.Length; k++)
                {
                    outputs[row * OutputSize + k] = T.CreateTruncating(y[k]);
                }
            }
        }

        public T TrainStep(ReadOnlySpan<T> input, ReadOnlySpan<T> target) => TrainBatch(input, target);

        public T TrainBatch(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets)
        {
            int rows = inputs.Length / InputSize;
            TrainBatchRows.Add(rows);
            T loss = ComputeLoss(inputs, targets);
            double inputMean = 0;
            foreach (T value in inputs)
            {
                inputMean += double.CreateTruncating(value);
            }

            inputMean /= inputs.Length;
            int batchNorm = 0;
            foreach (LayerArchitecture layer in Architecture.Layers.Where(layer => layer.Kind == LayerKind.BatchNorm))
            {
                _batchesTracked[batchNorm++]++;
                Span<T> mean = _buffers.AsSpan(layer.Buffers[0].Offset, layer.Buffers[0].Size);
                Span<T> variance = _buffers.AsSpan(layer.Buffers[1].Offset, layer.Buffers[1].Size);
                for (int c = 0; c < mean.Length; c++)
                {
                    mean[c] = T.CreateTruncating(0.9 * double.CreateTruncating(mean[c]) + 0.1 * (inputMean + c));
                    variance[c] = T.CreateTruncating(0.9 * double.CreateTruncating(variance[c]) + 0.1 * (1 + 0.5 * c + 1.0 / rows));
                }
            }

            if (OptimizerStep + 1 == PoisonBufferAtStep)
            {
                _buffers[Architecture.Layers.First(layer => layer.Kind == LayerKind.BatchNorm).Buffers[1].Offset] = T.NaN;
            }

            for (int i = 0; i < _parameters.Length; i++)
            {
                double draw = _randomState.Length > 0 ? NextDouble() - 0.5 : 0.25;
                _parameters[i] -= T.CreateTruncating(LearningRate * (draw + 0.01 * inputMean));
            }

            OptimizerStep++;
            return loss;
        }

        public T AccumulateGradients(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets)
        {
            AccumulateRows.Add(inputs.Length / InputSize);
            return ComputeLoss(inputs, targets) * T.CreateTruncating(inputs.Length / InputSize);
        }

        public void ApplyGradients(int sampleCount) => OptimizerStep++;

        public void ZeroGradients() => Array.Clear(_gradients);

        /// <summary>The mean squared error of the evaluation-mode outputs.</summary>
        public T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets)
        {
            var outputs = new T[targets.Length];
            PredictBatch(inputs, outputs);
            double sum = 0;
            for (int i = 0; i < outputs.Length; i++)
            {
                double difference = double.CreateTruncating(outputs[i] - targets[i]);
                sum += difference * difference;
            }

            return T.CreateTruncating(sum / targets.Length);
        }

        /// <summary>The evaluation-mode forward pass of one sample, from the formulas, in double.</summary>
        private double[] Forward(ReadOnlySpan<T> input)
        {
            double[] x = new double[input.Length];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = double.CreateTruncating(input[i]);
            }

            foreach (LayerArchitecture layer in Architecture.Layers)
            {
                double[] y = new double[layer.Units];
                switch (layer.Kind)
                {
                    case LayerKind.Dense:
                        ParameterTensor weight = layer.Tensor("weight");
                        ParameterTensor? bias = layer.FindTensor("bias");
                        for (int u = 0; u < y.Length; u++)
                        {
                            double sum = bias is null ? 0 : Value(_parameters, bias.Offset + u);
                            for (int i = 0; i < x.Length; i++)
                            {
                                sum += Value(_parameters, weight.Offset + u * x.Length + i) * x[i];
                            }

                            y[u] = sum;
                        }

                        break;
                    case LayerKind.BatchNorm:
                        int channels = layer.InputShape[0], positions = x.Length / channels;
                        for (int c = 0; c < channels; c++)
                        {
                            double scale = Value(_parameters, layer.Tensor("weight").Offset + c)
                                / Math.Sqrt(Value(_buffers, layer.Buffers[1].Offset + c) + layer.Normalization!.Epsilon);
                            double mean = Value(_buffers, layer.Buffers[0].Offset + c), shift = Value(_parameters, layer.Tensor("bias").Offset + c);
                            for (int p = 0; p < positions; p++)
                            {
                                y[c * positions + p] = (x[c * positions + p] - mean) * scale + shift;
                            }
                        }

                        break;
                    case LayerKind.LayerNorm:
                        double average = x.Average();
                        double spread = x.Sum(value => (value - average) * (value - average)) / x.Length;
                        for (int i = 0; i < x.Length; i++)
                        {
                            y[i] = (x[i] - average) / Math.Sqrt(spread + layer.Normalization!.Epsilon) * Value(_parameters, layer.Tensor("weight").Offset + i)
                                + Value(_parameters, layer.Tensor("bias").Offset + i);
                        }

                        break;
                    case LayerKind.Dropout:
                        x.CopyTo(y, 0);
                        break;
                    default:
                        throw new NotSupportedException($"The stand-in does not compute {layer.Kind} layers.");
                }

                x = Activate(y, layer);
            }

            return x;
        }

        private static double[] Activate(double[] values, LayerArchitecture layer)
        {
            switch (layer.Activation)
            {
                case Activation.Softmax:
                    double max = values.Max();
                    double[] exponentials = values.Select(value => Math.Exp(value - max)).ToArray();
                    double total = exponentials.Sum();
                    return exponentials.Select(value => value / total).ToArray();
                default:
                    return values.Select(value => layer.Activation switch
                    {
                        Activation.ReLU => Math.Max(value, 0),
                        Activation.LeakyReLU => value > 0 ? value : layer.Slope * value,
                        Activation.Tanh => Math.Tanh(value),
                        Activation.Sigmoid => 1 / (1 + Math.Exp(-value)),
                        _ => value,
                    }).ToArray();
            }
        }

        private static double Value(T[] values, int index) => double.CreateTruncating(values[index]);

        /// <summary>xoshiro256** on <see cref="RandomState"/>, as the generated networks draw dropout masks.</summary>
        private double NextDouble()
        {
            ulong[] s = _randomState;
            ulong result = BitOperations.RotateLeft(s[1] * 5, 7) * 9;
            ulong t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = BitOperations.RotateLeft(s[3], 45);
            return (result >> 11) * (1.0 / (1UL << 53));
        }
    }

    /// <summary>Hand-built architectures for <see cref="StandInNormalizationNetwork{T}"/>, written as the generator describes its networks.</summary>
    internal static class StandInArchitectures
    {
        /// <summary>
        /// input [3] → 0 Dense(4, Bias = false) → 1 BatchNorm(ReLU) → 2 Dropout(0.25) → 3 LayerNorm(Tanh) → 4 Dense(2):
        /// parameters 0.weight [4, 3] at 0, 1.weight [4] at 12, 1.bias [4] at 16, 3.weight [4] at 20, 3.bias [4] at 24,
        /// 4.weight [2, 4] at 28, 4.bias [2] at 36; buffers 1.running_mean [4] at 0, 1.running_var [4] at 4.
        /// </summary>
        public static NetworkArchitecture Flat(Precision precision) => new(
            "FlatStandIn",
            [3],
            [
                new LayerArchitecture(LayerKind.Dense, [3], [4], Activation.Identity, [new ParameterTensor("weight", [4, 3], 0)]),
                new LayerArchitecture(
                    LayerKind.BatchNorm, [4], [4], Activation.ReLU, [new ParameterTensor("weight", [4], 12), new ParameterTensor("bias", [4], 16)],
                    buffers: [new ParameterTensor("running_mean", [4], 0), new ParameterTensor("running_var", [4], 4)],
                    normalization: new NormalizationArchitecture(0.1, 1e-5)),
                new LayerArchitecture(LayerKind.Dropout, [4], [4], Activation.Identity, [], dropoutRate: 0.25),
                new LayerArchitecture(
                    LayerKind.LayerNorm, [4], [4], Activation.Tanh, [new ParameterTensor("weight", [4], 20), new ParameterTensor("bias", [4], 24)],
                    normalization: new NormalizationArchitecture(0, 1e-5)),
                new LayerArchitecture(LayerKind.Dense, [4], [2], Activation.Identity, [new ParameterTensor("weight", [2, 4], 28), new ParameterTensor("bias", [2], 36)]),
            ],
            Loss.MeanSquaredError,
            precision,
            "Adam",
            ["first_moments", "second_moments"]);

        /// <summary>
        /// input [2, 3, 3] → 0 BatchNorm (per channel over 9 positions) → 1 LayerNorm(ReLU) over [2, 3, 3] → 2 Dense(3):
        /// the shaped forms of both normalisations without a convolution in the stand-in.
        /// </summary>
        public static NetworkArchitecture Shaped(Precision precision) => new(
            "ShapedStandIn",
            [2, 3, 3],
            [
                new LayerArchitecture(
                    LayerKind.BatchNorm, [2, 3, 3], [2, 3, 3], Activation.Identity, [new ParameterTensor("weight", [2], 0), new ParameterTensor("bias", [2], 2)],
                    buffers: [new ParameterTensor("running_mean", [2], 0), new ParameterTensor("running_var", [2], 2)],
                    normalization: new NormalizationArchitecture(0.1, 1e-5)),
                new LayerArchitecture(
                    LayerKind.LayerNorm, [2, 3, 3], [2, 3, 3], Activation.ReLU, [new ParameterTensor("weight", [2, 3, 3], 4), new ParameterTensor("bias", [2, 3, 3], 22)],
                    normalization: new NormalizationArchitecture(0, 1e-5)),
                new LayerArchitecture(LayerKind.Dense, [2, 3, 3], [3], Activation.Identity, [new ParameterTensor("weight", [3, 18], 40), new ParameterTensor("bias", [3], 94)]),
            ],
            Loss.MeanSquaredError,
            precision,
            "Sgd",
            []);

        /// <summary>input [3] → 0 Dense(4) → 1 BatchNorm(Tanh) → 2 Dropout(0.5) → 3 Dense(1): BatchNorm and Dropout without LayerNorm, so opset 13.</summary>
        public static NetworkArchitecture WithoutLayerNorm(Precision precision) => new(
            "BatchNormStandIn",
            [3],
            [
                new LayerArchitecture(LayerKind.Dense, [3], [4], Activation.Identity, [new ParameterTensor("weight", [4, 3], 0), new ParameterTensor("bias", [4], 12)]),
                new LayerArchitecture(
                    LayerKind.BatchNorm, [4], [4], Activation.Tanh, [new ParameterTensor("weight", [4], 16), new ParameterTensor("bias", [4], 20)],
                    buffers: [new ParameterTensor("running_mean", [4], 0), new ParameterTensor("running_var", [4], 4)],
                    normalization: new NormalizationArchitecture(0.1, 1e-3)),
                new LayerArchitecture(LayerKind.Dropout, [4], [4], Activation.Identity, [], dropoutRate: 0.5),
                new LayerArchitecture(LayerKind.Dense, [4], [1], Activation.Identity, [new ParameterTensor("weight", [1, 4], 24), new ParameterTensor("bias", [1], 28)]),
            ],
            Loss.MeanSquaredError,
            precision,
            "Sgd",
            []);
    }

    /// <summary>Dense layers with BatchNorm, Dropout and LayerNorm between them: the files and checkpoint tests' float network.</summary>
    [Network(Inputs = 6, Loss = Loss.CrossEntropy)]
    [Dense(8, Bias = false)]
    [BatchNorm(Activation.ReLU)]
    [Dropout(0.25)]
    [Dense(5)]
    [LayerNorm(Activation.Tanh)]
    [Dense(3, Activation.Softmax)]
    [Adam(LearningRate = 0.01)]
    public partial class NormFilesNet { }

    /// <summary>A convolution without bias, BatchNorm per channel, a pool, LayerNorm over [3, 3, 3]: the shaped files test, in double.</summary>
    [Network(InputShape = new[] { 1, 6, 6 }, Precision = Precision.Double)]
    [Conv2D(3, 3, Padding = 1, Bias = false)]
    [BatchNorm(Activation.ReLU, Momentum = 0.2)]
    [MaxPool2D(2)]
    [LayerNorm]
    [Dense(2)]
    public partial class NormConvFilesNet { }

    [Network(Inputs = 5)]
    [Dense(6)]
    [BatchNorm(Activation.ReLU)]
    [Dense(2)]
    public partial class BatchNormDenseOnnxNet { }

    [Network(InputShape = new[] { 2, 5, 5 })]
    [Conv2D(3, 3, Bias = false)]
    [BatchNorm(Activation.Tanh)]
    [Dense(2)]
    public partial class BatchNormConvOnnxNet { }

    [Network(Inputs = 5)]
    [Dense(6)]
    [LayerNorm(Activation.Sigmoid)]
    [Dense(2)]
    public partial class LayerNormDenseOnnxNet { }

    [Network(InputShape = new[] { 2, 5, 5 })]
    [Conv2D(3, 3, Activation.ReLU, Padding = 1)]
    [LayerNorm(Activation.LeakyReLU, Slope = 0.1)]
    [Dense(2)]
    public partial class LayerNormConvOnnxNet { }

    [Network(Inputs = 5)]
    [Dense(6, Activation.Tanh)]
    [Dropout(0.5)]
    [Dense(2)]
    public partial class DropoutOnnxNet { }

    /// <summary>BatchNorm after a Dense layer, plain SGD, for Fit's batches.</summary>
    [Network(Inputs = 3)]
    [Dense(4)]
    [BatchNorm(Activation.Tanh)]
    [Dense(1)]
    [Sgd(LearningRate = 0.05)]
    public partial class BatchNormFitNet { }
}
