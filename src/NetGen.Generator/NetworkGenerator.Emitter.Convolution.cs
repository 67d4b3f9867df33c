using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Convolution forward: z = conv(x, W) + b for every row (ConvolutionKernels.Forward, with the layer's geometry
        /// and the shared scratch), then the activation over the whole batch.
        /// </summary>
        private static void EmitConvolutionForward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, ConvolutionLayerSpec convolution)
        {
            writer.WriteLine(
                $"{Kernels}.ConvolutionKernels.Forward<{plan.T}>(p.Slice({Int(convolution.WeightOffset)}, {Int(convolution.WeightCount)}), " +
                $"{(convolution.HasBias ? $"p.Slice({Int(convolution.BiasOffset)}, {Int(convolution.Filters)})" : "default")}, {plan.Batch(layer.Input, convolution.Input.Size)}, " +
                $"{plan.View(layer.PreActivations, "0", NetworkPlan.Times("rows", convolution.Outputs))}, rows, in {layer.Geometry}, {plan.ConvolutionScratch});");
            EmitActivation(writer, plan, layer);
        }

        /// <summary>
        /// Convolution backward, from dy = ∂loss/∂y in the layer's gradient buffer: dz = dy·f′(z), then ∂loss/∂W and
        /// ∂loss/∂b accumulated over the batch and, unless it is the first layer, dx (the transposed convolution of dz)
        /// into the gradient buffer of the layer below. Its parameters always accumulate: fused SGD steps them at the
        /// end of the pass with the other accumulated parameters.
        /// </summary>
        private static void EmitConvolutionBackward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, ConvolutionLayerSpec convolution, LayerPlan? below)
        {
            string t = plan.T;
            string dz = plan.View(layer.Gradients, "0", NetworkPlan.Times("rows", convolution.Outputs));
            EmitActivationBackward(writer, plan, layer);
            writer.WriteLine(
                $"{Kernels}.ConvolutionKernels.AccumulateParameterGradients<{t}>({dz}, {plan.Batch(layer.Input, convolution.Input.Size)}, " +
                $"g.Slice({Int(convolution.WeightOffset)}, {Int(convolution.WeightCount)}), {(convolution.HasBias ? $"g.Slice({Int(convolution.BiasOffset)}, {Int(convolution.Filters)})" : "default")}, " +
                $"rows, in {layer.Geometry}, {plan.ConvolutionScratch});");
            if (below is not null)
            {
                writer.WriteLine(
                    $"{Kernels}.ConvolutionKernels.BackpropagateInputs<{t}>({dz}, p.Slice({Int(convolution.WeightOffset)}, {Int(convolution.WeightCount)}), " +
                    $"{plan.View(below.Gradients, "0", NetworkPlan.Times("rows", convolution.Input.Size))}, rows, in {layer.Geometry}, {plan.ConvolutionScratch});");
            }
        }
    }
}
