using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using NetGen.Serialization;

namespace NetGen;

/// <summary>
/// Saves and loads a network's parameters and buffers (and, in checkpoints, its optimizer state, its dropout generator
/// and its training position) as safetensors, written once for every generated network.
/// <para>
/// Tensor names and shapes follow a PyTorch module that keeps its layers in a list named <c>layers</c>:
/// <c>layers.{i}.weight</c> of shape [units, inputs] and <c>layers.{i}.bias</c> of shape [units], dtype F32 or F64 as
/// the network's precision. So <c>model.load_state_dict(safetensors.torch.load_file(path))</c> loads a NetGen file into
/// <c>self.layers = nn.ModuleList([nn.Linear(2, 4), nn.Linear(4, 1)])</c> with the activations applied in forward.
/// </para>
/// <para>
/// Every layer takes an index, Dropout and pools included (they own no tensors). A BatchNorm layer has, as in
/// <c>nn.BatchNorm1d</c>/<c>nn.BatchNorm2d</c>'s state dict, <c>weight</c> [C], <c>bias</c> [C], <c>running_mean</c> [C]
/// and <c>running_var</c> [C] in the network's dtype, and <c>num_batches_tracked</c>, an I64 scalar (shape []). A
/// LayerNorm layer has <c>weight</c> and <c>bias</c> of its input's shape, as <c>nn.LayerNorm(shape)</c>. A layer
/// declared with <c>Bias = false</c> has only its <c>weight</c>.
/// </para>
/// </summary>
public static class NetworkFiles
{
    /// <summary>The value of the <c>format</c> metadata entry of weight files.</summary>
    public const string WeightsFormat = "netgen.weights.v1";

    /// <summary>The value of the <c>format</c> metadata entry of checkpoints.</summary>
    public const string CheckpointFormat = "netgen.checkpoint.v1";

    /// <summary>
    /// The checkpoint tensor that holds the state of the generator Dropout draws its masks from
    /// (<see cref="INetwork{T}.RandomState"/>): I64 of shape [4], each word's 64 bits as they are. Only networks with
    /// Dropout have it.
    /// </summary>
    public const string RandomStateTensor = "random_state";

    private const string StepTensor = "optimizer.step";

    private const string BatchesTrackedName = "num_batches_tracked";

    /// <summary>Writes the parameters, and BatchNorm's buffers, to <paramref name="stream"/>.</summary>
    public static void Save<T>(INetwork<T> network, Stream stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        Safetensors.Write(stream, StateTensors(network), Metadata(network, WeightsFormat, null));
    }

