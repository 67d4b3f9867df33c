using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace NetGen.Tests
{
    /// <summary>
    /// A network is not thread-safe (it owns its buffers: concurrent Predict calls on one instance gave wrong outputs);
    /// its Predictor is. Eight threads share one predictor and predict the same samples at once; every output must equal
    /// the network's own single-threaded prediction exactly.
    /// </summary>
    public sealed class PredictorTests
    {
        [Fact]
        public void Eight_threads_sharing_one_predictor_get_the_single_threaded_outputs()
        {
            var network = new PredictorDigitsNet();
            network.InitializeParameters(5);
            (float[] inputs, float[] expected) = Expected(network, PredictorDigitsNet.InputSize, PredictorDigitsNet.OutputSize, samples: 40);
            var expectedBatch = new float[expected.Length]; // a batch runs the GEMM, which sums in another order than one sample
            network.PredictBatch(inputs, expectedBatch);
            using PredictorDigitsNet.Predictor predictor = network.CreatePredictor();

            int mismatches = 0;
            using var start = new Barrier(8);
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
            {
                var output = new float[PredictorDigitsNet.OutputSize];
                var batch = new float[expected.Length];
                start.SignalAndWait();
                for (int round = 0; round < 25; round++)
                {
                    int sample = (thread * 7 + round) % 40;
                    predictor.Predict(inputs.AsSpan(sample * PredictorDigitsNet.InputSize, PredictorDigitsNet.InputSize), output);
                    if (!output.AsSpan().SequenceEqual(expected.AsSpan(sample * PredictorDigitsNet.OutputSize, PredictorDigitsNet.OutputSize)))
                    {
                        Interlocked.Increment(ref mismatches);
                    }

                    if (round % 5 == 0)
                    {
                        predictor.PredictBatch(inputs, batch);
                        if (!batch.AsSpan().SequenceEqual(expectedBatch))
                        {
                            Interlocked.Increment(ref mismatches);
                        }
                    }
                }
            });

            Assert.Equal(0, mismatches);
        }

        [Fact]
        public void A_convolutional_predictor_gives_Predict_s_outputs_on_several_threads()
        {
            var network = new Convolution.Conv2DStackFloatNet();
            network.InitializeParameters(2);
            (float[] inputs, _) = Expected(network, Convolution.Conv2DStackFloatNet.InputSize, Convolution.Conv2DStackFloatNet.OutputSize, samples: 6);
            var expected = new float[6 * Convolution.Conv2DStackFloatNet.OutputSize];
            network.PredictBatch(inputs, expected);
            using var predictor = network.CreatePredictor();

            float[][] results = new float[4][];
            Parallel.For(0, 4, thread =>
            {
                results[thread] = new float[expected.Length];
                predictor.PredictBatch(inputs, results[thread]);
            });

            Assert.All(results, result => Assert.Equal(expected, result));
        }

        [Fact]
        public void A_predictor_reads_the_parameters_the_network_has_now_and_checks_its_arguments()
        {
            var network = new PredictorDigitsNet();
            var predictor = network.CreatePredictor();
            var input = new float[PredictorDigitsNet.InputSize];
            input[3] = 1;
            var before = new float[PredictorDigitsNet.OutputSize];
            predictor.Predict(input, before);

            network.Parameters.Fill(0.001f);
            var after = new float[PredictorDigitsNet.OutputSize];
            predictor.Predict(input, after);
            var expected = new float[PredictorDigitsNet.OutputSize];
            network.Predict(input, expected);

            Assert.Equal(expected, after);
            Assert.NotEqual(before, after);
            Assert.Throws<ArgumentException>(() => predictor.Predict(new float[3], after));

            predictor.Dispose();
            Assert.Throws<ObjectDisposedException>(() => predictor.Predict(input, after));
        }

        private static (float[] Inputs, float[] Expected) Expected(INetwork<float> network, int inputSize, int outputSize, int samples)
        {
            var random = new Random(9);
            float[] inputs = Enumerable.Range(0, samples * inputSize).Select(_ => (float)random.NextDouble()).ToArray();
            var expected = new float[samples * outputSize];
            for (int sample = 0; sample < samples; sample++)
            {
                network.Predict(inputs.AsSpan(sample * inputSize, inputSize), expected.AsSpan(sample * outputSize, outputSize));
            }

            return (inputs, expected);
        }
    }
}

[NetGen.Network(Inputs = 784, Loss = NetGen.Loss.CrossEntropy)]
[NetGen.Dense(128, NetGen.Activation.ReLU)]
[NetGen.Dense(10, NetGen.Activation.Softmax)]
public partial class PredictorDigitsNet { }
