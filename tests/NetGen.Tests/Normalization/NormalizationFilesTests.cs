using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using NetGen.Serialization;
using Xunit;

namespace NetGen.Tests.Normalization
{
    /// <summary>
    /// Weights files and checkpoints of networks with BatchNorm, LayerNorm and Dropout: PyTorch's state-dict names and
    /// shapes (running_mean, running_var, num_batches_tracked as an I64 scalar), validation of the buffers before
    /// anything changes, checkpoints that carry the dropout generator, and files of other networks exactly as before.
    /// </summary>
    public sealed class NormalizationFilesTests
    {
        private static byte[] Saved(Action<Stream> save)
        {
            using var stream = new MemoryStream();
            save(stream);
            return stream.ToArray();
        }

        /// <summary>Reads a file, lets <paramref name="change"/> edit its tensors, and writes it back with the same metadata.</summary>
        private static byte[] Rewrite(byte[] file, Action<List<TensorEntry>> change)
        {
            (IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string> metadata) = Safetensors.Read(new MemoryStream(file));
            var edited = tensors.ToList();
            change(edited);
            using var stream = new MemoryStream();
            Safetensors.Write(stream, edited, metadata);
            return stream.ToArray();
        }

        private static void Replace(List<TensorEntry> tensors, string name, Func<TensorEntry, TensorEntry> change)
        {
            int index = tensors.FindIndex(tensor => tensor.Name == name);
            Assert.True(index >= 0, $"the file has {name}");
            tensors[index] = change(tensors[index]);
        }

        private static byte[] Float32(params float[] values)
        {
            var bytes = new byte[4 * values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            }

            return bytes;
        }

        private static byte[] Int64(params long[] values)
        {
            var bytes = new byte[8 * values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), values[i]);
            }