    /// <summary>Writes the parameters to <paramref name="path"/> atomically: the previous file stays intact unless the new one is complete.</summary>
    public static void Save<T>(INetwork<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
        => AtomicFile.Write(path, stream => Save(network, stream));

    /// <summary>
    /// Reads parameters from <paramref name="stream"/> after validating the whole file against this network: every
    /// tensor present with the right dtype and shape, nothing extra, every value finite. A network with BatchNorm needs
    /// each such layer's buffers too, as PyTorch's strict <c>load_state_dict</c> does: running_mean finite, running_var
    /// finite and ≥ 0, num_batches_tracked an I64 scalar ≥ 0; they are restored with the parameters.
    /// </summary>
    /// <exception cref="NetGenFormatException">The file is malformed or made for another network; the network is unchanged.</exception>
    public static void Load<T>(INetwork<T> network, Stream stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        (IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string> metadata) = Safetensors.Read(stream);
        NetworkStateValues<T> state = ReadState(network, tensors, expectCheckpoint: false);
        CheckArchitecture(network, metadata);
        state.CopyTo(network);
        network.ZeroGradients();
    }

    /// <summary>Reads parameters from <paramref name="path"/>; see <see cref="Load{T}(INetwork{T}, Stream)"/>.</summary>
    public static void Load<T>(INetwork<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using FileStream file = File.OpenRead(path);
        Load(network, file);
    }

    /// <summary>
    /// Writes a checkpoint: the parameters and buffers as <see cref="Save{T}(INetwork{T}, Stream)"/> does, the
    /// optimizer's state vectors (<c>optimizer.{name}</c>, shape [ParameterCount]), its step count
    /// (<c>optimizer.step</c>, I64), for a network with Dropout its generator (<see cref="RandomStateTensor"/>), and
    /// <paramref name="epochsCompleted"/>, so that <c>Fit</c> with <see cref="TrainingOptions.InitialEpoch"/> resumes
    /// exactly where training stopped, with the same dropout masks.
    /// </summary>
    public static void SaveCheckpoint<T>(INetwork<T> network, Stream stream, int epochsCompleted) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegative(epochsCompleted);
        List<TensorEntry> tensors = StateTensors(network);
        int count = network.ParameterCount;
        IReadOnlyList<string> names = network.Architecture.OptimizerStateNames;
        for (int i = 0; i < names.Count; i++)
        {
            tensors.Add(Encode($"optimizer.{names[i]}", [count], network.OptimizerState.Slice(i * count, count)));
        }

        tensors.Add(Int64Tensor(StepTensor, [], [network.OptimizerStep]));
        if (network.Architecture.HasDropout)
        {
            ReadOnlySpan<ulong> words = network.RandomState;
            tensors.Add(Int64Tensor(RandomStateTensor, [words.Length], MemoryMarshal.Cast<ulong, long>(words)));
        }

        Safetensors.Write(stream, tensors, Metadata(network, CheckpointFormat, epochsCompleted));
    }

    /// <summary>Writes a checkpoint to <paramref name="path"/> atomically.</summary>
    public static void SaveCheckpoint<T>(INetwork<T> network, string path, int epochsCompleted) where T : unmanaged, IFloatingPointIeee754<T>
        => AtomicFile.Write(path, stream => SaveCheckpoint(network, stream, epochsCompleted));

    /// <summary>
    /// Restores parameters, buffers, optimizer state, step count and (with Dropout) the mask generator from a
    /// checkpoint, all or nothing; returns the epochs it had completed.
    /// </summary>
    /// <exception cref="NetGenFormatException">The file is malformed, not a checkpoint, or made for another network; the network is unchanged.</exception>
    public static int LoadCheckpoint<T>(INetwork<T> network, Stream stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        (IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string> metadata) = Safetensors.Read(stream);
        if (!metadata.TryGetValue("epochs_completed", out string? epochsText)
            || !int.TryParse(epochsText, NumberStyles.None, CultureInfo.InvariantCulture, out int epochs))
        {
            throw new NetGenFormatException("The file is not a NetGen checkpoint: its metadata has no epochs_completed count. Load weights with Load.");
        }

        NetworkStateValues<T> values = ReadState(network, tensors, expectCheckpoint: true);
        CheckArchitecture(network, metadata);
        CheckOptimizer(network, metadata);
        int count = network.ParameterCount;
        IReadOnlyList<string> names = network.Architecture.OptimizerStateNames;
        var state = new T[names.Count * count];
        for (int i = 0; i < names.Count; i++)
        {
            Decode(Find(tensors, $"optimizer.{names[i]}"), [count], state.AsSpan(i * count, count), "parameters");
        }

        TensorEntry stepTensor = Find(tensors, StepTensor);
        if (stepTensor.Type != TensorType.I64 || stepTensor.Shape.Length != 0)
        {
            throw new NetGenFormatException($"{StepTensor} must be an I64 scalar.");
        }

        long step = BinaryPrimitives.ReadInt64LittleEndian(stepTensor.Data);
        if (step < 0)
        {
            throw new NetGenFormatException($"{StepTensor} is {step}; a step count cannot be negative.");
        }

        ulong[] randomState = network.Architecture.HasDropout ? ReadRandomState(Find(tensors, RandomStateTensor), network.RandomState.Length) : [];

        values.CopyTo(network);
        state.CopyTo(network.OptimizerState);
        network.OptimizerStep = step;
        randomState.CopyTo(network.RandomState);
        network.ZeroGradients();
        return epochs;
    }

