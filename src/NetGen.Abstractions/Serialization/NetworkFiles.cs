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
/// Saves and loads a network's parameters (and, in checkpoints, its optimizer state and training position) as
/// safetensors, written once for every generated network.
/// <para>
/// Tensor names and shapes follow a PyTorch module that keeps its linear layers in a list named <c>layers</c>:
/// <c>layers.{i}.weight</c> of shape [units, inputs] and <c>layers.{i}.bias</c> of shape [units], dtype F32 or F64 as
/// the network's precision. So <c>model.load_state_dict(safetensors.torch.load_file(path))</c> loads a NetGen file into
/// <c>self.layers = nn.ModuleList([nn.Linear(2, 4), nn.Linear(4, 1)])</c> with the activations applied in forward.
/// </para>
/// </summary>
public static class NetworkFiles
{
    /// <summary>The value of the <c>format</c> metadata entry of weight files.</summary>
    public const string WeightsFormat = "netgen.weights.v1";

    /// <summary>The value of the <c>format</c> metadata entry of checkpoints.</summary>
    public const string CheckpointFormat = "netgen.checkpoint.v1";

    private const string StepTensor = "optimizer.step";

    /// <summary>Writes the parameters to <paramref name="stream"/>.</summary>
    public static void Save<T>(INetwork<T> network, Stream stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        Safetensors.Write(stream, ParameterTensors(network), Metadata(network, WeightsFormat, null));
    }

    /// <summary>Writes the parameters to <paramref name="path"/> atomically: the previous file stays intact unless the new one is complete.</summary>
    public static void Save<T>(INetwork<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
        => AtomicFile.Write(path, stream => Save(network, stream));

    /// <summary>
    /// Reads parameters from <paramref name="stream"/> after validating the whole file against this network: every
    /// tensor present with the right dtype and shape, nothing extra, every value finite.
    /// </summary>
    /// <exception cref="NetGenFormatException">The file is malformed or made for another network; the network is unchanged.</exception>
    public static void Load<T>(INetwork<T> network, Stream stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        (IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string> metadata) = Safetensors.Read(stream);
        T[] parameters = ReadParameters(network, tensors, expectOptimizerState: false);
        CheckArchitecture(network, metadata);
        parameters.CopyTo(network.Parameters);
        network.ZeroGradients();
    }

    /// <summary>Reads parameters from <paramref name="path"/>; see <see cref="Load{T}(INetwork{T}, Stream)"/>.</summary>
    public static void Load<T>(INetwork<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using FileStream file = File.OpenRead(path);
        Load(network, file);
    }

    /// <summary>
    /// Writes a checkpoint: the parameters, the optimizer's state vectors (<c>optimizer.{name}</c>, shape
    /// [ParameterCount]), its step count (<c>optimizer.step</c>, I64) and <paramref name="epochsCompleted"/>, so that
    /// <c>Fit</c> with <see cref="TrainingOptions.InitialEpoch"/> resumes exactly where training stopped.
    /// </summary>
    public static void SaveCheckpoint<T>(INetwork<T> network, Stream stream, int epochsCompleted) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegative(epochsCompleted);
        var tensors = new List<TensorEntry>(ParameterTensors(network));
        int count = network.ParameterCount;
        IReadOnlyList<string> names = network.Architecture.OptimizerStateNames;
        for (int i = 0; i < names.Count; i++)
        {
            tensors.Add(Encode($"optimizer.{names[i]}", [count], network.OptimizerState.Slice(i * count, count)));
        }

        var step = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(step, network.OptimizerStep);
        tensors.Add(new TensorEntry(StepTensor, TensorType.I64, [], step));
        Safetensors.Write(stream, tensors, Metadata(network, CheckpointFormat, epochsCompleted));
    }

    /// <summary>Writes a checkpoint to <paramref name="path"/> atomically.</summary>
    public static void SaveCheckpoint<T>(INetwork<T> network, string path, int epochsCompleted) where T : unmanaged, IFloatingPointIeee754<T>
        => AtomicFile.Write(path, stream => SaveCheckpoint(network, stream, epochsCompleted));

    /// <summary>Restores parameters, optimizer state and step count from a checkpoint; returns the epochs it had completed.</summary>
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

        T[] parameters = ReadParameters(network, tensors, expectOptimizerState: true);
        CheckArchitecture(network, metadata);
        CheckOptimizer(network, metadata);
        int count = network.ParameterCount;
        IReadOnlyList<string> names = network.Architecture.OptimizerStateNames;
        var state = new T[names.Count * count];
        for (int i = 0; i < names.Count; i++)
        {
            Decode(Find(tensors, $"optimizer.{names[i]}"), [count], state.AsSpan(i * count, count));
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

        parameters.CopyTo(network.Parameters);
        state.CopyTo(network.OptimizerState);
        network.OptimizerStep = step;
        network.ZeroGradients();
        return epochs;
    }

    /// <summary>Restores a checkpoint from <paramref name="path"/>; returns the epochs it had completed.</summary>
    public static int LoadCheckpoint<T>(INetwork<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using FileStream file = File.OpenRead(path);
        return LoadCheckpoint(network, file);
    }

    /// <summary>Every tensor of the architecture's table, named <c>layers.{i}.{name}</c>, with its shape.</summary>
    private static IEnumerable<(string Name, long[] Shape, ParameterTensor Tensor)> TensorTable(NetworkArchitecture architecture)
        => architecture.Layers.SelectMany((layer, index) => layer.Tensors.Select(tensor =>
            ($"layers.{index}.{tensor.Name}", tensor.Shape.Select(dimension => (long)dimension).ToArray(), tensor)));

    private static List<TensorEntry> ParameterTensors<T>(INetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensors = new List<TensorEntry>();
        ReadOnlySpan<T> parameters = network.Parameters;
        foreach ((string name, long[] shape, ParameterTensor tensor) in TensorTable(network.Architecture))
        {
            tensors.Add(Encode(name, shape, parameters.Slice(tensor.Offset, tensor.Size)));
        }

        return tensors;
    }

    private static T[] ReadParameters<T>(INetwork<T> network, IReadOnlyList<TensorEntry> tensors, bool expectOptimizerState)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkArchitecture architecture = network.Architecture;
        var expected = new HashSet<string>(TensorTable(architecture).Select(entry => entry.Name), StringComparer.Ordinal);

        if (expectOptimizerState)
        {
            foreach (string name in architecture.OptimizerStateNames)
            {
                expected.Add($"optimizer.{name}");
            }

            expected.Add(StepTensor);
        }

        foreach (TensorEntry tensor in tensors)
        {
            if (!expected.Contains(tensor.Name))
            {
                throw new NetGenFormatException($"The file holds a tensor {tensor.Name} that {architecture.Name} does not have.");
            }
        }

        var parameters = new T[network.ParameterCount];
        foreach ((string name, long[] shape, ParameterTensor tensor) in TensorTable(architecture))
        {
            Decode(Find(tensors, name), shape, parameters.AsSpan(tensor.Offset, tensor.Size));
        }

        return parameters;
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
    private static void Decode<T>(TensorEntry tensor, long[] shape, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
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
                throw new NetGenFormatException($"{tensor.Name}[{i}] is {destination[i]}; parameters must be finite.");
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
    /// convolution or pool also has its kind, output shape and window.
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
