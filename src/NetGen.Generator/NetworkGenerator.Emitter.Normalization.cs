using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        private const string Normalization = Kernels + ".NormalizationKernels";

        /// <summary>
        /// BatchNorm forward: in training, each channel normalised with the mean and biased variance of the whole call's
        /// values (kept for the backward pass and for the running statistics, which CommitTrainingCall updates once the
        /// call succeeds); in evaluation, with the running statistics. Then y = γ·x̂ + β and the activation. A Predictor's
        /// forward pass (<paramref name="evaluationOnly"/>) has only the second branch.
        /// </summary>
        private static void EmitBatchNormForward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, BatchNormLayerSpec batchNorm, bool evaluationOnly)
        {
            string t = plan.T;
            string channels = Int(batchNorm.Channels);
            string affine = $"p.Slice({Int(batchNorm.WeightOffset)}, {channels}), p.Slice({Int(batchNorm.WeightOffset + batchNorm.Channels)}, {channels})";
            string x = plan.Batch(layer.Input, batchNorm.Input.Size);
            string z = plan.View(layer.PreActivations, "0", NetworkPlan.Times("rows", batchNorm.Outputs));
            string shape = $"rows, {channels}, {Int(batchNorm.Positions)}, {plan.Literal(batchNorm.Epsilon)}";
            string evaluation =
                $"{Normalization}.BatchNormEvaluationForward<{t}>({x}, {affine}, b.Slice({Int(batchNorm.BufferOffset)}, {channels}), " +
                $"b.Slice({Int(batchNorm.BufferOffset + batchNorm.Channels)}, {channels}), {z}, {shape});";
            if (evaluationOnly)
            {
                writer.WriteLine(evaluation);
            }
            else
            {
                string prefix = "_layer" + Int(batchNorm.Index);
                writer.WriteLine("if (training)");
                writer.OpenBrace();
                writer.WriteLine(
                    $"{Normalization}.BatchNormTrainingForward<{t}>({x}, {affine}, {z}, {prefix}Mean, {prefix}Variance, {prefix}InverseStd, {shape});");
                writer.CloseBrace();
                writer.WriteLine("else");
                writer.OpenBrace();
                writer.WriteLine(evaluation);
                writer.CloseBrace();
            }

            EmitActivation(writer, plan, layer);
        }

        /// <summary>
        /// BatchNorm backward, from dy in the layer's gradient buffer: dz = dy·f′, then ∂loss/∂γ and ∂loss/∂β, and dx
        /// through the batch statistics (every value of a channel moved its mean and variance, so each dx depends on the
        /// whole channel's dz).
        /// </summary>
        private static void EmitBatchNormBackward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, BatchNormLayerSpec batchNorm, LayerPlan? below)
        {
            string t = plan.T;
            string channels = Int(batchNorm.Channels);
            string prefix = "_layer" + Int(batchNorm.Index);
            EmitActivationBackward(writer, plan, layer);
            string dx = below is null ? "default" : plan.View(below.Gradients, "0", NetworkPlan.Times("rows", batchNorm.Input.Size));
            writer.WriteLine(
                $"{Normalization}.BatchNormBackward<{t}>({plan.View(layer.Gradients, "0", NetworkPlan.Times("rows", batchNorm.Outputs))}, " +
                $"{plan.Batch(layer.Input, batchNorm.Input.Size)}, p.Slice({Int(batchNorm.WeightOffset)}, {channels}), {prefix}Mean, {prefix}InverseStd, " +
                $"g.Slice({Int(batchNorm.WeightOffset)}, {channels}), g.Slice({Int(batchNorm.WeightOffset + batchNorm.Channels)}, {channels}), {dx}, " +
                $"rows, {channels}, {Int(batchNorm.Positions)});");
        }

        /// <summary>LayerNorm forward, the same in both modes: each row normalised over its values (its mean and 1/σ kept), then γ ⊙ x̂ + β and the activation.</summary>
        private static void EmitLayerNormForward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, LayerNormLayerSpec layerNorm)
        {
            string features = Int(layerNorm.Features);
            string prefix = "_layer" + Int(layerNorm.Index);
            writer.WriteLine(
                $"{Normalization}.LayerNormForward<{plan.T}>({plan.Batch(layer.Input, layerNorm.Features)}, p.Slice({Int(layerNorm.WeightOffset)}, {features}), " +
                $"p.Slice({Int(layerNorm.WeightOffset + layerNorm.Features)}, {features}), {plan.View(layer.PreActivations, "0", NetworkPlan.Times("rows", layerNorm.Features))}, " +
                $"{plan.View(prefix + "Mean", "0", "rows")}, {plan.View(prefix + "InverseStd", "0", "rows")}, rows, {features}, {plan.Literal(layerNorm.Epsilon)});");
            EmitActivation(writer, plan, layer);
        }

        /// <summary>LayerNorm backward: dz = dy·f′, then ∂loss/∂γ, ∂loss/∂β and each row's dx through its own mean and variance.</summary>
        private static void EmitLayerNormBackward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, LayerNormLayerSpec layerNorm, LayerPlan? below)
        {
            string features = Int(layerNorm.Features);
            string prefix = "_layer" + Int(layerNorm.Index);
            EmitActivationBackward(writer, plan, layer);
            string dx = below is null ? "default" : plan.View(below.Gradients, "0", NetworkPlan.Times("rows", layerNorm.Features));
            writer.WriteLine(
                $"{Normalization}.LayerNormBackward<{plan.T}>({plan.View(layer.Gradients, "0", NetworkPlan.Times("rows", layerNorm.Features))}, " +
                $"{plan.Batch(layer.Input, layerNorm.Features)}, p.Slice({Int(layerNorm.WeightOffset)}, {features}), " +
                $"{plan.View(prefix + "Mean", "0", "rows")}, {plan.View(prefix + "InverseStd", "0", "rows")}, " +
                $"g.Slice({Int(layerNorm.WeightOffset)}, {features}), g.Slice({Int(layerNorm.WeightOffset + layerNorm.Features)}, {features}), {dx}, rows, {features});");
        }

        /// <summary>
        /// Dropout forward: in training, each value kept with probability 1 − rate and scaled by 1/(1 − rate), from the
        /// call's draw of the network's generator (the mask kept for the backward pass); in evaluation, a copy.
        /// </summary>
        private static void EmitDropoutForward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, DropoutLayerSpec dropout, bool evaluationOnly)
        {
            string x = plan.Batch(layer.Input, dropout.Outputs);
            string y = plan.View(layer.Outputs, "0", NetworkPlan.Times("rows", dropout.Outputs));
            if (evaluationOnly)
            {
                writer.WriteLine($"{x}.CopyTo({y});");
                return;
            }

            writer.WriteLine("if (training)");
            writer.OpenBrace();
            writer.WriteLine(
                $"{Kernels}.DropoutKernels.Forward<{plan.T}>({x}, {y}, {plan.View("_layer" + Int(dropout.Index) + "Mask", "0", NetworkPlan.Times("rows", dropout.Outputs))}, " +
                $"{Double(dropout.Rate)}, _randomDraw);");
            writer.CloseBrace();
            writer.WriteLine("else");
            writer.OpenBrace();
            writer.WriteLine($"{x}.CopyTo({y});");
            writer.CloseBrace();
        }

        /// <summary>Dropout backward: dx = dy·mask. Dropout first in the network has nothing to hand down.</summary>
        private static void EmitDropoutBackward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, DropoutLayerSpec dropout, LayerPlan? below)
        {
            if (below is null)
            {
                writer.WriteLine("// No parameters, and no layer below to hand a gradient to.");
                return;
            }

            string length = NetworkPlan.Times("rows", dropout.Outputs);
            writer.WriteLine(
                $"{Kernels}.DropoutKernels.Backward<{plan.T}>({plan.View(layer.Gradients, "0", length)}, {plan.View("_layer" + Int(dropout.Index) + "Mask", "0", length)}, " +
                $"{plan.View(below.Gradients, "0", length)});");
        }

        /// <summary>
        /// The refusal of a training call in which a BatchNorm layer would see one value per channel (one sample after a
        /// flat layer): the runtime decides from the architecture, where the rule is written once for the network and
        /// for Fit.
        /// </summary>
        private static void EmitBatchStatisticsCheck(SourceWriter writer, NetworkPlan plan, string samples, string parameter)
        {
            if (plan.BatchNormCount > 0)
            {
                writer.WriteLine($"{Arguments}.RequireBatchStatistics({samples}, Architecture, nameof({parameter}));");
            }
        }

        /// <summary>A training call's first step with Dropout: the call draws its masks from a copy of the network's generator, kept only by <see cref="EmitCommit"/>.</summary>
        private static void EmitBeginTrainingCall(SourceWriter writer, NetworkPlan plan)
        {
            if (plan.UsesDropout)
            {
                writer.WriteLine("global::System.Array.Copy(_randomState, _randomDraw, 4); // the call draws its masks from here");
            }
        }

        /// <summary>
        /// Before a training call's update in a network with BatchNorm: each layer's batch statistics finite, which the
        /// running statistics would keep (StepGuard.RequireFiniteStatistics refuses the update otherwise).
        /// </summary>
        private static void EmitStatisticsCheck(SourceWriter writer, NetworkPlan plan)
        {
            foreach (BatchNormLayerSpec batchNorm in plan.BatchNorms)
            {
                string prefix = "_layer" + Int(batchNorm.Index);
                writer.WriteLine($"global::NetGen.StepGuard.RequireFiniteStatistics<{plan.T}>({prefix}Mean, {prefix}Variance, _gradients, Architecture, {Int(batchNorm.Index)});");
            }
        }

        /// <summary>The call to CommitTrainingCall after a training call's update, in a network with modes.</summary>
        private static void EmitCommit(SourceWriter writer, NetworkPlan plan, string samples)
        {
            if (plan.HasModes)
            {
                writer.WriteLine($"CommitTrainingCall({samples});");
            }
        }

        /// <summary>
        /// CommitTrainingCall: what a training call changes beyond the parameters, kept only once the call has succeeded,
        /// so that a refused update leaves the network exactly as it was: each BatchNorm's running statistics (from the
        /// call's batch statistics; the unbiased variance) and num_batches_tracked, and the generator Dropout drew from.
        /// </summary>
        private static void EmitCommitTrainingCall(SourceWriter writer, NetworkPlan plan)
        {
            if (!plan.HasModes)
            {
                return;
            }

            string t = plan.T;
            writer.WriteLine("// What a training call changed beyond the parameters, kept once its update has been applied: each BatchNorm's");
            writer.WriteLine("// running statistics and num_batches_tracked (once per call, as a PyTorch forward pass in training mode), and");
            writer.WriteLine("// the state of the generator the Dropout masks came from.");
            writer.WriteLine("private void CommitTrainingCall(int samples)");
            writer.OpenBrace();
            foreach (BatchNormLayerSpec batchNorm in plan.BatchNorms)
            {
                string prefix = "_layer" + Int(batchNorm.Index);
                string channels = Int(batchNorm.Channels);
                writer.WriteLine(
                    $"{Normalization}.UpdateRunningStatistics<{t}>({plan.View("_buffers", Int(batchNorm.BufferOffset), channels)}, " +
                    $"{plan.View("_buffers", Int(batchNorm.BufferOffset + batchNorm.Channels), channels)}, {prefix}Mean, {prefix}Variance, " +
                    $"{(batchNorm.Positions == 1 ? "samples" : $"(long)samples * {Int(batchNorm.Positions)}")}, {Double(batchNorm.Momentum)});");
                writer.WriteLine($"_batchesTracked[{Int(batchNorm.Ordinal)}]++;");
            }

            if (plan.UsesDropout)
            {
                writer.WriteLine("global::System.Array.Copy(_randomDraw, _randomState, 4);");
            }

            writer.CloseBrace();
            writer.WriteLine();
        }

        /// <summary>The state fields of a network with modes: the buffers and counts of its BatchNorm layers, its generator, and the batch statistics.</summary>
        private static void EmitModeState(SourceWriter writer, NetworkPlan plan)
        {
            string t = plan.T;
            if (plan.BufferCount > 0)
            {
                writer.WriteLine();
                writer.WriteLine("// BatchNorm: the running statistics (Buffers) and num_batches_tracked of each layer, and the statistics of the");
                writer.WriteLine("// last training call's batch per channel, from its forward pass to its backward pass and CommitTrainingCall.");
                writer.WriteLine($"private readonly {t}[] _buffers = InitialBuffers();");
                writer.WriteLine($"private readonly long[] _batchesTracked = new long[{Int(plan.BatchNormCount)}];");
                foreach (var statistic in plan.Statistics)
                {
                    writer.WriteLine($"private readonly {t}[] {statistic.Key} = new {t}[{Int(statistic.Value)}];");
                }
            }

            if (plan.UsesDropout)
            {
                writer.WriteLine();
                writer.WriteLine("// Dropout: the network's generator (xoshiro256**), and the copy a training call draws its masks from.");
                writer.WriteLine("private readonly ulong[] _randomState = InitialRandomState(global::NetGen.ParameterInitializer.DefaultSeed);");
                writer.WriteLine("private readonly ulong[] _randomDraw = new ulong[4];");
            }
        }

        /// <summary>InitialBuffers and InitialRandomState, and the part of InitializeParameters that resets them.</summary>
        private static void EmitModeInitialization(SourceWriter writer, NetworkPlan plan)
        {
            string t = plan.T;
            if (plan.BufferCount > 0)
            {
                writer.WriteBlock($$"""
                    // Each BatchNorm's running mean 0 and running variance 1, as PyTorch starts them.
                    private static {{t}}[] InitialBuffers()
                    {
                        var buffers = new {{t}}[{{Int(plan.BufferCount)}}];
                        global::NetGen.ParameterInitializer.InitializeBuffers<{{t}}>(buffers, Architecture);
                        return buffers;
                    }

                    """);
            }

            if (plan.UsesDropout)
            {
                writer.WriteBlock("""
                    private static ulong[] InitialRandomState(int seed)
                    {
                        var state = new ulong[4];
                        global::NetGen.Kernels.DropoutKernels.Seed(state, seed);
                        return state;
                    }

                    """);
            }
        }

        /// <summary>What InitializeParameters' summary says beyond the weights and biases, in a network with modes or normalisations.</summary>
        private static string ModeInitializationDoc(NetworkPlan plan)
            => (plan.Spec.Layers.Any(layer => layer is BatchNormLayerSpec or LayerNormLayerSpec) ? ", normalisation weights (γ) one" : string.Empty)
               + (plan.BufferCount > 0 ? "; it also resets the running statistics (mean 0, variance 1) and the batch counts" : string.Empty)
               + (plan.UsesDropout ? (plan.BufferCount > 0 ? ", and reseeds" : "; it also reseeds") + " the dropout generator from the seed" : string.Empty);

        /// <summary>The statements of InitializeParameters beyond the parameters: fresh buffers, no batches tracked, the generator reseeded.</summary>
        private static void EmitModeReset(SourceWriter writer, NetworkPlan plan)
        {
            if (plan.BufferCount > 0)
            {
                writer.WriteLine($"global::NetGen.ParameterInitializer.InitializeBuffers<{plan.T}>(_buffers, Architecture);");
                writer.WriteLine("global::System.Array.Clear(_batchesTracked, 0, _batchesTracked.Length);");
            }

            if (plan.UsesDropout)
            {
                writer.WriteLine("global::NetGen.Kernels.DropoutKernels.Seed(_randomState, seed);");
            }
        }
    }
}