    /// <summary>Restores a checkpoint from <paramref name="path"/>; returns the epochs it had completed.</summary>
    public static int LoadCheckpoint<T>(INetwork<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using FileStream file = File.OpenRead(path);
        return LoadCheckpoint(network, file);
    }

    /// <summary>What one tensor of the state table holds.</summary>
    private enum StateKind
    {
        /// <summary>A parameter tensor, at <see cref="StateTensor.Tensor"/>'s offset in Parameters.</summary>
        Parameter,

        /// <summary>A buffer (running_mean, running_var), at <see cref="StateTensor.Tensor"/>'s offset in Buffers.</summary>
        Buffer,

        /// <summary>A BatchNorm layer's num_batches_tracked, element <see cref="StateTensor.BatchNorm"/> of BatchesTracked.</summary>
        BatchesTracked,
    }

    /// <summary>One tensor of a network's saved state: its file name and shape, and where its values live in the network.</summary>
    private readonly record struct StateTensor(string Name, long[] Shape, StateKind Kind, ParameterTensor? Tensor, int BatchNorm);

    /// <summary>
    /// Every tensor a weights file holds, in file order: for each layer, its parameters (<c>layers.{i}.{name}</c>), then
    /// its buffers, then a BatchNorm's <c>num_batches_tracked</c>, the order of a PyTorch state dict.
    /// </summary>
    private static IEnumerable<StateTensor> StateTable(NetworkArchitecture architecture)
    {
        int batchNorm = 0;
        for (int index = 0; index < architecture.Layers.Count; index++)
        {
            LayerArchitecture layer = architecture.Layers[index];
            foreach (ParameterTensor tensor in layer.Tensors)
            {
                yield return new StateTensor($"layers.{index}.{tensor.Name}", ShapeOf(tensor), StateKind.Parameter, tensor, -1);
            }

            foreach (ParameterTensor buffer in layer.Buffers)
            {
                yield return new StateTensor($"layers.{index}.{buffer.Name}", ShapeOf(buffer), StateKind.Buffer, buffer, -1);
            }

            if (layer.Kind == LayerKind.BatchNorm)
            {
                yield return new StateTensor($"layers.{index}.{BatchesTrackedName}", [], StateKind.BatchesTracked, null, batchNorm++);
            }
        }

        static long[] ShapeOf(ParameterTensor tensor) => tensor.Shape.Select(dimension => (long)dimension).ToArray();
    }

    private static List<TensorEntry> StateTensors<T>(INetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensors = new List<TensorEntry>();
        ReadOnlySpan<T> parameters = network.Parameters, buffers = network.Buffers;
        ReadOnlySpan<long> batchesTracked = network.BatchesTracked;
        foreach (StateTensor entry in StateTable(network.Architecture))
        {
            tensors.Add(entry.Kind switch
            {
                StateKind.Parameter => Encode(entry.Name, entry.Shape, parameters.Slice(entry.Tensor!.Offset, entry.Tensor.Size)),
                StateKind.Buffer => Encode(entry.Name, entry.Shape, buffers.Slice(entry.Tensor!.Offset, entry.Tensor.Size)),
                _ => Int64Tensor(entry.Name, entry.Shape, batchesTracked.Slice(entry.BatchNorm, 1)),
            });
        }

        return tensors;
    }

    /// <summary>Parameters, buffers and batch counts decoded from a file and validated, not yet in the network.</summary>
    private sealed class NetworkStateValues<T>(T[] parameters, T[] buffers, long[] batchesTracked) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T[] Parameters { get; } = parameters;

        public T[] Buffers { get; } = buffers;

        public long[] BatchesTracked { get; } = batchesTracked;

