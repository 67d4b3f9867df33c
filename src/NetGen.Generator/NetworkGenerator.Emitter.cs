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
        private const string Span = "global::System.Span";
        private const string ReadOnlySpan = "global::System.ReadOnlySpan";
        private const string Kernels = "global::NetGen.Kernels";
        private const string AlignedBuffer = "global::NetGen.Kernels.AlignedBuffer";
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
            var plan = new NetworkPlan(spec);
            int open = GeneratorOutput.OpenTypes(writer, spec.Namespace, spec.ContainingTypes);
            writer.WriteLine("// " + plan.Describe());
            writer.WriteLine("[global::System.CodeDom.Compiler.GeneratedCode(\"NetGen.Generator\", \"" + GeneratorVersion + "\")]");
            writer.WriteLine("partial " + spec.Type.Keyword + " " + spec.Type.Name + " : global::NetGen.INetwork<" + plan.T + ">");
            writer.OpenBrace();

            EmitState(writer, plan);
            EmitInitialization(writer, plan);
            EmitPrediction(writer, plan);
            EmitTraining(writer, plan, labels: false);
            if (spec.Loss == LossKind.CrossEntropy)
            {
                EmitTraining(writer, plan, labels: true);
            }

            EmitGradientUpdate(writer, plan);
            EmitFiles(writer, plan);
            EmitForward(writer, plan);
            EmitOutputLoss(writer, plan, labels: false);
            if (spec.Loss == LossKind.CrossEntropy)
            {
                EmitOutputLoss(writer, plan, labels: true);
            }

            EmitBackward(writer, plan, fused: false);
            EmitCommitTrainingCall(writer, plan);
            if (plan.FusesSgd)
            {
                EmitBackward(writer, plan, fused: true);
            }

            EmitBuffers(writer, plan);
            EmitPredictor(writer, plan);

            writer.CloseBrace();
            GeneratorOutput.CloseTypes(writer, open);
            if (plan.RunsInLanes)
            {
                EmitLaneClass(writer, plan);
            }

            return writer.ToString();
        }

        private static void EmitState(SourceWriter writer, NetworkPlan plan)
        {
            NetworkSpec spec = plan.Spec;
            string t = plan.T;
            writer.WriteBlock($$"""
                /// <summary>The number of inputs per sample.</summary>
                public const int InputSize = {{Int(spec.Inputs)}};

                /// <summary>The number of outputs per sample.</summary>
                public const int OutputSize = {{Int(spec.Outputs)}};

                /// <summary>The number of weights and biases in <see cref="Parameters"/>.</summary>
                public const int ParameterCount = {{Int(spec.ParameterCount)}};

                """);

            writer.WriteLine("// Parameters, layer by layer, each tensor row-major (the layout of the PyTorch module's state dict):");
            foreach (LayerSpec layer in spec.Layers)
            {
                string tensors = string.Join(", ", layer.Tensors.Select(tensor => $"{tensor.Name} [{tensor.Shape}] at {Int(tensor.Offset)}"));
                writer.WriteLine($"//   layer {Int(layer.Index)}, {layer.Kind}: {(tensors.Length == 0 ? "no parameters" : tensors)}");
            }

            writer.WriteBlock($$"""
                // Parameters, gradients and optimizer state each start on a 64-byte boundary, so that the kernels' vector
                // loads of a row do not span two cache lines.
                private readonly {{AlignedBuffer}}<{{t}}> _parameters = DrawInitialParameters(global::NetGen.ParameterInitializer.DefaultSeed);
                private readonly {{AlignedBuffer}}<{{t}}> _gradients = new {{AlignedBuffer}}<{{t}}>(ParameterCount);
                private readonly {{AlignedBuffer}}<{{t}}> _optimizerState = new {{AlignedBuffer}}<{{t}}>({{OptimizerStateLength(plan)}});
                private long _optimizerStep;
                private double _learningRate = {{Double(spec.Optimizer.LearningRate)}};

                // Per-sample buffers for _rowCapacity samples: each layer's outputs (and, where they are kept, its
                // pre-activations) and the gradient with respect to its outputs, which its backward pass turns into the
                // gradient with respect to its pre-activations in place.
                private int _rowCapacity = 1;
                """);
            foreach (string buffer in plan.Buffers)
            {
                writer.WriteLine($"private {t}[] {buffer} = new {t}[{Int(plan.BufferWidth(buffer))}];");
            }

            foreach (string buffer in plan.IndexBuffers)
            {
                writer.WriteLine($"private int[] {buffer} = new int[{Int(plan.IndexBufferWidth(buffer))}];");
            }

            EmitGeometries(writer, plan);
            EmitModeState(writer, plan);

            if (plan.FusesSgd)
            {
                writer.WriteBlock("""

                    // Whether _gradients is known to hold only zeros. Then TrainStep and TrainBatch apply plain SGD to the weights
                    // of the kernel layers straight from the batch (DenseKernels.SgdWeightStep): their gradient is never stored.
                    private bool _gradientsClean = true;
                    """);
            }

            writer.WriteBlock($$"""

                /// <summary>
                /// Every weight and bias in one flat span: for each layer in turn, its tensors row-major in PyTorch's layout (a
                /// dense layer's weight [units × inputs] as nn.Linear's, then its bias), where <see cref="Architecture"/>'s tensor
                /// table places them. Writes go straight into the network.
                /// </summary>
                public {{Span}}<{{t}}> Parameters => _parameters;

                /// <summary>The gradient accumulated since the last update, laid out as <see cref="Parameters"/>.</summary>
                """);
            if (plan.FusesSgd)
            {
                writer.WriteLine($"public {Span}<{t}> Gradients");
                writer.OpenBrace();
                writer.WriteLine("get");
                writer.OpenBrace();
                writer.WriteLine("_gradientsClean = false; // the caller may write into it");
                writer.WriteLine("return _gradients;");
                writer.CloseBrace();
                writer.CloseBrace();
            }
            else
            {
                writer.WriteLine($"public {Span}<{t}> Gradients => _gradients;");
            }

            writer.WriteBlock($$"""

                /// <summary>
                /// The optimizer's state: {{OptimizerStateDescription(plan)}}.
                /// Saved and restored with the parameters, it lets training resume exactly.
                /// </summary>
                public {{Span}}<{{t}}> OptimizerState => _optimizerState;

                /// <summary>
                /// The non-trainable values saved with the parameters: for each BatchNorm layer in order, its running_mean, then
                /// its running_var, where <see cref="Architecture"/> places them.{{(plan.BufferCount == 0 ? " This network has none." : string.Empty)}}
                /// </summary>
                public {{Span}}<{{t}}> Buffers => {{(plan.BufferCount == 0 ? "default" : "_buffers")}};

                /// <summary>Each BatchNorm layer's num_batches_tracked, in order.{{(plan.BatchNormCount == 0 ? " This network has none." : string.Empty)}}</summary>
                public {{Span}}<long> BatchesTracked => {{(plan.BatchNormCount == 0 ? "default" : "_batchesTracked")}};

                /// <summary>The state of the generator Dropout draws its masks from (xoshiro256**).{{(plan.UsesDropout ? string.Empty : " Empty: this network has no Dropout.")}}</summary>
                public {{Span}}<ulong> RandomState => {{(plan.UsesDropout ? "_randomState" : "default")}};

                /// <summary>The number of optimizer steps applied so far.</summary>
                public long OptimizerStep
                {
                    get => _optimizerStep;
                    set => _optimizerStep = {{Arguments}}.RequireStepCount(value, {{plan.NameOf}}, nameof(OptimizerStep));
                }

                /// <summary>The learning rate of the next update; {{Double(spec.Optimizer.LearningRate).TrimEnd('d')}} as declared. Schedules change it per epoch.</summary>
                public double LearningRate
                {
                    get => _learningRate;
                    set => _learningRate = {{Arguments}}.RequireLearningRate(value, {{plan.NameOf}}, nameof(LearningRate));
                }

                global::NetGen.Loss global::NetGen.INetwork<{{t}}>.Loss => global::NetGen.Loss.{{spec.Loss}};

                """);
            EmitArchitecture(writer, plan);
            writer.WriteBlock($$"""

                global::NetGen.NetworkArchitecture global::NetGen.INetwork<{{t}}>.Architecture => Architecture;

                int global::NetGen.INetwork<{{t}}>.InputSize => InputSize;

                int global::NetGen.INetwork<{{t}}>.OutputSize => OutputSize;

                int global::NetGen.INetwork<{{t}}>.ParameterCount => ParameterCount;

                """);
        }

        private static void EmitInitialization(SourceWriter writer, NetworkPlan plan)
        {
            string t = plan.T;
            writer.WriteBlock($$"""
                /// <summary>
                /// Redraws every parameter from <paramref name="seed"/>: each weight by its layer's Init (by default Glorot uniform for
                /// identity, sigmoid, tanh and softmax layers, He uniform for the ReLU family, with fan-in and fan-out read from the
                /// weight's shape), biases zero{{ModeInitializationDoc(plan)}}. The same seed always gives the same parameters.
                /// </summary>
                /// <param name="seed">The seed of the draw.</param>
                """);
            if (plan.HasModes)
            {
                writer.WriteLine("public void InitializeParameters(int seed)");
                writer.OpenBrace();
                writer.WriteLine($"global::NetGen.ParameterInitializer.Initialize<{t}>(_parameters, Architecture, seed);");
                EmitModeReset(writer, plan);
                writer.CloseBrace();
            }
            else
            {
                writer.WriteLine($"public void InitializeParameters(int seed) => global::NetGen.ParameterInitializer.Initialize<{t}>(_parameters, Architecture, seed);");
            }

            writer.WriteBlock($$"""

                private static {{AlignedBuffer}}<{{t}}> DrawInitialParameters(int seed)
                {
                    var parameters = new {{AlignedBuffer}}<{{t}}>(ParameterCount);
                    global::NetGen.ParameterInitializer.Initialize<{{t}}>(parameters, Architecture, seed);
                    return parameters;
                }

                """);
            EmitModeInitialization(writer, plan);
        }

        private static void EmitPrediction(SourceWriter writer, NetworkPlan plan)
        {
            string t = plan.T;
            string evaluation = plan.HasModes ? ", training: false" : string.Empty;
            string name = plan.NameOf;
            string outputs = plan.Output.Outputs;
            writer.WriteBlock($$"""
                /// <summary>Computes the outputs of one sample.</summary>
                /// <param name="input">The sample's <see cref="InputSize"/> values.</param>
                /// <param name="output">Receives the <see cref="OutputSize"/> outputs.</param>
                public void Predict({{ReadOnlySpan}}<{{t}}> input, {{Span}}<{{t}}> output)
                {
                    {{Arguments}}.RequireSample(input.Length, InputSize, {{name}}, nameof(InputSize), nameof(input));
                    {{Arguments}}.RequireSample(output.Length, OutputSize, {{name}}, nameof(OutputSize), nameof(output));
                    RunForward(input, 1{{evaluation}});
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
                        RunForward(inputs.Slice(start * InputSize, rows * InputSize), rows{{evaluation}});
                        new {{Span}}<{{t}}>({{outputs}}, 0, rows * OutputSize).CopyTo(outputs.Slice(start * OutputSize));
                    }
                }

                """);
        }

        /// <summary>
        /// TrainStep, TrainBatch, AccumulateGradients and ComputeLoss, either with one-hot or real-valued targets, or
        /// (for cross-entropy) with class labels.
        /// </summary>
        private static void EmitTraining(SourceWriter writer, NetworkPlan plan, bool labels)
        {
            string t = plan.T;
            string name = plan.NameOf;
            string zero = plan.Literal(0);
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
                /// <summary>
                /// One optimizer step on one sample: forward, backward and update. Checks shapes and labels but does not scan
                /// values for NaN or infinity (Fit does); a step whose gradient is not finite is refused and changes nothing.{{(plan.BatchNormCount > 0 ? " A BatchNorm that sees one value per channel (after a flat layer) cannot train on one sample, so there it throws ArgumentException: use TrainBatch." : string.Empty)}}
                /// </summary>
                /// <param name="input">The sample's <see cref="InputSize"/> values.</param>
                /// <param name="{{target}}">{{(labels ? "The sample's class, as a span of one label." : "The sample's <see cref=\"OutputSize\"/> targets.")}}</param>
                /// <returns>The sample's loss before the update.</returns>
                /// <exception cref="global::NetGen.NonFiniteUpdateException">The gradient is not finite; nothing changed but the cleared gradient.</exception>
                public {{t}} TrainStep({{ReadOnlySpan}}<{{t}}> input, {{targetType}} {{target}})
                {
                    {{Arguments}}.RequireSample(input.Length, InputSize, {{name}}, nameof(InputSize), nameof(input));
                    {{(labels
                        ? $"{Arguments}.RequireLabels(label, 1, OutputSize, {name}, nameof(label));"
                        : $"{Arguments}.RequireSample(target.Length, OutputSize, {name}, nameof(OutputSize), nameof(target));")}}
                """);
            writer.Indent();
            EmitBatchStatisticsCheck(writer, plan, "1", "input");
            if (plan.FusesSgd)
            {
                // With plain SGD, a step over one pass of samples and a clean gradient runs TrainFused instead.
                writer.WriteBlock($$"""
                    if (_gradientsClean)
                    {
                        return TrainFused(input, {{target}}, 1);
                    }

                    """);
            }

            writer.WriteLine($"{t} loss = AccumulateGradientsCore(input, {target}, 1);");
            EmitStatisticsCheck(writer, plan);
            writer.WriteLine("ApplyUpdate(1);");
            EmitCommit(writer, plan, "1");
            writer.WriteLine("return loss;");
            writer.CloseBrace();
            writer.WriteBlock($$"""

                /// <summary>
                /// One optimizer step on the gradient averaged over a batch. Checks shapes and labels but does not scan values for
                /// NaN or infinity (Fit does); a step whose gradient is not finite is refused and changes nothing.
                /// </summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// {{targetsDoc}}
                /// <returns>The batch's mean loss before the update.</returns>
                /// <exception cref="global::NetGen.NonFiniteUpdateException">The gradient is not finite; nothing changed but the cleared gradient.</exception>
                public {{t}} TrainBatch({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}})
                {
                    int samples = {{Arguments}}.SampleCount(inputs.Length, InputSize, {{name}}, nameof(inputs));
                    {{checkTargets}}
                """);
            writer.Indent();
            EmitBatchStatisticsCheck(writer, plan, "samples", "inputs");
            if (plan.FusesSgd)
            {
                // TrainFused runs one pass; a network that trains in one pass anyway takes it at any batch size.
                writer.WriteBlock($$"""
                    if (_gradientsClean{{(plan.TrainsInOnePass ? string.Empty : $" && samples <= {RowsPerPass}")}})
                    {
                        return TrainFused(inputs, {{targets}}, samples) / samples;
                    }

                    """);
            }

            writer.WriteLine($"{t} loss = AccumulateGradientsCore(inputs, {targets}, samples);");
            EmitStatisticsCheck(writer, plan);
            writer.WriteLine("ApplyUpdate(samples);");
            EmitCommit(writer, plan, "samples");
            writer.WriteLine("return loss / samples;");
            writer.CloseBrace();
            writer.WriteBlock($$"""

                /// <summary>
                /// Adds the gradient of the summed loss over a batch into <see cref="Gradients"/>, without updating{{(plan.HasModes ? " the parameters (a training call all the same: it updates the running statistics, the batch counts and the dropout generator, as a PyTorch forward pass in training mode does)" : string.Empty)}}. With
                /// <see cref="ApplyGradients"/> this runs full-batch descent over data larger than one call.
                /// </summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// {{targetsDoc}}
                /// <returns>The sum of the samples' losses.</returns>
                public {{t}} AccumulateGradients({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}})
                {
                    int samples = {{Arguments}}.SampleCount(inputs.Length, InputSize, {{name}}, nameof(inputs));
                    {{checkTargets}}
                """);
            writer.Indent();
            EmitBatchStatisticsCheck(writer, plan, "samples", "inputs");
            if (plan.FusesSgd)
            {
                writer.WriteLine("_gradientsClean = false;");
            }

            if (plan.HasModes)
            {
                writer.WriteLine($"{t} loss = AccumulateGradientsCore(inputs, {targets}, samples);");
                EmitCommit(writer, plan, "samples");
                writer.WriteLine("return loss;");
            }
            else
            {
                writer.WriteLine($"return AccumulateGradientsCore(inputs, {targets}, samples);");
            }

            writer.CloseBrace();
            writer.WriteBlock($$"""

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
                        RunForward(inputs.Slice(start * InputSize, rows * InputSize), rows{{(plan.HasModes ? ", training: false" : string.Empty)}});
                        loss += ComputeOutputLoss({{targetSlice}}, rows, withGradient: false);
                    }

                    return loss / samples;
                }

                """);
            if (plan.TrainsInOnePass)
            {
                writer.WriteBlock($$"""
                    // Forward, loss gradient and backward over the whole batch in one pass: the statistics of every BatchNorm
                    // layer cover all the samples of the call.
                    private {{t}} AccumulateGradientsCore({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}}, int samples)
                    {
                    """);
                writer.Indent();
                EmitBeginTrainingCall(writer, plan);
                writer.WriteBlock($$"""
                    EnsureRowCapacity(samples);
                    RunForward(inputs, samples, training: true);
                    {{t}} loss = ComputeOutputLoss({{targets}}, samples, withGradient: true);
                    RunBackward(inputs, samples);
                    return loss;
                    """);
                writer.CloseBrace();
                writer.WriteLine();
            }
            else
            {
                EmitPassedAccumulation(writer, plan, targetType, targets, targetSlice);
            }

            if (plan.FusesSgd)
            {
                EmitTrainFused(writer, plan, targetType, targets);
            }
        }

        /// <summary>AccumulateGradientsCore over passes of at most MaxRowsPerPass samples: in vector lanes or layer by layer.</summary>
        private static void EmitPassedAccumulation(SourceWriter writer, NetworkPlan plan, string targetType, string targets, string targetSlice)
        {
            string t = plan.T;
            writer.WriteLine("// Forward, loss gradient and backward over the batch, at most MaxRowsPerPass samples at a time.");
            writer.WriteLine($"private {t} AccumulateGradientsCore({ReadOnlySpan}<{t}> inputs, {targetType} {targets}, int samples)");
            writer.OpenBrace();
            EmitBeginTrainingCall(writer, plan);
            writer.WriteBlock($$"""
                {{t}} loss = {{plan.Literal(0)}};
                for (int start = 0; start < samples; start += {{RowsPerPass}})
                {
                    int rows = global::System.Math.Min({{RowsPerPass}}, samples - start);
                    {{ReadOnlySpan}}<{{t}}> x = inputs.Slice(start * InputSize, rows * InputSize);
                """);
            writer.Indent();

            // The pass itself: in vector lanes for a tiny network on enough samples, else layer by layer through the
            // per-sample buffers (which the lane pass does not use, so only this branch grows them).
            if (plan.RunsInLanes)
            {
                // On the 512 path, a pass of more samples than a Vector256 holds runs in Vector512 lanes: it then needs
                // fewer blocks than the Vector256 pass, while on fewer it would leave at least half of each vector empty and
                // sum twice as many lanes per gradient. From .NET 9 it runs on any machine (a forced 512 path without
                // AVX-512 runs it through Vector512's software fallback, slowly, with the same results), so every path can
                // be tested anywhere; on .NET 8 only with AVX-512F (see EmitLaneClass), and a forced 512 path without it
                // takes the 256 lanes. The Vector256 lanes need FMA; a forced narrower kernel path (KernelPaths) takes the
                // per-sample code.
                writer.WriteLine("#if " + PortableFma512Symbol);
                writer.WriteLine($"if (global::NetGen.Kernels.KernelPaths.VectorWidth == 512 && rows > {Int(plan.LaneCount)})");
                writer.WriteLine("#else");
                writer.WriteLine($"if (global::NetGen.Kernels.KernelPaths.VectorWidth == 512 && global::System.Runtime.Intrinsics.X86.Avx512F.IsSupported && rows > {Int(plan.LaneCount)})");
                writer.WriteLine("#endif");
                writer.OpenBrace();
                writer.WriteLine($"loss += {LaneCall(plan, LaneWidth.V512)}(_parameters, _gradients, x, {targetSlice}, rows);");
                writer.CloseBrace();
                writer.WriteLine($"else if (global::NetGen.Kernels.KernelPaths.VectorWidth >= 256 && global::System.Runtime.Intrinsics.X86.Fma.IsSupported && rows >= {Int(MinimumLaneRows)})");
                writer.OpenBrace();
                writer.WriteLine($"loss += {LaneCall(plan, LaneWidth.V256)}(_parameters, _gradients, x, {targetSlice}, rows);");
                writer.CloseBrace();
                writer.WriteLine("else");
                writer.OpenBrace();
            }

            writer.WriteBlock($$"""
                EnsureRowCapacity(rows);
                RunForward(x, rows{{(plan.HasModes ? ", training: true" : string.Empty)}});
                loss += ComputeOutputLoss({{targetSlice}}, rows, withGradient: true);
                RunBackward(x, rows);
                """);
            if (plan.RunsInLanes)
            {
                writer.CloseBrace();
            }

            writer.CloseBrace();
            writer.WriteLine();
            writer.WriteLine("return loss;");
            writer.CloseBrace();
            writer.WriteLine();
        }

        /// <summary>
        /// TrainFused: one pass with a clean gradient, forward, loss, then backward with the SGD step fused into the weight
        /// products, once the inputs and the loss are known to be finite.
        /// </summary>
        private static void EmitTrainFused(SourceWriter writer, NetworkPlan plan, string targetType, string targets)
        {
            string t = plan.T;
            writer.WriteBlock($$"""
                // One pass{{(plan.TrainsInOnePass ? string.Empty : " over at most MaxRowsPerPass samples")}} with a clean gradient: forward, loss, then backward with the
                // SGD step fused into the weight products (RunBackwardAndDescend), once the inputs and the loss are known to
                // be finite (the weights change before a gradient could be checked). Returns the summed loss.
                private {{t}} TrainFused({{ReadOnlySpan}}<{{t}}> inputs, {{targetType}} {{targets}}, int samples)
                {
                """);
            writer.Indent();
            EmitBeginTrainingCall(writer, plan);
            writer.WriteBlock($$"""
                EnsureRowCapacity(samples);
                RunForward(inputs, samples{{(plan.HasModes ? ", training: true" : string.Empty)}});
                {{t}} loss = ComputeOutputLoss({{targets}}, samples, withGradient: true);
                global::NetGen.StepGuard.RequireFiniteStep<{{t}}>(inputs, loss, Architecture);
                RunBackwardAndDescend(inputs, samples);
                """);
            EmitCommit(writer, plan, "samples");
            writer.WriteLine("return loss;");
            writer.CloseBrace();
            writer.WriteLine();
        }

        private static void EmitFiles(SourceWriter writer, NetworkPlan plan)
        {
            // What the files hold beyond the parameters and the optimizer, in a network that has it.
            string buffers = plan.BufferCount > 0 ? ", BatchNorm's running statistics and batch counts" : string.Empty;
            string generator = plan.UsesDropout ? ", the dropout generator" : string.Empty;
            string opset = plan.Spec.Layers.Any(layer => layer is LayerNormLayerSpec) ? "opset 17, for LayerNormalization" : "opset 13";
            writer.WriteBlock($$"""
                /// <summary>Writes the parameters{{buffers}} as safetensors: each tensor of <see cref="Architecture"/> as <c>layers.{i}.{name}</c> (a dense layer's <c>weight</c> [units, inputs], then its <c>bias</c>).</summary>
                /// <param name="stream">The stream to write to.</param>
                public void Save(global::System.IO.Stream stream) => global::NetGen.NetworkFiles.Save(this, stream);

                /// <summary>Writes the parameters{{buffers}} as safetensors to <paramref name="path"/>, atomically: the previous file survives any failure.</summary>
                /// <param name="path">The file to write.</param>
                public void Save(string path) => global::NetGen.NetworkFiles.Save(this, path);

                /// <summary>Reads parameters{{buffers}} saved by <see cref="Save(global::System.IO.Stream)"/> or by any safetensors writer, after validating the whole file.</summary>
                /// <param name="stream">The stream to read.</param>
                /// <exception cref="global::NetGen.NetGenFormatException">The file is malformed or made for another network; nothing changed.</exception>
                public void Load(global::System.IO.Stream stream) => global::NetGen.NetworkFiles.Load(this, stream);

                /// <summary>Reads parameters{{buffers}} from a safetensors file, after validating all of it.</summary>
                /// <param name="path">The file to read.</param>
                /// <exception cref="global::NetGen.NetGenFormatException">The file is malformed or made for another network; nothing changed.</exception>
                public void Load(string path) => global::NetGen.NetworkFiles.Load(this, path);

                /// <summary>Writes parameters{{buffers}}{{generator}}, optimizer state and <paramref name="epochsCompleted"/>, to resume training exactly.</summary>
                /// <param name="stream">The stream to write to.</param>
                /// <param name="epochsCompleted">The epochs trained so far; pass it back as TrainingOptions.InitialEpoch.</param>
                public void SaveCheckpoint(global::System.IO.Stream stream, int epochsCompleted) => global::NetGen.NetworkFiles.SaveCheckpoint(this, stream, epochsCompleted);

                /// <summary>Writes a checkpoint to <paramref name="path"/>, atomically.</summary>
                /// <param name="path">The file to write.</param>
                /// <param name="epochsCompleted">The epochs trained so far; pass it back as TrainingOptions.InitialEpoch.</param>
                public void SaveCheckpoint(string path, int epochsCompleted) => global::NetGen.NetworkFiles.SaveCheckpoint(this, path, epochsCompleted);

                /// <summary>Restores parameters{{buffers}}{{generator}}, optimizer state and step count from a checkpoint.</summary>
                /// <param name="stream">The stream to read.</param>
                /// <returns>The epochs the checkpoint had completed.</returns>
                public int LoadCheckpoint(global::System.IO.Stream stream) => global::NetGen.NetworkFiles.LoadCheckpoint(this, stream);

                /// <summary>Restores parameters{{buffers}}{{generator}}, optimizer state and step count from a checkpoint file.</summary>
                /// <param name="path">The file to read.</param>
                /// <returns>The epochs the checkpoint had completed.</returns>
                public int LoadCheckpoint(string path) => global::NetGen.NetworkFiles.LoadCheckpoint(this, path);

                /// <summary>Writes the inference graph as an ONNX model ({{opset}}): input "input" [batch, …the input shape], output "output" [batch, OutputSize].</summary>
                /// <param name="stream">The stream to write to.</param>
                public void ExportOnnx(global::System.IO.Stream stream) => global::NetGen.OnnxExport.Export(this, stream);

                /// <summary>Writes the inference graph as an ONNX model to <paramref name="path"/>, atomically.</summary>
                /// <param name="path">The file to write.</param>
                public void ExportOnnx(string path) => global::NetGen.OnnxExport.Export(this, path);

                """);
        }

        private static void EmitGradientUpdate(SourceWriter writer, NetworkPlan plan)
        {
            string t = plan.T;
            writer.WriteBlock($$"""
                /// <summary>One optimizer step with <see cref="Gradients"/> divided by <paramref name="sampleCount"/>, then zeroes the gradients.</summary>
                /// <param name="sampleCount">The number of samples the gradient was accumulated over; at least 1.</param>
                public void ApplyGradients(int sampleCount)
                {
                    {{Arguments}}.RequireSampleCount(sampleCount, {{plan.NameOf}}, nameof(sampleCount));
                    ApplyUpdate(sampleCount);
                }

                /// <summary>Sets every accumulated gradient to zero.</summary>
                """);
            if (plan.FusesSgd)
            {
                writer.WriteBlock("""
                    public void ZeroGradients()
                    {
                        _gradients.Span.Clear();
                        _gradientsClean = true;
                    }
                    """);
            }
            else
            {
                writer.WriteLine("public void ZeroGradients() => _gradients.Span.Clear();");
            }

            writer.WriteBlock($$"""

                /// <summary>
                /// Trains for <see cref="global::NetGen.TrainingOptions.Epochs"/> epochs of batch, stochastic or mini-batch gradient
                /// descent, as <see cref="global::NetGen.TrainingOptions.BatchSize"/> says, measuring the validation data (or
                /// <see cref="global::NetGen.TrainingOptions.ValidationSplit"/>) after each epoch. The data is checked once before the
                /// first update: every value finite, cross-entropy targets rows that sum to 1, binary cross-entropy targets in [0, 1].
                /// </summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// <param name="targets">The targets, <see cref="OutputSize"/> values per sample.</param>
                /// <param name="options">Epochs, batch size, shuffling, validation split, schedule, early stopping, checkpoints and progress.</param>
                /// <returns>Every epoch's report, the best epoch, whether training stopped early, and which epoch's weights the network holds.</returns>
                /// <exception cref="global::System.ArgumentException">The data has the wrong shape, a NaN or infinity, or targets the loss cannot take, or the options contradict each other; the network is unchanged.</exception>
                /// <exception cref="global::System.ArgumentOutOfRangeException">An option is out of range; the network is unchanged.</exception>
                /// <exception cref="global::NetGen.TrainingDivergedException">The loss or a parameter became non-finite; the network holds the last finite epoch's state.</exception>
                /// <exception cref="global::System.OperationCanceledException">The token was cancelled; every completed update is kept.</exception>
                public global::NetGen.TrainingHistory Fit({{t}}[] inputs, {{t}}[] targets, global::NetGen.TrainingOptions options)
                    => global::NetGen.Trainer.Fit(this, inputs, targets, options);

                /// <summary>Trains as <see cref="Fit({{t}}[], {{t}}[], global::NetGen.TrainingOptions)"/>, measuring <paramref name="validationInputs"/> after every epoch.</summary>
                /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                /// <param name="targets">The targets, <see cref="OutputSize"/> values per sample.</param>
                /// <param name="validationInputs">The validation samples.</param>
                /// <param name="validationTargets">Their targets.</param>
                /// <param name="options">Epochs, batch size and the rest; its ValidationSplit must be 0.</param>
                /// <returns>Every epoch's report, with the validation loss.</returns>
                public global::NetGen.TrainingHistory Fit({{t}}[] inputs, {{t}}[] targets, {{t}}[] validationInputs, {{t}}[] validationTargets, global::NetGen.TrainingOptions options)
                    => global::NetGen.Trainer.Fit(this, inputs, targets, validationInputs, validationTargets, options);
                """);
            if (plan.Spec.Loss == LossKind.CrossEntropy)
            {
                writer.WriteBlock($$"""

                    /// <summary>Trains on class labels in [0, <see cref="OutputSize"/>), one per sample.</summary>
                    /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                    /// <param name="labels">One class index per sample.</param>
                    /// <param name="options">Epochs, batch size and the rest.</param>
                    /// <returns>Every epoch's report.</returns>
                    public global::NetGen.TrainingHistory Fit({{t}}[] inputs, int[] labels, global::NetGen.TrainingOptions options)
                        => global::NetGen.Trainer.Fit(this, inputs, labels, options);

                    /// <summary>Trains on class labels, measuring <paramref name="validationInputs"/> and <paramref name="validationLabels"/> after every epoch.</summary>
                    /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                    /// <param name="labels">One class index per sample.</param>
                    /// <param name="validationInputs">The validation samples.</param>
                    /// <param name="validationLabels">Their class indices.</param>
                    /// <param name="options">Epochs, batch size and the rest; its ValidationSplit must be 0.</param>
                    /// <returns>Every epoch's report, with the validation loss and accuracy.</returns>
                    public global::NetGen.TrainingHistory Fit({{t}}[] inputs, int[] labels, {{t}}[] validationInputs, int[] validationLabels, global::NetGen.TrainingOptions options)
                        => global::NetGen.Trainer.Fit(this, inputs, labels, validationInputs, validationLabels, options);
                    """);
            }

            writer.WriteLine();
            EmitUpdate(writer, plan);
            writer.WriteLine();
        }

        /// <summary>
        /// RunForward: each layer in turn, from the inputs to the output layer's buffer. In a network with modes it takes
        /// the mode, unless <paramref name="evaluationOnly"/> (a Predictor's pass, which reads the network's parameters and
        /// buffers through the field <paramref name="network"/>).
        /// </summary>
        private static void EmitForward(SourceWriter writer, NetworkPlan plan, string? network = null, bool evaluationOnly = false)
        {
            string owner = network is null ? string.Empty : network + ".";
            bool modes = plan.HasModes && !evaluationOnly;
            writer.WriteLine(modes
                ? "// Forward pass over the first rows samples of inputs, in training or evaluation mode: leaves every layer's outputs in its buffer."
                : "// Forward pass over the first rows samples of inputs: leaves every layer's outputs in its buffer.");
            writer.WriteLine(FullyOptimized);
            writer.WriteLine($"private void RunForward({ReadOnlySpan}<{plan.T}> inputs, int rows{(modes ? ", bool training" : string.Empty)})");
            writer.OpenBrace();
            writer.WriteLine($"{ReadOnlySpan}<{plan.T}> p = {owner}_parameters;");
            if (plan.BufferCount > 0)
            {
                writer.WriteLine($"{ReadOnlySpan}<{plan.T}> b = {owner}_buffers;");
            }

            foreach (LayerPlan layer in plan.Layers)
            {
                writer.WriteLine();
                writer.WriteLine($"// Layer {Int(layer.Index)}: {NetworkPlan.DescribeLayer(layer.Layer)}, forward{(layer.IsUnrolled ? ", unrolled" : string.Empty)}");
                switch (layer.Layer)
                {
                    case DenseLayerSpec dense:
                        EmitDenseForward(writer, plan, layer, dense);
                        break;
                    case ConvolutionLayerSpec convolution:
                        EmitConvolutionForward(writer, plan, layer, convolution);
                        break;
                    case PoolingLayerSpec pooling:
                        EmitPoolingForward(writer, plan, layer, pooling);
                        break;
                    case DropoutLayerSpec dropout:
                        EmitDropoutForward(writer, plan, layer, dropout, evaluationOnly: !modes);
                        break;
                    case BatchNormLayerSpec batchNorm:
                        EmitBatchNormForward(writer, plan, layer, batchNorm, evaluationOnly: !modes);
                        break;
                    case LayerNormLayerSpec layerNorm:
                        EmitLayerNormForward(writer, plan, layer, layerNorm);
                        break;
                }
            }

            writer.CloseBrace();
            writer.WriteLine();
        }

        /// <summary>
        /// RunBackward, or with <paramref name="fused"/> RunBackwardAndDescend: each layer from the last to the first
        /// receives ∂loss/∂(its output) in its gradient buffer, applies its activation's derivative, adds its parameters'
        /// gradients into _gradients and hands ∂loss/∂(its input) down. Fused, each kernel layer first hands its gradient
        /// down (with the weights not yet changed) and then takes its SGD step on the weights from dZ and X directly; the
        /// other parameters accumulate as usual and are updated at the end.
        /// </summary>
        private static void EmitBackward(SourceWriter writer, NetworkPlan plan, bool fused)
        {
            string t = plan.T;
            if (fused)
            {
                writer.WriteLine("// Backward pass and plain SGD step at once (the gradient must be clean): each kernel layer hands ∂loss/∂x down,");
                writer.WriteLine("// then updates its weights from the batch; biases and unrolled layers accumulate into _gradients and are");
                writer.WriteLine("// updated at the end, which leaves _gradients clean again.");
                writer.WriteLine(FullyOptimized);
                writer.WriteLine($"private void RunBackwardAndDescend({ReadOnlySpan}<{t}> inputs, int rows)");
                writer.OpenBrace();
                writer.WriteLine($"{t} scale = {plan.Literal(1)} / rows;");
                writer.WriteLine($"{t} rate = ({t})_learningRate;");
            }
            else
            {
                writer.WriteLine("// Backward pass: each layer from the last receives ∂loss/∂y, its output's gradient, turns it into ∂loss/∂z");
                writer.WriteLine("// through its activation's derivative, adds its weight and bias gradients into _gradients and hands ∂loss/∂x");
                writer.WriteLine("// on to the layer below (the chain rule, one layer at a time).");
                writer.WriteLine(FullyOptimized);
                writer.WriteLine($"private void RunBackward({ReadOnlySpan}<{t}> inputs, int rows)");
                writer.OpenBrace();
            }

            writer.WriteLine($"{ReadOnlySpan}<{t}> p = _parameters;");
            writer.WriteLine($"{Span}<{t}> g = _gradients;");
            for (int index = plan.Layers.Count - 1; index >= 0; index--)
            {
                LayerPlan layer = plan.Layers[index];
                writer.WriteLine();
                writer.WriteLine($"// Layer {Int(index)}: {NetworkPlan.DescribeLayer(layer.Layer)}, backward{(layer.IsUnrolled ? ", unrolled" : string.Empty)}");
                // ∂loss/∂(its input) is handed down only to a layer that has parameters at or below it.
                LayerPlan? below = plan.HandsGradientDown(index) ? plan.Layers[index - 1] : null;
                switch (layer.Layer)
                {
                    case DenseLayerSpec dense:
                        EmitDenseBackward(writer, plan, layer, dense, below, fused ? (SgdSpec)plan.Spec.Optimizer : null);
                        break;
                    case ConvolutionLayerSpec convolution:
                        EmitConvolutionBackward(writer, plan, layer, convolution, below);
                        break;
                    case PoolingLayerSpec pooling:
                        EmitPoolingBackward(writer, plan, layer, pooling, below);
                        break;
                    case DropoutLayerSpec dropout:
                        EmitDropoutBackward(writer, plan, layer, dropout, below);
                        break;
                    case BatchNormLayerSpec batchNorm:
                        EmitBatchNormBackward(writer, plan, layer, batchNorm, below);
                        break;
                    case LayerNormLayerSpec layerNorm:
                        EmitLayerNormBackward(writer, plan, layer, layerNorm, below);
                        break;
                }
            }

            if (fused)
            {
                var sgd = (SgdSpec)plan.Spec.Optimizer;
                writer.WriteLine();
                writer.WriteLine("// SGD on every parameter whose gradient was accumulated: biases and unrolled layers.");
                writer.WriteLine("_optimizerStep++;");
                foreach ((int start, int length) in plan.AccumulatedParameterRanges())
                {
                    writer.WriteLine(
                        $"{Kernels}.OptimizerKernels.Sgd<{t}>(_parameters.Slice({Int(start)}, {Int(length)}), _gradients.Slice({Int(start)}, {Int(length)}), " +
                        $"rate, {plan.Literal(sgd.WeightDecay)}, scale);");
                }
            }

            writer.CloseBrace();
            writer.WriteLine();
        }

        /// <summary>
        /// The activation of a layer over the rows of its pre-activations into its outputs, where unrolled code has not
        /// applied it inline: the span kernel, or the custom function element by element.
        /// </summary>
        private static void EmitActivation(SourceWriter writer, NetworkPlan plan, LayerPlan layer)
        {
            int units = layer.Layer.Outputs;
            if (layer.Layer.Activation.Custom is { } custom)
            {
                writer.WriteLine($"for (int k = 0; k < {NetworkPlan.Times("rows", units)}; k++)");
                writer.OpenBrace();
                // Qualified by the network's type: inside the Predictor's ForwardPass a member of the same name would capture it.
                writer.WriteLine($"{layer.Outputs}[k] = {plan.Spec.Type.Name}.{TypeDeclarations.Identifier(custom)}({layer.PreActivations}[k]);");
                writer.CloseBrace();
                return;
            }

            string? call = Activations.Kernel(
                plan, layer.Layer.Activation, plan.View(layer.PreActivations, "0", NetworkPlan.Times("rows", units)), plan.View(layer.Outputs, "0", NetworkPlan.Times("rows", units)), units);
            if (call is not null)
            {
                writer.WriteLine(call);
            }
        }

        /// <summary>
        /// The derivative of a layer's activation over the rows of its gradient buffer, in place: ∂loss/∂y becomes
        /// ∂loss/∂z. The span kernel takes it from the outputs; a custom activation's from the kept pre-activations.
        /// Nothing for identity, or when the loss has already written ∂loss/∂z.
        /// </summary>
        private static void EmitActivationBackward(SourceWriter writer, NetworkPlan plan, LayerPlan layer)
        {
            if (layer.ReceivesPreActivationGradient)
            {
                return;
            }

            int units = layer.Layer.Outputs;
            if (layer.Layer.Activation.Custom is { } custom)
            {
                // The derivative at the kept pre-activations, element by element, from the custom function's generated gradient.
                writer.WriteLine($"for (int k = 0; k < {NetworkPlan.Times("rows", units)}; k++)");
                writer.OpenBrace();
                writer.WriteLine($"{layer.Gradients}[k] *= {custom}Derivative({layer.PreActivations}[k]);");
                writer.CloseBrace();
                return;
            }

            string? call = Activations.KernelBackward(
                plan, layer.Layer.Activation, plan.View(layer.Outputs, "0", NetworkPlan.Times("rows", units)), plan.View(layer.Gradients, "0", NetworkPlan.Times("rows", units)), units);
            if (call is not null)
            {
                writer.WriteLine(call);
            }
        }

        /// <summary>The loss summed over the rows, and (withGradient) its gradient with respect to the output layer's output.</summary>
        private static void EmitOutputLoss(SourceWriter writer, NetworkPlan plan, bool labels)
        {
            LayerPlan output = plan.Output;
            string t = plan.T;
            string width = Int(output.Layer.Outputs);
            string y = plan.View(output.Outputs, "0", NetworkPlan.Times("rows", output.Layer.Outputs));
            string z = plan.View(output.PreActivations, "0", NetworkPlan.Times("rows", output.Layer.Outputs));
            string targetType = labels ? $"{ReadOnlySpan}<int>" : $"{ReadOnlySpan}<{t}>";
            string targets = labels ? "labels" : "targets";

            string gradient = output.ReceivesPreActivationGradient ? "∂loss/∂z" : "∂loss/∂y";
            writer.WriteLine($"// Loss of the last forward pass, summed over its rows; with withGradient, also {gradient} of layer {Int(output.Index)}.");
            writer.WriteLine($"private {t} ComputeOutputLoss({targetType} {targets}, int rows, bool withGradient)");
            writer.OpenBrace();
            writer.WriteLine($"{Span}<{t}> gradient = withGradient ? {plan.View(output.Gradients, "0", NetworkPlan.Times("rows", output.Layer.Outputs))} : default;");
            switch (plan.Spec.Loss)
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
                    writer.WriteLine($"return {Kernels}.LossKernels.MeanSquaredError<{t}>({y}, {targets}, gradient, {width});");
                    break;
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

        /// <summary>
        /// The Architecture property: the declared shapes, and the one table of every layer's parameter tensors (name,
        /// shape, offset) that initialisation, files and exports read.
        /// </summary>
        private static void EmitArchitecture(SourceWriter writer, NetworkPlan plan)
        {
            NetworkSpec spec = plan.Spec;
            static string Dimensions(Shape shape) => "new int[] { " + shape.ToList() + " }";
            writer.WriteLine("/// <summary>The declared shape: inputs, layers with their parameter tensors, loss, precision and optimizer.</summary>");
            writer.WriteLine("public static global::NetGen.NetworkArchitecture Architecture { get; } = new global::NetGen.NetworkArchitecture(");
            writer.Indent();
            writer.WriteLine($"\"{spec.Type.SimpleName}\",");
            writer.WriteLine(Dimensions(spec.InputShape) + ",");
            writer.WriteLine("new global::NetGen.LayerArchitecture[]");
            writer.OpenBrace();
            foreach (LayerSpec layer in spec.Layers)
            {
                string tensors = string.Join(", ", layer.Tensors.Select(tensor =>
                    $"new global::NetGen.ParameterTensor(\"{tensor.Name}\", {Dimensions(tensor.Shape)}, {Int(tensor.Offset)})"));
                string buffers = layer is BatchNormLayerSpec batchNorm
                    ? ", buffers: new global::NetGen.ParameterTensor[] { " + string.Join(", ", batchNorm.Buffers.Select(buffer =>
                        $"new global::NetGen.ParameterTensor(\"{buffer.Name}\", {Dimensions(buffer.Shape)}, {Int(buffer.Offset)})")) + " }"
                    : string.Empty;
                string constants = layer switch
                {
                    BatchNormLayerSpec norm => $", normalization: new global::NetGen.NormalizationArchitecture({Double(norm.Momentum)}, {Double(norm.Epsilon)})",
                    LayerNormLayerSpec norm => $", normalization: new global::NetGen.NormalizationArchitecture(0d, {Double(norm.Epsilon)})",
                    DropoutLayerSpec dropout => $", dropoutRate: {Double(dropout.Rate)}",
                    _ => string.Empty,
                };
                InitializerKind initializer = layer switch
                {
                    DenseLayerSpec dense => dense.Initializer,
                    ConvolutionLayerSpec convolution => convolution.Initializer,
                    _ => InitializerKind.Default,
                };
                string slope = layer.Activation.Kind == ActivationKind.LeakyReLU ? ", slope: " + Double(layer.Activation.Slope) : string.Empty;
                string window = layer switch
                {
                    ConvolutionLayerSpec convolution => $", window: new global::NetGen.WindowArchitecture({Int(convolution.KernelSize)}, {Int(convolution.Stride)}, {Int(convolution.Padding)})",
                    PoolingLayerSpec pooling => $", window: new global::NetGen.WindowArchitecture({Int(pooling.Size)}, {Int(pooling.Stride)}, 0)",
                    _ => string.Empty,
                };
                string custom = layer.Activation.Custom is { } name ? $", customActivation: \"{name}\"" : string.Empty;
                writer.WriteLine(
                    $"new global::NetGen.LayerArchitecture(global::NetGen.LayerKind.{layer.Kind}, {Dimensions(layer.Input)}, {Dimensions(layer.Output)}, global::NetGen.Activation.{layer.Activation.Kind},");
                writer.Indent();
                writer.WriteLine(
                    $"{(tensors.Length == 0 ? "global::System.Array.Empty<global::NetGen.ParameterTensor>()" : $"new global::NetGen.ParameterTensor[] {{ {tensors} }}")}, " +
                    $"global::NetGen.Initializer.{initializer}{slope}{custom}{window}{buffers}{constants}),");
                writer.Outdent();
            }

            writer.CloseBrace(",");
            writer.WriteLine($"global::NetGen.Loss.{spec.Loss},");
            writer.WriteLine($"global::NetGen.Precision.{spec.Precision},");
            writer.WriteLine($"\"{OptimizerName(spec.Optimizer)}\",");
            writer.WriteLine(spec.Optimizer.StateVectors == 0
                ? "global::System.Array.Empty<string>());"
                : "new string[] { " + string.Join(", ", spec.Optimizer.StateNames.Select(name => "\"" + name.Replace(' ', '_') + "\"")) + " });");
            writer.Outdent();
        }

        /// <summary>The geometry of each convolution and pool as a static field, and the convolutions' shared scratch buffer.</summary>
        private static void EmitGeometries(SourceWriter writer, NetworkPlan plan)
        {
            foreach (LayerPlan layer in plan.Layers)
            {
                switch (layer.Layer)
                {
                    case ConvolutionLayerSpec c:
                        bool twoD = c.Dimensions == 2;
                        writer.WriteLine(
                            $"private static readonly global::NetGen.Kernels.ConvolutionGeometry {layer.Geometry} = new global::NetGen.Kernels.ConvolutionGeometry(" +
                            $"Channels: {Int(c.Channels)}, Height: {Int(c.Height)}, Width: {Int(c.Width)}, Filters: {Int(c.Filters)}, " +
                            $"KernelHeight: {Int(twoD ? c.KernelSize : 1)}, KernelWidth: {Int(c.KernelSize)}, Stride: {Int(c.Stride)}, " +
                            $"PaddingHeight: {Int(twoD ? c.Padding : 0)}, PaddingWidth: {Int(c.Padding)});");
                        break;
                    case PoolingLayerSpec pool:
                        writer.WriteLine(
                            $"private static readonly global::NetGen.Kernels.PoolingGeometry {layer.Geometry} = new global::NetGen.Kernels.PoolingGeometry(" +
                            $"Channels: {Int(pool.Channels)}, Height: {Int(pool.Height)}, Width: {Int(pool.Width)}, " +
                            $"PoolHeight: {Int(pool.Dimensions == 2 ? pool.Size : 1)}, PoolWidth: {Int(pool.Size)}, Stride: {Int(pool.Stride)});");
                        break;
                }
            }

            if (plan.ConvolutionScratch is { } scratch)
            {
                writer.WriteLine($"private {plan.T}[] {scratch} = new {plan.T}[{ScratchLength(plan, "1")}];");
            }
        }

        /// <summary>The scratch the convolution kernels need for <paramref name="rows"/> samples: the largest of their layers' needs.</summary>
        private static string ScratchLength(NetworkPlan plan, string rows)
        {
            string[] lengths = plan.Layers.Where(layer => layer.Layer is ConvolutionLayerSpec).Select(layer => $"{layer.Geometry}.ScratchLength({rows})").ToArray();
            string largest = lengths.Aggregate((left, right) => $"global::System.Math.Max({left}, {right})");
            return $"checked((int){largest})";
        }

        private static void EmitBuffers(SourceWriter writer, NetworkPlan plan)
        {
            string t = plan.T;
            foreach (string custom in plan.Spec.Layers.Select(layer => layer.Activation.Custom).OfType<string>().Distinct())
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
            EmitEnsureRowCapacity(writer, plan, plan.Buffers);
        }

        private static void EmitEnsureRowCapacity(SourceWriter writer, NetworkPlan plan, System.Collections.Generic.IEnumerable<string> buffers)
        {
            string t = plan.T;
            writer.WriteLine("private void EnsureRowCapacity(int rows)");
            writer.OpenBrace();
            writer.WriteLine("if (rows <= _rowCapacity)");
            writer.OpenBrace();
            writer.WriteLine("return;");
            writer.CloseBrace();
            writer.WriteLine();
            foreach (string buffer in buffers)
            {
                writer.WriteLine($"{buffer} = new {t}[{(plan.BufferWidth(buffer) == 1 ? "rows" : $"checked(rows * {Int(plan.BufferWidth(buffer))})")}];");
            }

            foreach (string buffer in plan.IndexBuffers)
            {
                writer.WriteLine($"{buffer} = new int[{(plan.IndexBufferWidth(buffer) == 1 ? "rows" : $"checked(rows * {Int(plan.IndexBufferWidth(buffer))})")}];");
            }

            if (plan.ConvolutionScratch is { } scratch)
            {
                writer.WriteLine($"{scratch} = new {t}[{ScratchLength(plan, "rows")}];");
            }

            writer.WriteLine("_rowCapacity = rows;");
            writer.CloseBrace();
        }

        /// <summary>
        /// CreatePredictor and the Predictor it returns: predictions from any number of threads at once, each thread with
        /// forward buffers of its own (a ForwardPass, made on its first call) and all of them reading the network's
        /// parameters. The forward pass is RunForward's code again, over the pass's buffers.
        /// </summary>
        private static void EmitPredictor(SourceWriter writer, NetworkPlan plan)
        {
            string t = plan.T;
            string network = plan.Spec.Type.Name;
            string name = plan.NameOf;
            string[] forwardBuffers = plan.Buffers.Where(buffer => plan.Layers.All(layer => layer.Gradients != buffer) && !plan.IsTrainingBuffer(buffer)).ToArray();
            writer.WriteLine();
            writer.WriteBlock($$"""
                /// <summary>
                /// Creates a <see cref="Predictor"/>, which predicts from several threads at once with this network's parameters. The
                /// network itself is not thread-safe: it owns its buffers.
                /// </summary>
                /// <returns>A predictor reading this network's parameters as they are at each prediction.</returns>
                public Predictor CreatePredictor() => new Predictor(this);

                /// <summary>
                /// Predictions from any number of threads at once: each thread gets forward buffers of its own on its first call
                /// (no allocation after that), and every thread reads the network's parameters, so a prediction sees them as they
                /// are at that moment. Do not train the network while predictions run. Dispose it to release every thread's buffers.
                /// </summary>
                public sealed class Predictor : global::System.IDisposable
                {
                    private readonly global::System.Threading.ThreadLocal<ForwardPass> _passes;

                    internal Predictor({{network}} network) => _passes = new global::System.Threading.ThreadLocal<ForwardPass>(() => new ForwardPass(network));

                    /// <summary>Releases the buffers of every thread that predicted; the predictor cannot be used afterwards.</summary>
                    public void Dispose() => _passes.Dispose();

                    /// <summary>Computes the outputs of one sample; safe to call from several threads at once.</summary>
                    /// <param name="input">The sample's <see cref="InputSize"/> values.</param>
                    /// <param name="output">Receives the <see cref="OutputSize"/> outputs.</param>
                    public void Predict({{ReadOnlySpan}}<{{t}}> input, {{Span}}<{{t}}> output)
                    {
                        {{Arguments}}.RequireSample(input.Length, InputSize, {{name}}, nameof(InputSize), nameof(input));
                        {{Arguments}}.RequireSample(output.Length, OutputSize, {{name}}, nameof(OutputSize), nameof(output));
                        _passes.Value!.Predict(input, output);
                    }

                    /// <summary>Computes the outputs of a batch of samples, stored row-major; safe to call from several threads at once.</summary>
                    /// <param name="inputs">The samples, <see cref="InputSize"/> values each.</param>
                    /// <param name="outputs">Receives <see cref="OutputSize"/> outputs per sample.</param>
                    public void PredictBatch({{ReadOnlySpan}}<{{t}}> inputs, {{Span}}<{{t}}> outputs)
                    {
                        int samples = {{Arguments}}.SampleCount(inputs.Length, InputSize, {{name}}, nameof(inputs));
                        {{Arguments}}.RequireRows(outputs.Length, samples, OutputSize, {{name}}, nameof(outputs));
                        _passes.Value!.PredictBatch(inputs, outputs, samples);
                    }
                }

                // One thread's forward buffers, for Predictor: the forward pass of the network over buffers of its own.
                private sealed class ForwardPass
                {
                    private readonly {{network}} _network;
                    private int _rowCapacity = 1;
                """);
            writer.Indent();
            foreach (string buffer in forwardBuffers)
            {
                writer.WriteLine($"private {t}[] {buffer} = new {t}[{Int(plan.BufferWidth(buffer))}];");
            }

            foreach (string buffer in plan.IndexBuffers)
            {
                writer.WriteLine($"private int[] {buffer} = new int[{Int(plan.IndexBufferWidth(buffer))}];");
            }

            if (plan.ConvolutionScratch is { } scratch)
            {
                writer.WriteLine($"private {t}[] {scratch} = new {t}[{ScratchLength(plan, "1")}];");
            }

            string outputs = plan.Output.Outputs;
            writer.WriteBlock($$"""

                public ForwardPass({{network}} network) => _network = network;

                public void Predict({{ReadOnlySpan}}<{{t}}> input, {{Span}}<{{t}}> output)
                {
                    RunForward(input, 1);
                    new {{Span}}<{{t}}>({{outputs}}, 0, OutputSize).CopyTo(output);
                }

                public void PredictBatch({{ReadOnlySpan}}<{{t}}> inputs, {{Span}}<{{t}}> outputs, int samples)
                {
                    for (int start = 0; start < samples; start += {{RowsPerPass}})
                    {
                        int rows = global::System.Math.Min({{RowsPerPass}}, samples - start);
                        EnsureRowCapacity(rows);
                        RunForward(inputs.Slice(start * InputSize, rows * InputSize), rows);
                        new {{Span}}<{{t}}>({{outputs}}, 0, rows * OutputSize).CopyTo(outputs.Slice(start * OutputSize));
                    }
                }

                """);
            EmitForward(writer, plan, network: "_network", evaluationOnly: true);
            EmitEnsureRowCapacity(writer, plan, forwardBuffers);
            writer.CloseBrace();
        }

        internal static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        internal static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture) + "d";
    }
}
