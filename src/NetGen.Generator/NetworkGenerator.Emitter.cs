using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    /// <summary>
    /// Writes the C# for one <see cref="NetworkSpec"/>. It emits only what depends on the declared shape: sizes as
    /// constants, parameter offsets, the order of layer calls, and straight-line code for small layers. Everything
    /// that is the same for every network (kernels, losses, updates, argument checks, the training loop) lives in
    /// NetGen.Abstractions and is called from here.
    /// </summary>
    internal static partial class Emitter
    {
        /// <summary>
        /// Layers with at most this many weights are fully unrolled into straight-line code with constant indices;
        /// larger ones call the SIMD kernels. Measured on one float TrainStep of a single tanh layer (Zen 4, best of 7
        /// runs of 200,000 steps), unrolled against kernels: 16 weights 73 against 106 ns, 36 weights 124 against 171,
        /// 64 weights 133 against 221, 100 weights 329 against 347, 256 weights 469 against 445. The crossover lies
        /// between 100 and 256 weights.
        /// </summary>
        internal const int UnrollWeightLimit = 128;

        private const string Span = "global::System.Span";
        private const string ReadOnlySpan = "global::System.ReadOnlySpan";
        private const string Kernels = "global::NetGen.Kernels";
        private const string Arguments = "global::NetGen.NetworkArguments";
        private const string RowsPerPass = "global::NetGen.Trainer.MaxRowsPerPass";

        /// <summary>
        /// On the passes, which hold the unrolled arithmetic: compiled fully optimized at the first call, instead of
        /// running as tier-0 code until tiered compilation replaces them some hundreds of steps later.
        /// </summary>
        private const string FullyOptimized = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

        private static readonly string GeneratorVersion = typeof(Emitter).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

        public static string Emit(NetworkSpec spec)
        {
            var writer = new SourceWriter();
            var network = new EmittedNetwork(spec);
            int open = GeneratorOutput.OpenTypes(writer, spec.Namespace, spec.ContainingTypes);
            writer.WriteLine("// " + network.Describe());
            writer.WriteLine("[global::System.CodeDom.Compiler.GeneratedCode(\"NetGen.Generator\", \"" + GeneratorVersion + "\")]");
            writer.WriteLine("partial " + spec.Type.Keyword + " " + spec.Type.Name + " : global::NetGen.INetwork<" + network.T + ">");
            writer.OpenBrace();

            EmitState(writer, network);
            EmitInitialization(writer, network);
            EmitPrediction(writer, network);
            EmitTraining(writer, network, labels: false);
            if (spec.Loss == LossKind.CrossEntropy)
            {
                EmitTraining(writer, network, labels: true);
            }

            EmitGradientUpdate(writer, network);
            EmitFiles(writer);
            EmitForward(writer, network);
            EmitOutputLoss(writer, network, labels: false);
            if (spec.Loss == LossKind.CrossEntropy)
            {
                EmitOutputLoss(writer, network, labels: true);
            }

            EmitBackward(writer, network, fused: false);
            if (network.RunsInLanes)
            {
                EmitLanes(writer, network, labels: false);
                if (spec.Loss == LossKind.CrossEntropy)
                {
                    EmitLanes(writer, network, labels: true);
                }
            }

            if (network.FusesSgd)
            {
                EmitBackward(writer, network, fused: true);
            }

            EmitBuffers(writer, network);

            writer.CloseBrace();
            GeneratorOutput.CloseTypes(writer, open);

            return writer.ToString();
        }

        private static void EmitState(SourceWriter writer, EmittedNetwork network)
        {
            NetworkSpec spec = network.Spec;
            string t = network.T;
            writer.WriteBlock($$"""
                /// <summary>The number of inputs per sample.</summary>
                public const int InputSize = {{Int(spec.Inputs)}};

                /// <summary>The number of outputs per sample.</summary>
                public const int OutputSize = {{Int(spec.Outputs)}};

                /// <summary>The number of weights and biases in <see cref="Parameters"/>.</summary>
                public const int ParameterCount = {{Int(spec.ParameterCount)}};

                """);

            writer.WriteLine("// Parameters, layer by layer: weights [units × inputs] row-major, then biases.");
            foreach (DenseLayerSpec layer in spec.Layers)
            {
                writer.WriteLine($"//   layer {Int(layer.Index)}: weights [{Int(layer.Units)} × {Int(layer.Inputs)}] at {Int(layer.WeightOffset)}, biases [{Int(layer.Units)}] at {Int(layer.BiasOffset)}");
            }

            writer.WriteBlock($$"""
                private readonly {{t}}[] _parameters = DrawInitialParameters(global::NetGen.ParameterInitializer.DefaultSeed);
                private readonly {{t}}[] _gradients = new {{t}}[ParameterCount];
                private readonly {{t}}[] _optimizerState = {{network.OptimizerStateArray}};
                private long _optimizerStep;
                private double _learningRate = {{Double(spec.Optimizer.LearningRate)}};

                // Per-sample buffers for _rowCapacity samples: each layer's outputs and the loss's gradient with respect
                // to its pre-activations (and, where the loss needs them, the output layer's logits).
                private int _rowCapacity = 1;
                """);
            foreach (string buffer in network.Buffers)
            {
                writer.WriteLine($"private {t}[] {buffer} = new {t}[{Int(network.BufferWidth(buffer))}];");
            }

            if (network.FusesSgd)
            {
                writer.WriteBlock("""

                    // Whether _gradients is known to hold only zeros. Then TrainStep and TrainBatch apply plain SGD to the weights
                    // of the kernel layers straight from the batch (DenseKernels.SgdWeightStep): their gradient is never stored.
                    private bool _gradientsClean = true;
                    """);
            }

            string gradientsProperty = network.FusesSgd
                ? $"public {Span}<{t}> Gradients\n{{\n    get\n    {{\n        _gradientsClean = false; // the caller may write into it\n        return _gradients;\n    }}\n}}"
                : $"public {Span}<{t}> Gradients => _gradients;";
            writer.WriteBlock($$"""

                /// <summary>
                /// Every weight and bias in one flat span: for each layer in turn, its weights as [units × inputs] row-major
                /// (the layout of PyTorch's nn.Linear), then its biases. Writes go straight into the network.
                /// </summary>
                public {{Span}}<{{t}}> Parameters => _parameters;

                /// <summary>The gradient accumulated since the last update, laid out as <see cref="Parameters"/>.</summary>
                {{gradientsProperty}}

                /// <summary>
                /// The optimizer's state: {{network.OptimizerStateDescription}}.
                /// Saved and restored with the parameters, it lets training resume exactly.
                /// </summary>
                public {{Span}}<{{t}}> OptimizerState => _optimizerState;

                /// <summary>The number of optimizer steps applied so far.</summary>
                public long OptimizerStep
                {
                    get => _optimizerStep;
                    set => _optimizerStep = {{Arguments}}.RequireStepCount(value, {{network.NameOf}}, nameof(OptimizerStep));
                }

                /// <summary>The learning rate of the next update; {{Double(spec.Optimizer.LearningRate).TrimEnd('d')}} as declared. Schedules change it per epoch.</summary>
                public double LearningRate
                {
                    get => _learningRate;
                    set => _learningRate = {{Arguments}}.RequireLearningRate(value, {{network.NameOf}}, nameof(LearningRate));
                }

                global::NetGen.Loss global::NetGen.INetwork<{{t}}>.Loss => global::NetGen.Loss.{{spec.Loss}};

                /// <summary>The declared shape: inputs, layers, loss, precision and optimizer.</summary>
                public static global::NetGen.NetworkArchitecture Architecture { get; } = {{network.ArchitectureExpression()}};

                global::NetGen.NetworkArchitecture global::NetGen.INetwork<{{t}}>.Architecture => Architecture;

                int global::NetGen.INetwork<{{t}}>.InputSize => InputSize;

                int global::NetGen.INetwork<{{t}}>.OutputSize => OutputSize;

                int global::NetGen.INetwork<{{t}}>.ParameterCount => ParameterCount;

                """);
        }

        private static void EmitInitialization(SourceWriter writer, EmittedNetwork network)
        {
            string t = network.T;
            writer.WriteBlock($$"""
                /// <summary>
                /// Redraws every parameter from <paramref name="seed"/>: Glorot uniform for identity, sigmoid, tanh and softmax
                /// layers, He uniform for the ReLU family, biases zero. The same seed always gives the same parameters.
                /// </summary>
                /// <param name="seed">The seed of the draw.</param>
                public void InitializeParameters(int seed) => DrawInitialParameters(seed).CopyTo(_parameters, 0);

                private static {{t}}[] DrawInitialParameters(int seed)
                {
                    var parameters = new {{t}}[ParameterCount];
                    var random = new global::NetGen.SeededRandom(seed);
                """);
            writer.Indent();
            foreach (DenseLayerSpec layer in network.Spec.Layers)
            {
                writer.WriteLine(
                    $"global::NetGen.ParameterInitializer.InitializeDense<{t}>(new {Span}<{t}>(parameters, {Int(layer.WeightOffset)}, {Int(layer.WeightCount)}), " +
                    $"new {Span}<{t}>(parameters, {Int(layer.BiasOffset)}, {Int(layer.Units)}), {Int(layer.Inputs)}, {Int(layer.Units)}, " +
                    $"global::NetGen.Activation.{layer.Activation}, {Double(layer.Slope)}, global::NetGen.Initializer.{layer.Initializer}, random);");
            }

            writer.WriteLine("return parameters;");
            writer.CloseBrace();
            writer.WriteLine();
        }

        private static void EmitPrediction(SourceWriter writer, EmittedNetwork network)
        {
            string t = network.T;
            string name = network.NameOf;
            string outputs = network.OutputsBuffer;
            writer.WriteBlock($$"""
                /// <summary>Computes the outputs of one sample.</summary>
                /// <param name="input">The sample's <see cref="InputSize"/> values.</param>
                /// <param name="output">Receives the <see cref="OutputSize"/> outputs.</param>
                public void Predict({{ReadOnlySpan}}<{{t}}> input, {{Span}}<{{t}}> output)
                {
                    {{Arguments}}.RequireSample(input.Length, InputSize, {{name}}, nameof(InputSize), nameof(input));
                    {{Arguments}}.RequireSample(output.Length, OutputSize, {{name}}, nameof(OutputSize), nameof(output));
                    RunForward(input, 1);
                    new {{Span}}<{{t}}>({{outputs}}, 0, OutputSize).CopyTo(output);
                }

                /// <summary>Computes the outputs of a batch of samples, stored row-major.</summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// <param name="outputs">Receives <see cref="OutputSize"/> outputs per sample.</param>
                public void PredictBatch({{ReadOnlySpan}}<{{t}}> inputs, {{Span}}<{{t}}> outputs)
                {
                    int samples = {{Arguments}}.SampleCount(inputs.Length, InputSize, {{name}}, nameof(inputs));
                    {{Arguments}}.RequireRows(outputs.Length, samples, OutputSize, {{name}}, nameof(outputs));
                    for (int start = 0; start < samples; start += {{RowsPerPass}})
                    {
                        int rows = global::System.Math.Min({{RowsPerPass}}, samples - start);
                        EnsureRowCapacity(rows);
                        RunForward(inputs.Slice(start * InputSize, rows * InputSize), rows);
                        new {{Span}}<{{t}}>({{outputs}}, 0, rows * OutputSize).CopyTo(outputs.Slice(start * OutputSize));
                    }
                }

                """);
        }

        /// <summary>
        /// TrainStep, TrainBatch, AccumulateGradients and ComputeLoss, either with one-hot or real-valued targets, or
        /// (for cross-entropy) with class labels.
        /// </summary>
        private static void EmitTraining(SourceWriter writer, EmittedNetwork network, bool labels)
        {
            string t = network.T;
            string name = network.NameOf;
            string zero = network.Literal(0);
            string targetType = labels ? $"{ReadOnlySpan}<int>" : $"{ReadOnlySpan}<{t}>";
            string targets = labels ? "labels" : "targets";
            string target = labels ? "label" : "target";
            string targetsDoc = labels
                ? "<param name=\"labels\">One class index in [0, OutputSize) per sample.</param>"
                : "<param name=\"targets\">The targets, <see cref=\"OutputSize\"/> values per sample.</param>";
            string checkTargets = labels
                ? $"{Arguments}.RequireLabels(labels, samples, OutputSize, {name}, nameof(labels));"
                : $"{Arguments}.RequireRows(targets.Length, samples, OutputSize, {name}, nameof(targets));";
            string targetSlice = labels ? "labels.Slice(start, rows)" : "targets.Slice(start * OutputSize, rows * OutputSize)";

            // With plain SGD, a step over one pass of samples and a clean gradient runs TrainFused instead. These statements
            // open a method body, so every line after their first carries the body's indentation.
            string fusedTrainStep = network.FusesSgd ? $"if (_gradientsClean)\n    {{\n        return TrainFused(input, {target}, 1);\n    }}\n\n    " : string.Empty;
            string fusedTrainBatch = network.FusesSgd
                ? $"if (_gradientsClean && samples <= {RowsPerPass})\n    {{\n        return TrainFused(inputs, {targets}, samples) / samples;\n    }}\n\n    "
                : string.Empty;
            // The pass itself: in vector lanes for a tiny network on enough samples, else layer by layer through the per-sample
            // buffers (which the lane pass does not use, so only this branch grows them). These statements sit in the loop body
            // of the method below, so their continuation lines carry its indentation.
            string layered = $"EnsureRowCapacity(rows);\n        RunForward(x, rows);\n        loss += ComputeOutputLoss({targetSlice}, rows, withGradient: true);\n        RunBackward(x, rows);";
            string pass = network.RunsInLanes
                ? $"if ({Vector}.IsHardwareAccelerated && {Fma}.IsSupported && rows >= {Int(MinimumLaneRows)})\n        {{\n" +
                  $"            loss += RunLanes(x, {targetSlice}, rows);\n        }}\n        else\n        {{\n" +
                  $"            {layered.Replace("\n        ", "\n            ")}\n        }}"
                : layered;
            string markGradientsUsed = network.FusesSgd ? "_gradientsClean = false;\n    " : string.Empty;

            if (labels)
            {
                writer.WriteBlock($$"""
                    /// <summary>One optimizer step on one sample of class <paramref name="label"/>: forward, backward and update.</summary>
                    /// <param name="input">The sample's <see cref="InputSize"/> values.</param>
                    /// <param name="label">The sample's class, in [0, OutputSize).</param>
                    /// <returns>The sample's loss before the update.</returns>
                    public {{t}} TrainStep({{ReadOnlySpan}}<{{t}}> input, int label)
                        => TrainStep(input, new {{ReadOnlySpan}}<int>(in label));

                    """);
            }

            writer.WriteBlock($$"""
                /// <summary>One optimizer step on one sample: forward, backward and update.</summary>
                /// <param name="input">The sample's <see cref="InputSize"/> values.</param>
                /// <param name="{{target}}">{{(labels ? "The sample's class, as a span of one label." : "The sample's <see cref=\"OutputSize\"/> targets.")}}</param>
                /// <returns>The sample's loss before the update.</returns>
                public {{t}} TrainStep({{ReadOnlySpan}}<{{t}}> input, {{targetType}} {{target}})
                {
                    {{Arguments}}.RequireSample(input.Length, InputSize, {{name}}, nameof(InputSize), nameof(input));
                    {{(labels
                        ? $"{Arguments}.RequireLabels(label, 1, OutputSize, {name}, nameof(label));"
                        : $"{Arguments}.RequireSample(target.Length, OutputSize, {name}, nameof(OutputSize), nameof(target));")}}
                    {{fusedTrainStep}}{{t}} loss = AccumulateGradientsCore(input, {{target}}, 1);
                    ApplyUpdate(1);
                    return loss;
                }

                /// <summary>One optimizer step on the gradient averaged over a batch.</summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// {{targetsDoc}}
                /// <returns>The batch's mean loss before the update.</returns>
                public {{t}} TrainBatch({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}})
                {
                    int samples = {{Arguments}}.SampleCount(inputs.Length, InputSize, {{name}}, nameof(inputs));
                    {{checkTargets}}
                    {{fusedTrainBatch}}{{t}} loss = AccumulateGradientsCore(inputs, {{targets}}, samples);
                    ApplyUpdate(samples);
                    return loss / samples;
                }

                /// <summary>
                /// Adds the gradient of the summed loss over a batch into <see cref="Gradients"/>, without updating. With
                /// <see cref="ApplyGradients"/> this runs full-batch descent over data larger than one call.
                /// </summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// {{targetsDoc}}
                /// <returns>The sum of the samples' losses.</returns>
                public {{t}} AccumulateGradients({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}})
                {
                    int samples = {{Arguments}}.SampleCount(inputs.Length, InputSize, {{name}}, nameof(inputs));
                    {{checkTargets}}
                    {{markGradientsUsed}}return AccumulateGradientsCore(inputs, {{targets}}, samples);
                }

                /// <summary>The mean loss over a batch, without training.</summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// {{targetsDoc}}
                /// <returns>The mean of the samples' losses.</returns>
                public {{t}} ComputeLoss({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}})
                {
                    int samples = {{Arguments}}.SampleCount(inputs.Length, InputSize, {{name}}, nameof(inputs));
                    {{checkTargets}}
                    {{t}} loss = {{zero}};
                    for (int start = 0; start < samples; start += {{RowsPerPass}})
                    {
                        int rows = global::System.Math.Min({{RowsPerPass}}, samples - start);
                        EnsureRowCapacity(rows);
                        RunForward(inputs.Slice(start * InputSize, rows * InputSize), rows);
                        loss += ComputeOutputLoss({{targetSlice}}, rows, withGradient: false);
                    }

                    return loss / samples;
                }

                // Forward, loss gradient and backward over the batch, at most MaxRowsPerPass samples at a time.
                private {{t}} AccumulateGradientsCore({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}}, int samples)
                {
                    {{t}} loss = {{zero}};
                    for (int start = 0; start < samples; start += {{RowsPerPass}})
                    {
                        int rows = global::System.Math.Min({{RowsPerPass}}, samples - start);
                        {{ReadOnlySpan}}<{{t}}> x = inputs.Slice(start * InputSize, rows * InputSize);
                        {{pass}}
                    }

                    return loss;
                }

                """);
            if (network.FusesSgd)
            {
                writer.WriteBlock($$"""
                    // One pass over at most MaxRowsPerPass samples with a clean gradient: forward, loss, then backward with the
                    // SGD step fused into the weight products (RunBackwardAndDescend). Returns the summed loss.
                    private {{t}} TrainFused({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}}, int samples)
                    {
                        EnsureRowCapacity(samples);
                        RunForward(inputs, samples);
                        {{t}} loss = ComputeOutputLoss({{targets}}, samples, withGradient: true);
                        RunBackwardAndDescend(inputs, samples);
                        return loss;
                    }

                    """);
            }
        }

        private static void EmitFiles(SourceWriter writer)
        {
            writer.WriteBlock("""
                /// <summary>Writes the parameters as safetensors: <c>layers.{i}.weight</c> [units, inputs] and <c>layers.{i}.bias</c> [units].</summary>
                /// <param name="stream">The stream to write to.</param>
                public void Save(global::System.IO.Stream stream) => global::NetGen.NetworkFiles.Save(this, stream);

                /// <summary>Writes the parameters as safetensors to <paramref name="path"/>, atomically: the previous file survives any failure.</summary>
                /// <param name="path">The file to write.</param>
                public void Save(string path) => global::NetGen.NetworkFiles.Save(this, path);

                /// <summary>Reads parameters saved by <see cref="Save(global::System.IO.Stream)"/> or by any safetensors writer, after validating the whole file.</summary>
                /// <param name="stream">The stream to read.</param>
                /// <exception cref="global::NetGen.NetGenFormatException">The file is malformed or made for another network; nothing changed.</exception>
                public void Load(global::System.IO.Stream stream) => global::NetGen.NetworkFiles.Load(this, stream);

                /// <summary>Reads parameters from a safetensors file, after validating all of it.</summary>
                /// <param name="path">The file to read.</param>
                /// <exception cref="global::NetGen.NetGenFormatException">The file is malformed or made for another network; nothing changed.</exception>
                public void Load(string path) => global::NetGen.NetworkFiles.Load(this, path);

                /// <summary>Writes parameters, optimizer state and <paramref name="epochsCompleted"/>, to resume training exactly.</summary>
                /// <param name="stream">The stream to write to.</param>
                /// <param name="epochsCompleted">The epochs trained so far; pass it back as TrainingOptions.InitialEpoch.</param>
                public void SaveCheckpoint(global::System.IO.Stream stream, int epochsCompleted) => global::NetGen.NetworkFiles.SaveCheckpoint(this, stream, epochsCompleted);

                /// <summary>Writes a checkpoint to <paramref name="path"/>, atomically.</summary>
                /// <param name="path">The file to write.</param>
                /// <param name="epochsCompleted">The epochs trained so far; pass it back as TrainingOptions.InitialEpoch.</param>
                public void SaveCheckpoint(string path, int epochsCompleted) => global::NetGen.NetworkFiles.SaveCheckpoint(this, path, epochsCompleted);

                /// <summary>Restores parameters, optimizer state and step count from a checkpoint.</summary>
                /// <param name="stream">The stream to read.</param>
                /// <returns>The epochs the checkpoint had completed.</returns>
                public int LoadCheckpoint(global::System.IO.Stream stream) => global::NetGen.NetworkFiles.LoadCheckpoint(this, stream);

                /// <summary>Restores parameters, optimizer state and step count from a checkpoint file.</summary>
                /// <param name="path">The file to read.</param>
                /// <returns>The epochs the checkpoint had completed.</returns>
                public int LoadCheckpoint(string path) => global::NetGen.NetworkFiles.LoadCheckpoint(this, path);

                /// <summary>Writes the inference graph as an ONNX model (opset 13): input "input" [batch, InputSize], output "output".</summary>
                /// <param name="stream">The stream to write to.</param>
                public void ExportOnnx(global::System.IO.Stream stream) => global::NetGen.OnnxExport.Export(this, stream);

                /// <summary>Writes the inference graph as an ONNX model to <paramref name="path"/>, atomically.</summary>
                /// <param name="path">The file to write.</param>
                public void ExportOnnx(string path) => global::NetGen.OnnxExport.Export(this, path);

                """);
        }

        private static void EmitGradientUpdate(SourceWriter writer, EmittedNetwork network)
        {
            string t = network.T;
            writer.WriteBlock($$"""
                /// <summary>One optimizer step with <see cref="Gradients"/> divided by <paramref name="sampleCount"/>, then zeroes the gradients.</summary>
                /// <param name="sampleCount">The number of samples the gradient was accumulated over; at least 1.</param>
                public void ApplyGradients(int sampleCount)
                {
                    {{Arguments}}.RequireSampleCount(sampleCount, {{network.NameOf}}, nameof(sampleCount));
                    ApplyUpdate(sampleCount);
                }

                /// <summary>Sets every accumulated gradient to zero.</summary>
                {{(network.FusesSgd
                    ? "public void ZeroGradients()\n{\n    global::System.Array.Clear(_gradients, 0, _gradients.Length);\n    _gradientsClean = true;\n}"
                    : "public void ZeroGradients() => global::System.Array.Clear(_gradients, 0, _gradients.Length);")}}

                /// <summary>
                /// Trains for <see cref="global::NetGen.TrainingOptions.Epochs"/> epochs of batch, stochastic or mini-batch gradient
                /// descent, as <see cref="global::NetGen.TrainingOptions.BatchSize"/> says.
                /// </summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// <param name="targets">The targets, <see cref="OutputSize"/> values per sample.</param>
                /// <param name="options">Epochs, batch size and shuffling.</param>
                /// <returns>The mean loss of every epoch.</returns>
                public global::NetGen.TrainingHistory Fit({{t}}[] inputs, {{t}}[] targets, global::NetGen.TrainingOptions options)
                    => global::NetGen.Trainer.Fit(this, inputs, targets, options);

                {{network.UpdateMethod()}}

                """);
        }

        private static void EmitForward(SourceWriter writer, EmittedNetwork network)
        {
            string t = network.T;
            writer.WriteLine("// Forward pass over the first rows samples of inputs: leaves every layer's outputs in its buffer.");
            writer.WriteLine(FullyOptimized);
            writer.WriteLine($"private void RunForward({ReadOnlySpan}<{t}> inputs, int rows)");
            writer.OpenBrace();
            writer.WriteLine($"{ReadOnlySpan}<{t}> p = _parameters;");
            foreach (DenseLayerSpec layer in network.Spec.Layers)
            {
                writer.WriteLine();
                writer.WriteLine($"// Layer {Int(layer.Index)}: {network.DescribeLayer(layer)}, forward{(network.IsUnrolled(layer) ? ", unrolled" : string.Empty)}");
                if (network.IsUnrolled(layer))
                {
                    EmitUnrolledForward(writer, network, layer, layer.Index == 0 ? "inputs" : network.OutputsOf(layer.Index - 1));
                }
                else
                {
                    string source = layer.Index == 0 ? "inputs" : network.View(network.OutputsOf(layer.Index - 1), "0", $"rows * {Int(layer.Inputs)}");
                    string preActivations = network.PreActivationsOf(layer);
                    string outputs = network.OutputsOf(layer.Index);
                    string width = Int(layer.Units);
                    writer.WriteLine(
                        $"{Kernels}.DenseKernels.Forward<{t}>(p.Slice({Int(layer.WeightOffset)}, {Int(layer.WeightCount)}), p.Slice({Int(layer.BiasOffset)}, {width}), " +
                        $"{source}, new {Span}<{t}>({preActivations}, 0, rows * {width}), rows, {Int(layer.Inputs)}, {width});");
                    EmitActivationCall(writer, network, layer, $"new {Span}<{t}>({preActivations}, 0, rows * {width})", $"new {Span}<{t}>({outputs}, 0, rows * {width})");
                }
            }

            writer.CloseBrace();
            writer.WriteLine();
        }

        /// <summary>A small layer as straight-line code per sample: every weight index is a constant.</summary>
        private static void EmitUnrolledForward(SourceWriter writer, EmittedNetwork network, DenseLayerSpec layer, string source)
        {
            string t = network.T;
            string preActivations = network.PreActivationsOf(layer);
            string outputs = network.OutputsOf(layer.Index);
            bool keepsLogits = preActivations != outputs;

            // ReLU-type activations are a compare and a select, cheap inline. Sigmoid, tanh and softmax need exp or
            // tanh, which the vectorised kernel computes over the whole batch far faster than scalar calls per unit.
            bool elementwise = layer.CustomActivation is null && (layer.Activation is ActivationKind.Identity or ActivationKind.ReLU or ActivationKind.LeakyReLU);
            writer.WriteLine("for (int row = 0; row < rows; row++)");
            writer.OpenBrace();
            writer.WriteLine($"{ReadOnlySpan}<{t}> x = {network.Rows(source, layer.Inputs)};");
            if (keepsLogits || !elementwise)
            {
                writer.WriteLine($"{Span}<{t}> z = new {Span}<{t}>({preActivations}, row * {Int(layer.Units)}, {Int(layer.Units)});");
            }

            if (elementwise)
            {
                writer.WriteLine($"{Span}<{t}> y = new {Span}<{t}>({outputs}, row * {Int(layer.Units)}, {Int(layer.Units)});");
            }

            for (int unit = 0; unit < layer.Units; unit++)
            {
                string sum = PairwiseSum(Enumerable.Range(0, layer.Inputs)
                    .Select(input => $"p[{Int(layer.WeightOffset + unit * layer.Inputs + input)}] * x[{Int(input)}]")
                    .Prepend($"p[{Int(layer.BiasOffset + unit)}]"));
                string u = Int(unit);
                if (!elementwise)
                {
                    writer.WriteLine($"z[{u}] = {sum};");
                }
                else if (keepsLogits)
                {
                    writer.WriteLine($"z[{u}] = {sum};");
                    writer.WriteLine($"y[{u}] = {network.ActivationExpression(layer, $"z[{u}]")};");
                }
                else if (layer.Activation == ActivationKind.Identity)
                {
                    writer.WriteLine($"y[{u}] = {sum};");
                }
                else
                {
                    writer.WriteLine($"{t} z{u} = {sum};");
                    writer.WriteLine($"y[{u}] = {network.ActivationExpression(layer, "z" + u)};");
                }
            }

            writer.CloseBrace();
            if (!elementwise)
            {
                writer.WriteLine(layer.CustomActivation is null ? $"// {layer.Activation} of every row at once, vectorised." : $"// {layer.CustomActivation} of every value, the custom activation.");
                string width = Int(layer.Units);
                EmitActivationCall(writer, network, layer, $"new {Span}<{t}>({preActivations}, 0, rows * {width})", $"new {Span}<{t}>({outputs}, 0, rows * {width})");
            }
        }

        private static void EmitActivationCall(SourceWriter writer, EmittedNetwork network, DenseLayerSpec layer, string z, string y)
        {
            string t = network.T;
            if (layer.CustomActivation is { } custom)
            {
                string pre = network.PreActivationsOf(layer), outputs = network.OutputsOf(layer.Index);
                writer.WriteLine($"for (int k = 0; k < rows * {Int(layer.Units)}; k++)");
                writer.OpenBrace();
                writer.WriteLine($"{outputs}[k] = {custom}({pre}[k]);");
                writer.CloseBrace();
                return;
            }

            string call = layer.Activation switch
            {
                ActivationKind.Identity => string.Empty,
                ActivationKind.Sigmoid => $"{Kernels}.ActivationKernels.Sigmoid<{t}>({z}, {y});",
                ActivationKind.Tanh => $"{Kernels}.ActivationKernels.Tanh<{t}>({z}, {y});",
                ActivationKind.ReLU => $"{Kernels}.ActivationKernels.ReLU<{t}>({z}, {y});",
                ActivationKind.LeakyReLU => $"{Kernels}.ActivationKernels.LeakyReLU<{t}>({z}, {y}, {network.Literal(layer.Slope)});",
                _ => $"{Kernels}.ActivationKernels.Softmax<{t}>({z}, {y}, rows, {Int(layer.Units)});",
            };
            if (call.Length > 0)
            {
                writer.WriteLine(call);
            }
        }

        /// <summary>The loss summed over the rows, and (withGradient) its gradient with respect to the output layer's pre-activations.</summary>
        private static void EmitOutputLoss(SourceWriter writer, EmittedNetwork network, bool labels)
        {
            NetworkSpec spec = network.Spec;
            DenseLayerSpec output = spec.Layers[spec.Layers.Count - 1];
            string t = network.T;
            string width = Int(output.Units);
            string y = $"new {Span}<{t}>({network.OutputsOf(output.Index)}, 0, rows * {width})";
            string z = $"new {Span}<{t}>({network.PreActivationsOf(output)}, 0, rows * {width})";
            string targetType = labels ? $"{ReadOnlySpan}<int>" : $"{ReadOnlySpan}<{t}>";
            string targets = labels ? "labels" : "targets";

            writer.WriteLine($"// Loss of the last forward pass, summed over its rows; with withGradient, also ∂loss/∂z of layer {Int(output.Index)}.");
            writer.WriteLine($"private {t} ComputeOutputLoss({targetType} {targets}, int rows, bool withGradient)");
            writer.OpenBrace();
            writer.WriteLine($"{Span}<{t}> gradient = withGradient ? new {Span}<{t}>({network.GradientsOf(output.Index)}, 0, rows * {width}) : default;");
            switch (spec.Loss)
            {
                case LossKind.CrossEntropy:
                    writer.WriteLine("// Softmax and cross-entropy together: the gradient with respect to the logits is y − t.");
                    writer.WriteLine($"return {Kernels}.LossKernels.SoftmaxCrossEntropy<{t}>({z}, {y}, {targets}, gradient, {width});");
                    break;
                case LossKind.BinaryCrossEntropy:
                    writer.WriteLine("// Sigmoid and binary cross-entropy together: the gradient with respect to the logits is (y − t) / OutputSize.");
                    writer.WriteLine($"return {Kernels}.LossKernels.SigmoidBinaryCrossEntropy<{t}>({z}, {y}, {targets}, gradient, {width});");
                    break;
                default:
                    writer.WriteLine($"{t} loss = {Kernels}.LossKernels.MeanSquaredError<{t}>({y}, {targets}, gradient, {width});");
                    string? backward = ActivationBackwardCall(network, output, y, "gradient");
                    if (backward is not null)
                    {
                        writer.WriteLine("if (withGradient)");
                        writer.OpenBrace();
                        writer.WriteBlock(backward);
                        writer.CloseBrace();
                    }

                    writer.WriteLine("return loss;");
                    break;
            }

            writer.CloseBrace();
            writer.WriteLine();
        }

        /// <summary>
        /// RunBackward, or with <paramref name="fused"/> RunBackwardAndDescend: the same pass, except that each kernel
        /// layer first hands its gradient down (with the weights not yet changed) and then takes its SGD step on the
        /// weights from dZ and X directly; the biases and unrolled layers accumulate as usual and are updated at the end.
        /// </summary>
        private static void EmitBackward(SourceWriter writer, EmittedNetwork network, bool fused)
        {
            string t = network.T;
            SgdSpec? sgd = fused ? (SgdSpec)network.Spec.Optimizer : null;
            if (fused)
            {
                writer.WriteLine("// Backward pass and plain SGD step at once (the gradient must be clean): each kernel layer hands ∂loss/∂z down,");
                writer.WriteLine("// then updates its weights from the batch; biases and unrolled layers accumulate into _gradients and are");
                writer.WriteLine("// updated at the end, which leaves _gradients clean again.");
                writer.WriteLine(FullyOptimized);
                writer.WriteLine($"private void RunBackwardAndDescend({ReadOnlySpan}<{t}> inputs, int rows)");
                writer.OpenBrace();
                writer.WriteLine($"{t} scale = {network.Literal(1)} / rows;");
                writer.WriteLine($"{t} rate = ({t})_learningRate;");
            }
            else
            {
                writer.WriteLine("// Backward pass: from ∂loss/∂z of the last layer, adds every layer's weight and bias gradients into _gradients");
                writer.WriteLine("// and hands ∂loss/∂z on to the layer below (the chain rule through each activation's derivative).");
                writer.WriteLine(FullyOptimized);
                writer.WriteLine($"private void RunBackward({ReadOnlySpan}<{t}> inputs, int rows)");
                writer.OpenBrace();
            }

            writer.WriteLine($"{ReadOnlySpan}<{t}> p = _parameters;");
            writer.WriteLine($"{Span}<{t}> g = _gradients;");
            for (int index = network.Spec.Layers.Count - 1; index >= 0; index--)
            {
                DenseLayerSpec layer = network.Spec.Layers[index];
                writer.WriteLine();
                writer.WriteLine($"// Layer {Int(index)}: {network.DescribeLayer(layer)}, backward{(network.IsUnrolled(layer) ? ", unrolled" : string.Empty)}");
                if (network.IsUnrolled(layer))
                {
                    EmitUnrolledBackward(writer, network, layer);
                    continue;
                }

                string inWidth = Int(layer.Inputs);
                string outWidth = Int(layer.Units);
                string x = index == 0 ? "inputs" : $"new {Span}<{t}>({network.OutputsOf(index - 1)}, 0, rows * {inWidth})";
                string dz = $"new {Span}<{t}>({network.GradientsOf(index)}, 0, rows * {outWidth})";
                if (!fused)
                {
                    writer.WriteLine(
                        $"{Kernels}.DenseKernels.AccumulateParameterGradients<{t}>({dz}, {x}, g.Slice({Int(layer.WeightOffset)}, {Int(layer.WeightCount)}), " +
                        $"g.Slice({Int(layer.BiasOffset)}, {outWidth}), rows, {inWidth}, {outWidth});");
                }

                if (index > 0)
                {
                    DenseLayerSpec below = network.Spec.Layers[index - 1];
                    string dx = $"new {Span}<{t}>({network.GradientsOf(index - 1)}, 0, rows * {inWidth})";
                    writer.WriteLine(
                        $"{Kernels}.DenseKernels.BackpropagateInputs<{t}>({dz}, p.Slice({Int(layer.WeightOffset)}, {Int(layer.WeightCount)}), {dx}, rows, {inWidth}, {outWidth});");
                    string? backward = ActivationBackwardCall(network, below, x, dx);
                    if (backward is not null)
                    {
                        writer.WriteBlock(backward);
                    }
                }

                if (sgd is not null)
                {
                    writer.WriteLine($"{Kernels}.DenseKernels.AccumulateBiasGradients<{t}>({dz}, g.Slice({Int(layer.BiasOffset)}, {outWidth}), rows, {outWidth});");
                    writer.WriteLine(
                        $"{Kernels}.DenseKernels.SgdWeightStep<{t}>({dz}, {x}, new {Span}<{t}>(_parameters, {Int(layer.WeightOffset)}, {Int(layer.WeightCount)}), " +
                        $"rows, {inWidth}, {outWidth}, rate, {network.Literal(sgd.WeightDecay)}, scale);");
                }
            }

            if (sgd is not null)
            {
                writer.WriteLine();
                writer.WriteLine("// SGD on every parameter whose gradient was accumulated: biases and unrolled layers.");
                writer.WriteLine("_optimizerStep++;");
                foreach ((int start, int length) in network.AccumulatedParameterRanges())
                {
                    writer.WriteLine(
                        $"{Kernels}.OptimizerKernels.Sgd<{t}>(new {Span}<{t}>(_parameters, {Int(start)}, {Int(length)}), new {Span}<{t}>(_gradients, {Int(start)}, {Int(length)}), " +
                        $"rate, {network.Literal(sgd.WeightDecay)}, scale);");
                }
            }

            writer.CloseBrace();
            writer.WriteLine();
        }

        /// <summary>
        /// a + b + (c + d) + …: the terms added in pairs, then pairs of pairs. Written left to right, a sum of n terms is a
        /// chain of n dependent additions; in pairs it is log₂ n deep, so the unrolled dot products of different units
        /// overlap in the CPU instead of waiting on each other's adds. Parentheses appear only where the order differs
        /// from left to right.
        /// </summary>
        internal static string PairwiseSum(IEnumerable<string> terms)
        {
            var level = terms.Select(term => (Text: term, Compound: false)).ToList();
            while (level.Count > 1)
            {
                var next = new List<(string Text, bool Compound)>((level.Count + 1) / 2);
                for (int i = 0; i + 1 < level.Count; i += 2)
                {
                    string right = level[i + 1].Compound ? "(" + level[i + 1].Text + ")" : level[i + 1].Text;
                    next.Add((level[i].Text + " + " + right, true));
                }

                if (level.Count % 2 == 1)
                {
                    next.Add(level[level.Count - 1]);
                }

                level = next;
            }

            return level[0].Text;
        }

        private static void EmitUnrolledBackward(SourceWriter writer, EmittedNetwork network, DenseLayerSpec layer)
        {
            string t = network.T;
            int index = layer.Index;
            string source = index == 0 ? "inputs" : network.OutputsOf(index - 1);
            writer.WriteLine("for (int row = 0; row < rows; row++)");
            writer.OpenBrace();
            writer.WriteLine($"{ReadOnlySpan}<{t}> x = {network.Rows(source, layer.Inputs)};");
            writer.WriteLine($"{ReadOnlySpan}<{t}> dz = new {ReadOnlySpan}<{t}>({network.GradientsOf(index)}, row * {Int(layer.Units)}, {Int(layer.Units)});");
            for (int unit = 0; unit < layer.Units; unit++)
            {
                for (int input = 0; input < layer.Inputs; input++)
                {
                    writer.WriteLine($"g[{Int(layer.WeightOffset + unit * layer.Inputs + input)}] += dz[{Int(unit)}] * x[{Int(input)}];");
                }

                writer.WriteLine($"g[{Int(layer.BiasOffset + unit)}] += dz[{Int(unit)}];");
            }

            if (index > 0)
            {
                DenseLayerSpec below = network.Spec.Layers[index - 1];
                writer.WriteLine($"{Span}<{t}> dx = new {Span}<{t}>({network.GradientsOf(index - 1)}, row * {Int(layer.Inputs)}, {Int(layer.Inputs)});");
                for (int input = 0; input < layer.Inputs; input++)
                {
                    string i = Int(input);
                    string sum = PairwiseSum(Enumerable.Range(0, layer.Units)
                        .Select(unit => $"dz[{Int(unit)}] * p[{Int(layer.WeightOffset + unit * layer.Inputs + input)}]"));
                    writer.WriteLine($"{t} dx{i} = {sum};");
                    string derivative = below.CustomActivation is { } custom
                        ? $"dx{i} * {custom}Derivative({network.PreActivationsOf(below)}[row * {Int(layer.Inputs)} + {i}])"
                        : network.DerivativeExpression(below, $"dx{i}", $"x[{i}]");
                    writer.WriteLine($"dx[{i}] = {derivative};");
                }
            }

            writer.CloseBrace();
        }

        /// <summary>The kernel call that multiplies <paramref name="gradient"/> by the activation's derivative at its outputs; null for identity.</summary>
        private static string? ActivationBackwardCall(EmittedNetwork network, DenseLayerSpec layer, string outputs, string gradient)
        {
            string t = network.T;
            if (layer.CustomActivation is { } custom)
            {
                // The derivative at the kept pre-activations, element by element, from the custom function's generated gradient.
                string buffer = network.GradientsOf(layer.Index), pre = network.PreActivationsOf(layer);
                return $"for (int k = 0; k < rows * {Int(layer.Units)}; k++)\n{{\n    {buffer}[k] *= {custom}Derivative({pre}[k]);\n}}";
            }

            return layer.Activation switch
            {
                ActivationKind.Identity => null,
                ActivationKind.Sigmoid => $"{Kernels}.ActivationKernels.SigmoidBackward<{t}>({outputs}, {gradient});",
                ActivationKind.Tanh => $"{Kernels}.ActivationKernels.TanhBackward<{t}>({outputs}, {gradient});",
                ActivationKind.ReLU => $"{Kernels}.ActivationKernels.ReLUBackward<{t}>({outputs}, {gradient});",
                ActivationKind.LeakyReLU => $"{Kernels}.ActivationKernels.LeakyReLUBackward<{t}>({outputs}, {gradient}, {network.Literal(layer.Slope)});",
                _ => $"{Kernels}.ActivationKernels.SoftmaxBackward<{t}>({outputs}, {gradient}, rows, {Int(layer.Units)});",
            };
        }

        private static void EmitBuffers(SourceWriter writer, EmittedNetwork network)
        {
            string t = network.T;
            foreach (string custom in network.Spec.Layers.Select(l => l.CustomActivation).OfType<string>().Distinct())
            {
                writer.WriteLine($"// The derivative of the custom activation {custom} at z, from its generated gradient.");
                writer.WriteLine($"private static {t} {custom}Derivative({t} z)");
                writer.OpenBrace();
                writer.WriteLine($"{custom}Gradient(z, out {t} derivative);");
                writer.WriteLine("return derivative;");
                writer.CloseBrace();
                writer.WriteLine();
            }

            writer.WriteLine("// Grows the per-sample buffers to hold at least rows samples; they never shrink, so steady training allocates nothing.");
            writer.WriteLine("private void EnsureRowCapacity(int rows)");
            writer.OpenBrace();
            writer.WriteLine("if (rows <= _rowCapacity)");
            writer.OpenBrace();
            writer.WriteLine("return;");
            writer.CloseBrace();
            writer.WriteLine();
            foreach (string buffer in network.Buffers)
            {
                writer.WriteLine($"{buffer} = new {t}[checked(rows * {Int(network.BufferWidth(buffer))})];");
            }

            writer.WriteLine("_rowCapacity = rows;");
            writer.CloseBrace();
        }

        internal static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        internal static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture) + "d";
    }

    /// <summary>The naming and numeric conventions of one network's generated code.</summary>
    private sealed class EmittedNetwork
    {
        private readonly Dictionary<string, int> _bufferWidths = new();

        public EmittedNetwork(NetworkSpec spec)
        {
            Spec = spec;
            IsDouble = spec.Precision == PrecisionKind.Double;
            T = IsDouble ? "double" : "float";
            NameOf = "\"" + spec.Type.SimpleName + "\"";
            foreach (DenseLayerSpec layer in spec.Layers)
            {
                if (PreActivationsOf(layer) != OutputsOf(layer.Index))
                {
                    _bufferWidths.Add(PreActivationsOf(layer), layer.Units);
                }

                _bufferWidths.Add(OutputsOf(layer.Index), layer.Units);
                _bufferWidths.Add(GradientsOf(layer.Index), layer.Units);
            }
        }

        public NetworkSpec Spec { get; }

        public bool IsDouble { get; }

        /// <summary>float or double.</summary>
        public string T { get; }

        /// <summary>The network's name as a string literal, for exception messages (nameof cannot name an unbound generic type).</summary>
        public string NameOf { get; }

        public IEnumerable<string> Buffers => _bufferWidths.Keys;

        public string OutputsBuffer => OutputsOf(Spec.Layers.Count - 1);

        public int BufferWidth(string buffer) => _bufferWidths[buffer];

        /// <summary>The optimizer state array's initializer: one parameter-sized vector per state vector.</summary>
        public string OptimizerStateArray
            => Spec.Optimizer.StateVectors switch
            {
                0 => $"global::System.Array.Empty<{T}>()",
                1 => $"new {T}[ParameterCount]",
                int vectors => $"new {T}[{Emitter.Int(vectors)} * ParameterCount]",
            };

        public string OptimizerStateDescription
            => Spec.Optimizer.StateVectors == 0
                ? "none, since plain SGD keeps no state"
                : "its " + string.Join(", then ", Spec.Optimizer.StateNames) + ", each laid out as <see cref=\"Parameters\"/>";

        /// <summary>The NetworkArchitecture initializer describing this network to the runtime.</summary>
        public string ArchitectureExpression()
        {
            string layers = string.Join(", ", Spec.Layers.Select(layer =>
                $"new global::NetGen.LayerArchitecture({Emitter.Int(layer.Inputs)}, {Emitter.Int(layer.Units)}, global::NetGen.Activation.{layer.Activation}, {Emitter.Double(layer.Slope)}" +
                (layer.CustomActivation is { } custom ? $", \"{custom}\")" : ")")));
            string states = string.Join(", ", Spec.Optimizer.StateNames.Select(name => "\"" + name.Replace(' ', '_') + "\""));
            string optimizer = Spec.Optimizer switch
            {
                SgdSpec => "Sgd",
                AdamSpec { Decoupled: true } => "AdamW",
                AdamSpec => "Adam",
                RmsPropSpec => "RmsProp",
                _ => "Adagrad",
            };
            return $"new global::NetGen.NetworkArchitecture(\"{Spec.Type.SimpleName}\", {Emitter.Int(Spec.Inputs)}, " +
                   $"new global::NetGen.LayerArchitecture[] {{ {layers} }}, global::NetGen.Loss.{Spec.Loss}, " +
                   $"global::NetGen.Precision.{(IsDouble ? "Double" : "Single")}, \"{optimizer}\", new string[] {{ {states} }})";
        }

        /// <summary>ApplyUpdate: the averaged (and clipped) gradient scale, then the optimizer's fused kernel over every parameter.</summary>
        public string UpdateMethod()
        {
            OptimizerSpec optimizer = Spec.Optimizer;
            string kernels = "global::NetGen.Kernels.OptimizerKernels";
            string rate = $"({T})_learningRate";
            string State(int index) => $"state.Slice({(index == 0 ? "0" : Emitter.Int(index) + " * ParameterCount")}, ParameterCount)";
            (string summary, string call) = optimizer switch
            {
                SgdSpec { Momentum: 0 } sgd => (
                    $"SGD, weight decay {Plain(sgd.WeightDecay)}: θ ← θ − α·(g + λθ)",
                    $"{kernels}.Sgd<{T}>(_parameters, _gradients, {rate}, {Literal(sgd.WeightDecay)}, scale);"),
                SgdSpec sgd => (
                    $"SGD with {(sgd.Nesterov ? "Nesterov " : string.Empty)}momentum {Plain(sgd.Momentum)}, weight decay {Plain(sgd.WeightDecay)} (see SgdAttribute)",
                    $"{kernels}.SgdMomentum<{T}>(_parameters, _gradients, {State(0)}, {rate}, {Literal(sgd.Momentum)}, nesterov: {(sgd.Nesterov ? "true" : "false")}, {Literal(sgd.WeightDecay)}, scale);"),
                AdamSpec adam => (
                    $"{(adam.Decoupled ? "AdamW" : "Adam")}{(adam.Amsgrad ? " (AMSGrad)" : string.Empty)}, β₁ = {Plain(adam.Beta1)}, β₂ = {Plain(adam.Beta2)}, ε = {Plain(adam.Epsilon)}, " +
                    $"{(adam.Decoupled ? "decoupled" : "L2")} weight decay {Plain(adam.WeightDecay)} (see {(adam.Decoupled ? "AdamWAttribute" : "AdamAttribute")})",
                    $"{kernels}.Adam<{T}>(_parameters, _gradients, {State(0)}, {State(1)}, {(adam.Amsgrad ? State(2) : "default")}, {rate}, " +
                    $"{Literal(adam.Beta1)}, {Literal(adam.Beta2)}, {Literal(adam.Epsilon)}, {Literal(adam.WeightDecay)}, decoupledWeightDecay: {(adam.Decoupled ? "true" : "false")}, _optimizerStep, scale);"),
                RmsPropSpec rms => (
                    $"RMSprop{(rms.Centered ? " (centered)" : string.Empty)}, α = {Plain(rms.Alpha)}, ε = {Plain(rms.Epsilon)}, momentum {Plain(rms.Momentum)}, weight decay {Plain(rms.WeightDecay)} (see RmsPropAttribute)",
                    $"{kernels}.RmsProp<{T}>(_parameters, _gradients, {State(0)}, {(rms.Centered ? State(1) : "default")}, {(rms.Momentum > 0 ? State(rms.Centered ? 2 : 1) : "default")}, {rate}, " +
                    $"{Literal(rms.Alpha)}, {Literal(rms.Epsilon)}, {Literal(rms.Momentum)}, {Literal(rms.WeightDecay)}, scale);"),
                AdagradSpec adagrad => (
                    $"Adagrad, ε = {Plain(adagrad.Epsilon)}, weight decay {Plain(adagrad.WeightDecay)}, learning-rate decay {Plain(adagrad.LearningRateDecay)} (see AdagradAttribute)",
                    $"{kernels}.Adagrad<{T}>(_parameters, _gradients, {State(0)}, {rate}, {Literal(adagrad.Epsilon)}, {Literal(adagrad.WeightDecay)}, {Literal(adagrad.LearningRateDecay)}, _optimizerStep, scale);"),
                _ => throw new System.InvalidOperationException("Unknown optimizer " + optimizer.GetType().Name),
            };

            var text = new StringBuilder();
            text.Append("// ").Append(summary).Append(", at the learning rate LearningRate. One fused pass updates every parameter and clears the gradient.\n");
            text.Append("private void ApplyUpdate(int sampleCount)\n{\n");
            text.Append($"    {T} scale = {Literal(1)} / sampleCount;\n");
            if (optimizer.GradientClipNorm > 0)
            {
                text.Append($"    scale = {kernels}.ClipGradientScale<{T}>(_gradients, scale, {Literal(optimizer.GradientClipNorm)});\n");
            }

            text.Append("    _optimizerStep++;\n");
            if (optimizer.StateVectors > 0)
            {
                text.Append($"    global::System.Span<{T}> state = _optimizerState;\n");
            }

            text.Append("    ").Append(call).Append('\n');
            if (FusesSgd)
            {
                text.Append("    _gradientsClean = true;\n");
            }

            text.Append('}');
            return text.ToString();
        }

        private static string Plain(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>A span over part of a buffer. Generated code names System members fully, so it cannot rely on the AsSpan extension.</summary>
        public string View(string buffer, string start, string length) => $"new global::System.Span<{T}>({buffer}, {start}, {length})";

        /// <summary>The span of sample <c>row</c> in <paramref name="source"/>: the inputs span, or a buffer field.</summary>
        public string Rows(string source, int width)
            => source == "inputs"
                ? $"inputs.Slice(row * {Emitter.Int(width)}, {Emitter.Int(width)})"
                : $"new global::System.ReadOnlySpan<{T}>({source}, row * {Emitter.Int(width)}, {Emitter.Int(width)})";

        public bool IsUnrolled(DenseLayerSpec layer) => layer.WeightCount <= Emitter.UnrollWeightLimit;

        /// <summary>
        /// Whether training passes run in vector lanes (RunLanes): when every layer is unrolled, so the whole network is
        /// straight-line code, and has a built-in activation, which has a vector form.
        /// </summary>
        public bool RunsInLanes => Spec.Layers.All(layer => IsUnrolled(layer) && layer.CustomActivation is null);

        /// <summary>Samples per lane pass: the elements of a Vector256 of T.</summary>
        public int LaneCount => IsDouble ? 4 : 8;

        /// <summary>
        /// Whether training steps fuse the optimizer into the weight products of the kernel layers: only for plain SGD
        /// (no momentum, no clipping, whose global norm would need every gradient first) and only when a layer is large
        /// enough to run on the kernels.
        /// </summary>
        public bool FusesSgd => Spec.Optimizer is SgdSpec { Momentum: 0, GradientClipNorm: <= 0 } && Spec.Layers.Any(layer => !IsUnrolled(layer));

        /// <summary>The parameters the fused step leaves to the optimizer kernel, as merged [start, start + length) ranges: everything but kernel-layer weights.</summary>
        public IEnumerable<(int Start, int Length)> AccumulatedParameterRanges()
        {
            int start = -1, end = -1;
            foreach (DenseLayerSpec layer in Spec.Layers)
            {
                int first = IsUnrolled(layer) ? layer.WeightOffset : layer.BiasOffset;
                if (first != end && start >= 0)
                {
                    yield return (start, end - start);
                    start = -1;
                }

                if (start < 0)
                {
                    start = first;
                }

                end = layer.BiasOffset + layer.Units;
            }

            yield return (start, end - start);
        }

        public string OutputsOf(int layer) => "_layer" + Emitter.Int(layer) + "Outputs";

        public string GradientsOf(int layer) => "_layer" + Emitter.Int(layer) + "Gradients";

        /// <summary>
        /// Where a layer's pre-activations z go. A custom activation keeps them, since its derivative is taken at z; the
        /// output layer keeps them apart from its outputs when the loss is computed from logits (cross-entropy, binary
        /// cross-entropy); every other layer applies its activation in place.
        /// </summary>
        public string PreActivationsOf(DenseLayerSpec layer)
            => layer.CustomActivation is not null
                ? "_layer" + Emitter.Int(layer.Index) + "PreActivations"
                : layer.Index == Spec.Layers.Count - 1 && Spec.Loss != LossKind.MeanSquaredError
                    ? "_layer" + Emitter.Int(layer.Index) + "Logits"
                    : OutputsOf(layer.Index);

        public string Literal(double value)
            => IsDouble
                ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
                : ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

        /// <summary>f(z) for an activation that unrolled layers apply inline (identity and the ReLU family).</summary>
        public string ActivationExpression(DenseLayerSpec layer, string z)
            => layer.Activation switch
            {
                ActivationKind.ReLU => $"{z} > {Literal(0)} ? {z} : {Literal(0)}",
                ActivationKind.LeakyReLU => $"{z} > {Literal(0)} ? {z} : {Literal(layer.Slope)} * {z}",
                _ => z,
            };

        /// <summary>gradient · f′, with f′ taken from the layer's output y.</summary>
        public string DerivativeExpression(DenseLayerSpec layer, string gradient, string y)
            => layer.Activation switch
            {
                ActivationKind.Sigmoid => $"{gradient} * {y} * ({Literal(1)} - {y})",
                ActivationKind.Tanh => $"{gradient} * ({Literal(1)} - {y} * {y})",
                ActivationKind.ReLU => $"{y} > {Literal(0)} ? {gradient} : {Literal(0)}",
                ActivationKind.LeakyReLU => $"{y} > {Literal(0)} ? {gradient} : {Literal(layer.Slope)} * {gradient}",
                _ => gradient,
            };

        public string DescribeLayer(DenseLayerSpec layer)
            => $"Dense {Emitter.Int(layer.Inputs)} → {Emitter.Int(layer.Units)}, {layer.CustomActivation ?? layer.Activation.ToString()}";

        public string Describe()
        {
            var text = new StringBuilder("NetGen network: ");
            text.Append(Emitter.Int(Spec.Inputs)).Append(" inputs");
            foreach (DenseLayerSpec layer in Spec.Layers)
            {
                text.Append(" → Dense(").Append(Emitter.Int(layer.Units)).Append(", ").Append(layer.CustomActivation ?? layer.Activation.ToString()).Append(')');
            }

            text.Append("; loss ").Append(Spec.Loss).Append("; ").Append(T).Append('.');
            return text.ToString();
        }
    }
}