        public void CopyTo(INetwork<T> network)
        {
            Parameters.CopyTo(network.Parameters);
            Buffers.CopyTo(network.Buffers);
            BatchesTracked.CopyTo(network.BatchesTracked);
        }
    }

    private static NetworkStateValues<T> ReadState<T>(INetwork<T> network, IReadOnlyList<TensorEntry> tensors, bool expectCheckpoint)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkArchitecture architecture = network.Architecture;
        var expected = new HashSet<string>(StateTable(architecture).Select(entry => entry.Name), StringComparer.Ordinal);

        if (expectCheckpoint)
        {
            foreach (string name in architecture.OptimizerStateNames)
            {
                expected.Add($"optimizer.{name}");
            }

            expected.Add(StepTensor);
            if (architecture.HasDropout)
            {
                expected.Add(RandomStateTensor);
            }
        }

        foreach (TensorEntry tensor in tensors)
        {
            if (!expected.Contains(tensor.Name))
            {
                throw new NetGenFormatException($"The file holds a tensor {tensor.Name} that {architecture.Name} does not have.");
            }
        }

        var values = new NetworkStateValues<T>(new T[network.ParameterCount], new T[architecture.BufferCount], new long[architecture.BatchNormCount]);
        foreach (StateTensor entry in StateTable(architecture))
        {
            TensorEntry tensor = Find(tensors, entry.Name);
            switch (entry.Kind)
            {
                case StateKind.Parameter:
                    Decode(tensor, entry.Shape, values.Parameters.AsSpan(entry.Tensor!.Offset, entry.Tensor.Size), "parameters");
                    break;
                case StateKind.Buffer:
                    Span<T> buffer = values.Buffers.AsSpan(entry.Tensor!.Offset, entry.Tensor.Size);
                    Decode(tensor, entry.Shape, buffer, "running statistics");
                    if (entry.Tensor.Name == LayerArchitecture.RunningVariance)
                    {
                        for (int i = 0; i < buffer.Length; i++)
                        {
                            if (buffer[i] < T.Zero)
                            {
                                throw new NetGenFormatException(
                                    $"{tensor.Name}[{i}] is {buffer[i].ToString(null, CultureInfo.InvariantCulture)}; a variance cannot be negative.");
                            }
                        }
                    }

                    break;
                default:
                    values.BatchesTracked[entry.BatchNorm] = ReadCount(tensor);
                    break;
            }
        }

        return values;
    }

    /// <summary>A BatchNorm layer's num_batches_tracked: an I64 scalar, as PyTorch saves it, and not negative.</summary>
    private static long ReadCount(TensorEntry tensor)
    {
        if (tensor.Type != TensorType.I64 || tensor.Shape.Length != 0)
        {
            throw new NetGenFormatException(
                $"{tensor.Name} has dtype {tensor.Type} and shape [{string.Join(", ", tensor.Shape)}]; this network expects an I64 scalar (shape []), as PyTorch saves it.");
        }

        long count = BinaryPrimitives.ReadInt64LittleEndian(tensor.Data);
        if (count < 0)
        {
            throw new NetGenFormatException($"{tensor.Name} is {count}; a count of batches cannot be negative.");
        }

        return count;
    }

    /// <summary>The dropout generator's words: I64 of shape [<paramref name="words"/>], not all zero (xoshiro256** never leaves that state).</summary>
    private static ulong[] ReadRandomState(TensorEntry tensor, int words)
    {
        if (tensor.Type != TensorType.I64 || !tensor.Shape.SequenceEqual([(long)words]))
        {
            throw new NetGenFormatException(
                $"{tensor.Name} has dtype {tensor.Type} and shape [{string.Join(", ", tensor.Shape)}]; this network expects I64 of shape [{words}], the state of its dropout generator.");
        }

        var state = new ulong[words];
        for (int i = 0; i < words; i++)
        {
            state[i] = BinaryPrimitives.ReadUInt64LittleEndian(tensor.Data.AsSpan(8 * i, 8));
        }

        if (Array.TrueForAll(state, word => word == 0))
        {
            throw new NetGenFormatException($"{tensor.Name} is all zeros, a state xoshiro256** never reaches and never leaves; the file is damaged.");
        }

        return state;
    }

    private static TensorEntry Int64Tensor(string name, long[] shape, ReadOnlySpan<long> values)
    {
        var data = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8 * i), values[i]);
        }

        return new TensorEntry(name, TensorType.I64, shape, data);
    }

    private static TensorEntry Find(IReadOnlyList<TensorEntry> tensors, string name)
        => tensors.FirstOrDefault(t => t.Name == name) ?? throw new NetGenFormatException($"The file has no tensor {name}.");

    private static TensorEntry Encode<T>(string name, long[] shape, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        byte[] data = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            ReverseEach(data, TypeOf<T>());
        }

        return new TensorEntry(name, TypeOf<T>(), shape, data);
    }

    /// <summary>Checks dtype and shape against what the network expects, decodes, and rejects non-finite values.</summary>
    private static void Decode<T>(TensorEntry tensor, long[] shape, Span<T> destination, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!tensor.Shape.SequenceEqual(shape))
        {
            throw new NetGenFormatException($"{tensor.Name} has shape [{string.Join(", ", tensor.Shape)}]; this network expects [{string.Join(", ", shape)}].");
        }

        if (tensor.Type != TypeOf<T>())
        {
            throw new NetGenFormatException($"{tensor.Name} has dtype {tensor.Type}; this network computes in {typeof(T).Name} and expects {TypeOf<T>()}.");
        }

        byte[] data = tensor.Data;
        if (!BitConverter.IsLittleEndian)
        {
            data = (byte[])data.Clone();
            ReverseEach(data, tensor.Type);
        }

        MemoryMarshal.Cast<byte, T>(data).CopyTo(destination);
        for (int i = 0; i < destination.Length; i++)
        {
            if (!T.IsFinite(destination[i]))
            {
                throw new NetGenFormatException($"{tensor.Name}[{i}] is {destination[i]}; {what} must be finite.");
            }
        }
    }

    private static TensorType TypeOf<T>() => typeof(T) == typeof(float) ? TensorType.F32 : TensorType.F64;

    private static void ReverseEach(byte[] data, TensorType type)
    {
        int size = TensorEntry.SizeOf(type);
        for (int i = 0; i < data.Length; i += size)
        {
            Array.Reverse(data, i, size);
        }
    }

    private static Dictionary<string, string> Metadata<T>(INetwork<T> network, string format, int? epochsCompleted) where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkArchitecture architecture = network.Architecture;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = format,
            ["network"] = architecture.Name,
            ["inputs"] = architecture.Inputs.ToString(CultureInfo.InvariantCulture),
            ["layers"] = LayersJson(architecture),
            ["loss"] = architecture.Loss.ToString(),
            ["precision"] = architecture.Precision.ToString(),
            ["optimizer"] = architecture.Optimizer,
        };
        if (epochsCompleted is { } epochs)
        {
            metadata["epochs_completed"] = epochs.ToString(CultureInfo.InvariantCulture);
        }

        return metadata;
    }

    /// <summary>
    /// The layers as compact JSON, e.g. [{"units":4,"activation":"Tanh"},{"units":1,"activation":"Sigmoid"}]; a
    /// convolution or pool also has its kind, output shape and window; a Dropout layer its <c>rate</c>, a BatchNorm its
    /// <c>momentum</c> and <c>epsilon</c>, a LayerNorm its <c>epsilon</c>; a Dense layer or convolution declared with
    /// <c>Bias = false</c> has <c>"bias":false</c>. Layers without these record exactly what they always have.
    /// </summary>
    private static string LayersJson(NetworkArchitecture architecture)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (LayerArchitecture layer in architecture.Layers)
            {
                // A dense layer is {"units", "activation"}, as files have recorded it from the start; other kinds name
                // their kind and shapes too.
                writer.WriteStartObject();
                if (layer.Kind != LayerKind.Dense)
                {
                    writer.WriteString("kind", layer.Kind.ToString());
                    writer.WriteString("output", string.Join("x", layer.OutputShape));
                }

                writer.WriteNumber("units", layer.Units);
                writer.WriteString("activation", layer.ActivationName);
                if (layer.Window is { } window)
                {
                    writer.WriteNumber("size", window.Size);
                    writer.WriteNumber("stride", window.Stride);
                    writer.WriteNumber("padding", window.Padding);
                }

                if (layer.Kind is LayerKind.Dense or LayerKind.Conv1D or LayerKind.Conv2D && layer.FindTensor("bias") is null)
                {
                    writer.WriteBoolean("bias", false);
                }

                if (layer.Kind == LayerKind.Dropout)
                {
                    writer.WriteNumber("rate", layer.DropoutRate);
                }

                if (layer.Normalization is { } normalization)
                {
                    if (layer.Kind == LayerKind.BatchNorm)
                    {
                        writer.WriteNumber("momentum", normalization.Momentum);
                    }

                    writer.WriteNumber("epsilon", normalization.Epsilon);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// A checkpoint's optimizer state only means something to the optimizer that wrote it: Adam's and AdamW's moments
    /// have the same names and shapes but follow different updates, so the optimizer's kind must match as well.
    /// </summary>
    private static void CheckOptimizer<T>(INetwork<T> network, IReadOnlyDictionary<string, string> metadata) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string expected = network.Architecture.Optimizer;
        if (metadata.TryGetValue("optimizer", out string? optimizer) && optimizer != expected)
        {
            throw new NetGenFormatException(
                $"The checkpoint holds the state of an optimizer of kind {optimizer}; {network.Architecture.Name} trains with {expected}. Load its weights with Load, which leaves the optimizer state alone.");
        }
    }

    /// <summary>
    /// When the file records NetGen's architecture metadata, the activations must match too (shapes alone cannot tell a
    /// tanh layer from a ReLU one). Files written by other tools carry no such metadata and are checked by shape only.
    /// </summary>
    private static void CheckArchitecture<T>(INetwork<T> network, IReadOnlyDictionary<string, string> metadata) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (metadata.TryGetValue("layers", out string? layers) && layers != LayersJson(network.Architecture))
        {
            throw new NetGenFormatException($"The file was saved from a network with layers {layers}; {network.Architecture.Name} has {LayersJson(network.Architecture)}.");
        }
    }
}