            return bytes;
        }

        /// <summary>A float stand-in of <see cref="StandInArchitectures.Flat"/> after a few training calls, so that no buffer holds its initial value.</summary>
        private static StandInNormalizationNetwork<float> TrainedFlatStandIn(int seed)
        {
            var network = new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single));
            network.InitializeParameters(seed);
            var random = new Random(seed);
            for (int step = 0; step < 3; step++)
            {
                float[] inputs = Enumerable.Range(0, 8 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                network.TrainBatch(inputs, new float[8 * 2]);
            }

            return network;
        }

        private static (float[] Parameters, float[] Buffers, long[] Counts, ulong[] Random, float[] Optimizer, long Step) StateOf(INetwork<float> network)
            => (network.Parameters.ToArray(), network.Buffers.ToArray(), network.BatchesTracked.ToArray(), network.RandomState.ToArray(),
                network.OptimizerState.ToArray(), network.OptimizerStep);

        private static void AssertSameState(INetwork<float> expected, INetwork<float> actual)
        {
            Assert.Equal(expected.Parameters.ToArray(), actual.Parameters.ToArray());
            Assert.Equal(expected.Buffers.ToArray(), actual.Buffers.ToArray());
            Assert.Equal(expected.BatchesTracked.ToArray(), actual.BatchesTracked.ToArray());
            Assert.Equal(expected.RandomState.ToArray(), actual.RandomState.ToArray());
            Assert.Equal(expected.OptimizerState.ToArray(), actual.OptimizerState.ToArray());
            Assert.Equal(expected.OptimizerStep, actual.OptimizerStep);
        }

        [Fact]
        public void A_network_without_the_new_layers_writes_byte_for_byte_the_files_it_wrote_before()
        {
            // The hashes of the files that NetworkFiles wrote, for this state, before BatchNorm, LayerNorm and Dropout
            // existed (commit 3afce40, through a network with the same arrays).
            var architecture = new NetworkArchitecture(
                "PlainNet",
                [4],
                [
                    new LayerArchitecture(LayerKind.Dense, [4], [8], Activation.ReLU, [new ParameterTensor("weight", [8, 4], 0), new ParameterTensor("bias", [8], 32)]),
                    new LayerArchitecture(LayerKind.Dense, [8], [3], Activation.Softmax, [new ParameterTensor("weight", [3, 8], 40), new ParameterTensor("bias", [3], 64)]),
                ],
                Loss.CrossEntropy,
                Precision.Single,
                "Adam",
                ["first_moments", "second_moments"]);
            var network = new StandInNormalizationNetwork<float>(architecture);
            for (int i = 0; i < network.ParameterCount; i++)
            {
                network.Parameters[i] = i * 0.125f - 1;
            }

            for (int i = 0; i < network.OptimizerState.Length; i++)
            {
                network.OptimizerState[i] = i * 0.5f;
            }

            network.OptimizerStep = 7;

            byte[] weights = Saved(stream => NetworkFiles.Save(network, stream));
            byte[] checkpoint = Saved(stream => NetworkFiles.SaveCheckpoint(network, stream, 3));

            Assert.Equal("7867C62FEE1B8A8E79BF0C92E1BCBA8E7A3A27B675CA596E65345E62561BCCDD", Convert.ToHexString(SHA256.HashData(weights)));
            Assert.Equal("2EB75F4CB32189EC3EB3A71779692D3706A469D4813FBAE0CE2874E3625B1937", Convert.ToHexString(SHA256.HashData(checkpoint)));
        }

        [Fact]
        public void A_weights_file_names_and_shapes_every_tensor_as_the_state_dict_of_the_same_PyTorch_layers()
        {
            // nn.ModuleList([nn.Linear(3, 4, bias=False), nn.BatchNorm1d(4), nn.Dropout(0.25), nn.LayerNorm(4), nn.Linear(4, 2)]).state_dict():
            // the dropout takes index 2 and owns nothing; num_batches_tracked is a 0-dimensional int64 tensor.
            (string Name, TensorType Type, long[] Shape)[] expected =
            [
                ("layers.0.weight", TensorType.F32, [4, 3]),
                ("layers.1.weight", TensorType.F32, [4]),
                ("layers.1.bias", TensorType.F32, [4]),
                ("layers.1.running_mean", TensorType.F32, [4]),
                ("layers.1.running_var", TensorType.F32, [4]),
                ("layers.1.num_batches_tracked", TensorType.I64, []),
                ("layers.3.weight", TensorType.F32, [4]),
                ("layers.3.bias", TensorType.F32, [4]),
                ("layers.4.weight", TensorType.F32, [2, 4]),
                ("layers.4.bias", TensorType.F32, [2]),
            ];
            StandInNormalizationNetwork<float> network = TrainedFlatStandIn(seed: 1);

            (IReadOnlyList<TensorEntry> tensors, _) = Safetensors.Read(new MemoryStream(Saved(stream => NetworkFiles.Save(network, stream))));

            Assert.Equal(expected.Select(entry => entry.Name), tensors.Select(tensor => tensor.Name));
            Assert.Equal(expected.Select(entry => entry.Type), tensors.Select(tensor => tensor.Type));
            Assert.Equal(expected.Select(entry => string.Join(",", entry.Shape)), tensors.Select(tensor => string.Join(",", tensor.Shape)));
            Assert.Equal(BitConverter.GetBytes(3L), tensors.Single(tensor => tensor.Name == "layers.1.num_batches_tracked").Data);
            Assert.Equal(Float32(network.Buffers[4..8].ToArray()), tensors.Single(tensor => tensor.Name == "layers.1.running_var").Data);
        }

        [Fact]
        public void The_metadata_records_each_layer_s_rate_momentum_epsilon_and_a_missing_bias()
        {
            var network = new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single));

            (_, IReadOnlyDictionary<string, string> metadata) = Safetensors.Read(new MemoryStream(Saved(stream => NetworkFiles.Save(network, stream))));

            Assert.Equal(
                "[{\"units\":4,\"activation\":\"Identity\",\"bias\":false},"
                + "{\"kind\":\"BatchNorm\",\"output\":\"4\",\"units\":4,\"activation\":\"ReLU\",\"momentum\":0.1,\"epsilon\":1E-05},"
                + "{\"kind\":\"Dropout\",\"output\":\"4\",\"units\":4,\"activation\":\"Identity\",\"rate\":0.25},"
                + "{\"kind\":\"LayerNorm\",\"output\":\"4\",\"units\":4,\"activation\":\"Tanh\",\"epsilon\":1E-05},"
                + "{\"units\":2,\"activation\":\"Identity\"}]",
                metadata["layers"]);
        }

        [Fact]
        public void A_file_of_a_network_with_another_epsilon_is_refused()
        {
            var network = new StandInNormalizationNetwork<double>(StandInArchitectures.WithoutLayerNorm(Precision.Double));
            NetworkArchitecture declared = StandInArchitectures.WithoutLayerNorm(Precision.Double);
            var other = new StandInNormalizationNetwork<double>(new NetworkArchitecture(
                declared.Name,
                declared.InputShape,
                declared.Layers.Select(layer => layer.Kind != LayerKind.BatchNorm ? layer : new LayerArchitecture(
                    layer.Kind, layer.InputShape, layer.OutputShape, layer.Activation, layer.Tensors, buffers: layer.Buffers, normalization: new NormalizationArchitecture(0.1, 1e-5))).ToList(),
                declared.Loss,
                declared.Precision,
                declared.Optimizer,
                declared.OptimizerStateNames));
            double[] before = network.Parameters.ToArray();

            var exception = Assert.Throws<NetGenFormatException>(() => NetworkFiles.Load(network, new MemoryStream(Saved(stream => NetworkFiles.Save(other, stream)))));

            Assert.Contains("\"epsilon\":1E-05", exception.Message);
            Assert.Equal(before, network.Parameters.ToArray());
        }

        [Fact]
        public void Save_then_Load_restores_parameters_running_statistics_and_batch_counts_bit_for_bit()
        {
            StandInNormalizationNetwork<float> source = TrainedFlatStandIn(seed: 2);
            var target = new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single));
            ulong[] targetRandom = target.RandomState.ToArray();
            Assert.NotEqual(source.Buffers.ToArray(), target.Buffers.ToArray());

            NetworkFiles.Load(target, new MemoryStream(Saved(stream => NetworkFiles.Save(source, stream))));

            Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
            Assert.Equal(source.Buffers.ToArray(), target.Buffers.ToArray());
            Assert.Equal([3L], target.BatchesTracked.ToArray());
            Assert.Equal(targetRandom, target.RandomState.ToArray()); // a weights file leaves the dropout generator alone
        }

        [Fact]
        public void A_weights_file_written_independently_in_PyTorch_s_layout_loads_into_the_right_places()
        {
            // By hand, sharing nothing with NetGen's writer, in the order safetensors.torch.save_file sorts a state dict.
            var network = new StandInNormalizationNetwork<float>(StandInArchitectures.WithoutLayerNorm(Precision.Single));
            float[] w0 = Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray(), b0 = [1, 2, 3, 4];
            float[] gamma = [0.5f, 1.5f, 2, 3], beta = [-1, 0, 1, 2], mean = [0.25f, -0.5f, 1, 0], variance = [1, 2, 0, 0.5f];
            float[] w3 = [4, 3, 2, 1], b3 = [9];
            var tensors = new List<TensorEntry>
            {
                new("layers.0.bias", TensorType.F32, [4], Float32(b0)),
                new("layers.0.weight", TensorType.F32, [4, 3], Float32(w0)),
                new("layers.1.bias", TensorType.F32, [4], Float32(beta)),
                new("layers.1.num_batches_tracked", TensorType.I64, [], Int64(12)),
                new("layers.1.running_mean", TensorType.F32, [4], Float32(mean)),
                new("layers.1.running_var", TensorType.F32, [4], Float32(variance)),
                new("layers.1.weight", TensorType.F32, [4], Float32(gamma)),
                new("layers.3.bias", TensorType.F32, [1], Float32(b3)),
                new("layers.3.weight", TensorType.F32, [1, 4], Float32(w3)),
            };
            using var file = new MemoryStream();
            Safetensors.Write(file, tensors, new Dictionary<string, string> { ["format"] = "pt" });
            file.Position = 0;

            NetworkFiles.Load(network, file);

            Assert.Equal([.. w0, .. b0, .. gamma, .. beta, .. w3, .. b3], network.Parameters.ToArray());
            Assert.Equal([.. mean, .. variance], network.Buffers.ToArray()); // a variance of 0 is a variance
            Assert.Equal([12L], network.BatchesTracked.ToArray());
        }

        public static IEnumerable<object[]> DamagedBuffers()
        {
            yield return ["NaN running_mean", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_mean", e => e with { Data = Float32(0, float.NaN, 0, 0) })), "layers.1.running_mean[1] is NaN; running statistics must be finite"];
            yield return ["infinite running_var", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_var", e => e with { Data = Float32(1, 1, float.PositiveInfinity, 1) })), "; running statistics must be finite"];
            yield return ["negative running_var", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_var", e => e with { Data = Float32(1, 1, 1, -0.5f) })), "layers.1.running_var[3] is -0.5; a variance cannot be negative"];
            yield return ["missing num_batches_tracked", (Action<List<TensorEntry>>)(t => t.RemoveAll(e => e.Name == "layers.1.num_batches_tracked")), "no tensor layers.1.num_batches_tracked"];
            yield return ["missing running_var", (Action<List<TensorEntry>>)(t => t.RemoveAll(e => e.Name == "layers.1.running_var")), "no tensor layers.1.running_var"];
            yield return ["F64 running_var in a float network", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_var", e => e with { Type = TensorType.F64, Data = new byte[32] })), "layers.1.running_var has dtype F64; this network computes in Single and expects F32"];
            yield return ["running_mean of 5", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_mean", e => e with { Shape = [5], Data = new byte[20] })), "layers.1.running_mean has shape [5]; this network expects [4]"];
            yield return ["F32 num_batches_tracked", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.num_batches_tracked", e => e with { Type = TensorType.F32, Data = new byte[4] })), "layers.1.num_batches_tracked has dtype F32 and shape []; this network expects an I64 scalar (shape [])"];
            yield return ["num_batches_tracked of shape [1]", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.num_batches_tracked", e => e with { Shape = [1] })), "layers.1.num_batches_tracked has dtype I64 and shape [1]; this network expects an I64 scalar (shape [])"];
            yield return ["negative num_batches_tracked", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.num_batches_tracked", e => e with { Data = Int64(-1) })), "layers.1.num_batches_tracked is -1"];
            yield return ["a buffer of a layer without any", (Action<List<TensorEntry>>)(t => t.Add(new TensorEntry("layers.3.running_mean", TensorType.F32, [4], new byte[16]))), "a tensor layers.3.running_mean that FlatStandIn does not have"];
        }

        [Theory]
        [MemberData(nameof(DamagedBuffers))]
        public void A_weights_file_with_damaged_buffers_is_refused_naming_the_tensor_and_nothing_changes(string name, Action<List<TensorEntry>> damage, string message)
        {
            _ = name;
            byte[] file = Rewrite(Saved(stream => NetworkFiles.Save(TrainedFlatStandIn(seed: 3), stream)), damage);
            StandInNormalizationNetwork<float> network = TrainedFlatStandIn(seed: 4);
            var before = StateOf(network);

            var exception = Assert.Throws<NetGenFormatException>(() => NetworkFiles.Load(network, new MemoryStream(file)));

            Assert.Contains(message, exception.Message);
            Assert.Equal(before, StateOf(network), new StateComparer());
        }

        [Fact]
        public void A_checkpoint_holds_the_buffers_and_the_dropout_generator_and_restores_them_all()
        {
            StandInNormalizationNetwork<float> source = TrainedFlatStandIn(seed: 5);
            source.OptimizerState.Fill(0.75f);
            byte[] file = Saved(stream => NetworkFiles.SaveCheckpoint(source, stream, epochsCompleted: 2));
            var target = new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single));

            int epochs = NetworkFiles.LoadCheckpoint(target, new MemoryStream(file));

            Assert.Equal(2, epochs);
            AssertSameState(source, target);
            (IReadOnlyList<TensorEntry> tensors, _) = Safetensors.Read(new MemoryStream(file));
            TensorEntry random = tensors.Single(tensor => tensor.Name == NetworkFiles.RandomStateTensor);
            Assert.Equal("random_state", random.Name);
            Assert.Equal(TensorType.I64, random.Type);
            Assert.Equal([4L], random.Shape);
            Assert.Equal(source.RandomState.ToArray(), Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(random.Data.AsSpan(8 * i))).ToArray());
            Assert.Contains(tensors, tensor => tensor.Name == "layers.1.num_batches_tracked");
        }

        [Fact]
        public void A_network_without_Dropout_writes_no_random_state()
        {
            var network = new StandInNormalizationNetwork<double>(StandInArchitectures.Shaped(Precision.Double));

            (IReadOnlyList<TensorEntry> tensors, _) = Safetensors.Read(new MemoryStream(Saved(stream => NetworkFiles.SaveCheckpoint(network, stream, 0))));

            Assert.DoesNotContain(tensors, tensor => tensor.Name == NetworkFiles.RandomStateTensor);
            Assert.Equal(
                ["layers.0.weight", "layers.0.bias", "layers.0.running_mean", "layers.0.running_var", "layers.0.num_batches_tracked", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias", "optimizer.step"],
                tensors.Select(tensor => tensor.Name));
            Assert.Equal([2L, 3, 3], tensors[5].Shape); // nn.LayerNorm([2, 3, 3])
        }

        public static IEnumerable<object[]> DamagedCheckpoints()
        {
            yield return ["missing random_state", (Action<List<TensorEntry>>)(t => t.RemoveAll(e => e.Name == "random_state")), "no tensor random_state"];
            yield return ["random_state of 3 words", (Action<List<TensorEntry>>)(t => Replace(t, "random_state", e => e with { Shape = [3], Data = Int64(1, 2, 3) })), "random_state has dtype I64 and shape [3]; this network expects I64 of shape [4]"];
            yield return ["F64 random_state", (Action<List<TensorEntry>>)(t => Replace(t, "random_state", e => e with { Type = TensorType.F64 })), "random_state has dtype F64"];
            yield return ["all-zero random_state", (Action<List<TensorEntry>>)(t => Replace(t, "random_state", e => e with { Data = new byte[32] })), "random_state is all zeros"];
            yield return ["negative running_var", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_var", e => e with { Data = Float32(-1, 1, 1, 1) })), "layers.1.running_var[0] is -1"];
            yield return ["missing num_batches_tracked", (Action<List<TensorEntry>>)(t => t.RemoveAll(e => e.Name == "layers.1.num_batches_tracked")), "no tensor layers.1.num_batches_tracked"];
        }

        [Theory]
        [MemberData(nameof(DamagedCheckpoints))]
        public void A_damaged_checkpoint_is_refused_and_nothing_changes_not_even_the_generator(string name, Action<List<TensorEntry>> damage, string message)
        {
            _ = name;
            byte[] file = Rewrite(Saved(stream => NetworkFiles.SaveCheckpoint(TrainedFlatStandIn(seed: 6), stream, 1)), damage);
            StandInNormalizationNetwork<float> network = TrainedFlatStandIn(seed: 7);
            var before = StateOf(network);

            var exception = Assert.Throws<NetGenFormatException>(() => NetworkFiles.LoadCheckpoint(network, new MemoryStream(file)));

            Assert.Contains(message, exception.Message);
            Assert.Equal(before, StateOf(network), new StateComparer());
        }

        [Fact]
        public void A_resumed_checkpoint_continues_the_same_random_draws()
        {
            // The stand-in moves its parameters by draws from RandomState, as dropout masks are drawn: a resumed run
            // reproduces the uninterrupted one only if the checkpoint carries the generator.
            var random = new Random(11);
            float[][] batches = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 8 * 3).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
            var uninterrupted = new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single));
            for (int k = 0; k < 3; k++)
            {
                uninterrupted.TrainBatch(batches[k], new float[16]);
            }

            byte[] checkpoint = Saved(stream => NetworkFiles.SaveCheckpoint(uninterrupted, stream, 3));
            for (int k = 3; k < 6; k++)
            {
                uninterrupted.TrainBatch(batches[k], new float[16]);
            }

            var resumed = new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single));
            resumed.InitializeParameters(99);
            NetworkFiles.LoadCheckpoint(resumed, new MemoryStream(checkpoint));
            for (int k = 3; k < 6; k++)
            {
                resumed.TrainBatch(batches[k], new float[16]);
            }

            AssertSameState(uninterrupted, resumed);
        }

        [Fact]
        public void Two_thousand_corrupted_checkpoints_either_load_or_throw_NetGenFormatException_and_never_change_a_rejecting_network()
        {
            byte[] valid = Saved(stream => NetworkFiles.SaveCheckpoint(TrainedFlatStandIn(seed: 8), stream, 1));
            var random = new Random(20261201);
            StandInNormalizationNetwork<float> network = TrainedFlatStandIn(seed: 9);
            var state = StateOf(network);
            int rejected = 0;

            for (int i = 0; i < 2_000; i++)
            {
                byte[] corrupt = (byte[])valid.Clone();
                if (i % 2 == 0)
                {
                    for (int flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        corrupt[random.Next(corrupt.Length)] ^= (byte)(1 << random.Next(8));
                    }
                }
                else
                {
                    corrupt = corrupt[..random.Next(corrupt.Length)];
                }

                try
                {
                    NetworkFiles.LoadCheckpoint(network, new MemoryStream(corrupt));
                    state = StateOf(network); // a file that loads is a valid file: its state is legitimate
                }
                catch (NetGenFormatException)
                {
                    rejected++;
                    Assert.Equal(state, StateOf(network), new StateComparer());
                }
            }

            Assert.InRange(rejected, 1_000, 2_000);
        }

        [Fact]
        public void Safetensors_writes_and_reads_rank_0_tensors_as_PyTorch_scalars()
        {
            TensorEntry[] tensors = [new("count", TensorType.I64, [], Int64(42)), new("value", TensorType.F64, [], BitConverter.GetBytes(2.5))];
            using var file = new MemoryStream();

            Safetensors.Write(file, tensors, new Dictionary<string, string>());

            byte[] bytes = file.ToArray();
            string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            Assert.Contains("\"count\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}", header);
            Assert.Contains("\"value\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[8,16]}", header);
            file.Position = 0;
            (IReadOnlyList<TensorEntry> read, _) = Safetensors.Read(file);
            Assert.Equal(["count", "value"], read.Select(tensor => tensor.Name));
            Assert.All(read, tensor => Assert.Empty(tensor.Shape));
            Assert.All(read, tensor => Assert.Equal(1, tensor.ElementCount));
            Assert.Equal(42, BinaryPrimitives.ReadInt64LittleEndian(read[0].Data));
            Assert.Equal(2.5, BinaryPrimitives.ReadDoubleLittleEndian(read[1].Data));
        }

        /// <summary>Compares the state tuples of <see cref="StateOf"/> element by element.</summary>
        private sealed class StateComparer : IEqualityComparer<(float[], float[], long[], ulong[], float[], long)>
        {
            public bool Equals((float[], float[], long[], ulong[], float[], long) x, (float[], float[], long[], ulong[], float[], long) y)
                => x.Item1.SequenceEqual(y.Item1) && x.Item2.SequenceEqual(y.Item2) && x.Item3.SequenceEqual(y.Item3)
                   && x.Item4.SequenceEqual(y.Item4) && x.Item5.SequenceEqual(y.Item5) && x.Item6 == y.Item6;

            public int GetHashCode((float[], float[], long[], ulong[], float[], long) obj) => 0;
        }

        private static float[] RandomRows(int rows, int size, int seed)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, rows * size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        }

        private static float[] OneHotRows(int rows, int classes, int seed)
        {
            var random = new Random(seed);
            var targets = new float[rows * classes];
            for (int row = 0; row < rows; row++)
            {
                targets[row * classes + random.Next(classes)] = 1;
            }

            return targets;
        }

        /// <summary>Step <paramref name="step"/>'s batch of 8 samples for <see cref="NormFilesNet"/>, the same for every network that asks.</summary>
        private static void TrainStepOf(NormFilesNet network, int step)
            => network.TrainBatch(RandomRows(8, 6, 1000 + step), OneHotRows(8, 3, 2000 + step));

        private static NormFilesNet TrainedNormFilesNet(int seed, int steps = 3)
        {
            var network = new NormFilesNet();
            network.InitializeParameters(seed);
            for (int step = 0; step < steps; step++)
            {
                TrainStepOf(network, step);
            }

            return network;
        }

        private static void AssertNamesAndShapes((string Name, TensorType Type, long[] Shape)[] expected, IReadOnlyList<TensorEntry> tensors)
        {
            Assert.Equal(expected.Select(entry => entry.Name), tensors.Select(tensor => tensor.Name));
            Assert.Equal(expected.Select(entry => entry.Type), tensors.Select(tensor => tensor.Type));
            Assert.Equal(expected.Select(entry => string.Join(",", entry.Shape)), tensors.Select(tensor => string.Join(",", tensor.Shape)));
        }

        [Fact]
        public void A_generated_Dense_network_saves_the_state_dict_of_Linear_BatchNorm1d_Dropout_Linear_LayerNorm_Linear()
        {
            // nn.ModuleList([nn.Linear(6, 8, bias=False), nn.BatchNorm1d(8), nn.Dropout(0.25), nn.Linear(8, 5), nn.LayerNorm(5), nn.Linear(5, 3)]).state_dict()
            (string, TensorType, long[])[] expected =
            [
                ("layers.0.weight", TensorType.F32, [8, 6]),
                ("layers.1.weight", TensorType.F32, [8]),
                ("layers.1.bias", TensorType.F32, [8]),
                ("layers.1.running_mean", TensorType.F32, [8]),
                ("layers.1.running_var", TensorType.F32, [8]),
                ("layers.1.num_batches_tracked", TensorType.I64, []),
                ("layers.3.weight", TensorType.F32, [5, 8]),
                ("layers.3.bias", TensorType.F32, [5]),
                ("layers.4.weight", TensorType.F32, [5]),
                ("layers.4.bias", TensorType.F32, [5]),
                ("layers.5.weight", TensorType.F32, [3, 5]),
                ("layers.5.bias", TensorType.F32, [3]),
            ];
            NormFilesNet network = TrainedNormFilesNet(seed: 1);

            (IReadOnlyList<TensorEntry> tensors, _) = Safetensors.Read(new MemoryStream(Saved(network.Save)));

            AssertNamesAndShapes(expected, tensors);
            Assert.Equal(Int64(3), tensors.Single(tensor => tensor.Name == "layers.1.num_batches_tracked").Data);
        }

        [Fact]
        public void A_generated_convolutional_network_saves_the_state_dict_of_Conv2d_BatchNorm2d_MaxPool2d_LayerNorm_Linear()
        {
            // nn.ModuleList([nn.Conv2d(1, 3, 3, padding=1, bias=False), nn.BatchNorm2d(3, momentum=0.2), nn.MaxPool2d(2),
            //                nn.LayerNorm([3, 3, 3]), nn.Linear(27, 2)]).double().state_dict()
            (string, TensorType, long[])[] expected =
            [
                ("layers.0.weight", TensorType.F64, [3, 1, 3, 3]),
                ("layers.1.weight", TensorType.F64, [3]),
                ("layers.1.bias", TensorType.F64, [3]),
                ("layers.1.running_mean", TensorType.F64, [3]),
                ("layers.1.running_var", TensorType.F64, [3]),
                ("layers.1.num_batches_tracked", TensorType.I64, []),
                ("layers.3.weight", TensorType.F64, [3, 3, 3]),
                ("layers.3.bias", TensorType.F64, [3, 3, 3]),
                ("layers.4.weight", TensorType.F64, [2, 27]),
                ("layers.4.bias", TensorType.F64, [2]),
            ];

            (IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string> metadata) = Safetensors.Read(new MemoryStream(Saved(new NormConvFilesNet().Save)));

            AssertNamesAndShapes(expected, tensors);
            Assert.Contains("\"kind\":\"BatchNorm\",\"output\":\"3x6x6\",\"units\":108,\"activation\":\"ReLU\",\"momentum\":0.2,\"epsilon\":1E-05", metadata["layers"]);
            Assert.Contains("\"bias\":false", metadata["layers"]);
        }

        [Fact]
        public void A_generated_network_loads_back_its_parameters_running_statistics_and_counts_and_predicts_the_same()
        {
            NormFilesNet source = TrainedNormFilesNet(seed: 2);
            var target = new NormFilesNet();
            float[] inputs = RandomRows(5, 6, 3);

            target.Load(new MemoryStream(Saved(source.Save)));

            Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
            Assert.Equal(source.Buffers.ToArray(), target.Buffers.ToArray());
            Assert.Equal([3L], target.BatchesTracked.ToArray());
            Assert.Equal(source.PredictBatch(inputs), target.PredictBatch(inputs));
        }

        public static IEnumerable<object[]> DamagedGeneratedBuffers()
        {
            yield return ["NaN running_mean", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_mean", e => e with { Data = Float32(0, 0, 0, float.NaN, 0, 0, 0, 0) })), "layers.1.running_mean[3] is NaN"];
            yield return ["negative running_var", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_var", e => e with { Data = Float32(1, 1, 1, 1, 1, 1, 1, -2) })), "layers.1.running_var[7] is -2; a variance cannot be negative"];
            yield return ["missing num_batches_tracked", (Action<List<TensorEntry>>)(t => t.RemoveAll(e => e.Name == "layers.1.num_batches_tracked")), "no tensor layers.1.num_batches_tracked"];
            yield return ["F64 running_mean", (Action<List<TensorEntry>>)(t => Replace(t, "layers.1.running_mean", e => e with { Type = TensorType.F64, Data = new byte[64] })), "layers.1.running_mean has dtype F64"];
        }

        [Theory]
        [MemberData(nameof(DamagedGeneratedBuffers))]
        public void A_generated_network_refuses_damaged_buffers_and_keeps_its_state(string name, Action<List<TensorEntry>> damage, string message)
        {
            _ = name;
            byte[] file = Rewrite(Saved(TrainedNormFilesNet(seed: 4).Save), damage);
            NormFilesNet network = TrainedNormFilesNet(seed: 5);
            var before = StateOf(network);

            var exception = Assert.Throws<NetGenFormatException>(() => network.Load(new MemoryStream(file)));

            Assert.Contains(message, exception.Message);
            Assert.Equal(before, StateOf(network), new StateComparer());
        }

        [Fact]
        public void A_resumed_checkpoint_continues_the_same_dropout_masks_bit_for_bit()
        {
            const int k = 3, m = 4;
            NormFilesNet uninterrupted = TrainedNormFilesNet(seed: 6, steps: k);
            byte[] checkpoint = Saved(stream => uninterrupted.SaveCheckpoint(stream, epochsCompleted: 1));
            for (int step = k; step < k + m; step++)
            {
                TrainStepOf(uninterrupted, step);
            }

            var resumed = new NormFilesNet();
            resumed.InitializeParameters(77);
            resumed.LoadCheckpoint(new MemoryStream(checkpoint));
            for (int step = k; step < k + m; step++)
            {
                TrainStepOf(resumed, step);
            }

            AssertSameState(uninterrupted, resumed);

            // The masks matter: the same checkpoint resumed with another generator state trains to other parameters.
            var reseeded = new NormFilesNet();
            reseeded.LoadCheckpoint(new MemoryStream(checkpoint));
            reseeded.RandomState[0] ^= 1;
            for (int step = k; step < k + m; step++)
            {
                TrainStepOf(reseeded, step);
            }

            Assert.NotEqual(uninterrupted.Parameters.ToArray(), reseeded.Parameters.ToArray());
        }
    }
}