/// <summary>Writes a file so that readers see either the old file or the complete new one, never a partial one.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes to a temporary file in the same folder, flushes it to disk, then renames it over <paramref name="path"/>.
    /// If anything fails, the temporary file is deleted and the previous file is untouched. A save that was killed
    /// before its rename leaves its temporary file behind; the next save of the same path deletes it.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)!;
        string name = Path.GetFileName(fullPath);
        string prefix = $".{name}.", suffix = ".tmp";
        DeleteStaleTemporaries(folder, prefix, suffix);
        string temporary = Path.Combine(folder, $"{prefix}{Guid.NewGuid():N}{suffix}");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        // Only names of exactly this path's pattern, ".{name}.{32 hex digits}.tmp", are candidates. A temporary that a
        // save in progress holds open (FileShare.None, an exclusive lock on Windows and an advisory flock elsewhere)
        // cannot be opened here and is left alone; one that opens is stale and is deleted when it closes.
        static void DeleteStaleTemporaries(string folder, string prefix, string suffix)
        {
            var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true, MatchType = MatchType.Simple };
            foreach (string candidate in Directory.EnumerateFiles(folder, "*" + suffix, options))
            {
                string fileName = Path.GetFileName(candidate);
                if (fileName.Length != prefix.Length + 32 + suffix.Length
                    || !fileName.StartsWith(prefix, StringComparison.Ordinal)
                    || !fileName.EndsWith(suffix, StringComparison.Ordinal)
                    || fileName.AsSpan(prefix.Length, 32).ContainsAnyExcept("0123456789abcdef"))
                {
                    continue;
                }

                try
                {
                    using var stale = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    // Held by a save in progress, already deleted by another, or not ours to delete.
                }
            }
        }
    }
}
