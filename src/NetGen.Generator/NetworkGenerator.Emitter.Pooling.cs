using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Pooling forward over every row: each window's maximum (keeping where it was, for the backward pass) or mean.
        /// </summary>
        private static void EmitPoolingForward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, PoolingLayerSpec pooling)
        {
            string x = plan.Batch(layer.Input, pooling.Input.Size);
            string y = plan.View(layer.Outputs, "0", NetworkPlan.Times("rows", pooling.Outputs));
            writer.WriteLine(pooling.IsMax
                ? $"{Kernels}.PoolingKernels.MaxPoolForward<{plan.T}>({x}, {y}, new {Span}<int>({layer.Argmax}, 0, {NetworkPlan.Times("rows", pooling.Outputs)}), rows, in {layer.Geometry});"
                : $"{Kernels}.PoolingKernels.AvgPoolForward<{plan.T}>({x}, {y}, rows, in {layer.Geometry});");
        }

        /// <summary>
        /// Pooling backward: dx of the layer below from dy, each output's gradient sent to its window's maximum (the
        /// first on a tie) or spread evenly over its window. A pool first in the network has nothing to hand down.
        /// </summary>
        private static void EmitPoolingBackward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, PoolingLayerSpec pooling, LayerPlan? below)
        {
            if (below is null)
            {
                writer.WriteLine("// No parameters, and no layer below to hand a gradient to.");
                return;
            }

            string dy = plan.View(layer.Gradients, "0", NetworkPlan.Times("rows", pooling.Outputs));
            string dx = plan.View(below.Gradients, "0", NetworkPlan.Times("rows", pooling.Input.Size));
            writer.WriteLine(pooling.IsMax
                ? $"{Kernels}.PoolingKernels.MaxPoolBackward<{plan.T}>({dy}, new global::System.ReadOnlySpan<int>({layer.Argmax}, 0, {NetworkPlan.Times("rows", pooling.Outputs)}), {dx}, rows, in {layer.Geometry});"
                : $"{Kernels}.PoolingKernels.AvgPoolBackward<{plan.T}>({dy}, {dx}, rows, in {layer.Geometry});");
        }
    }
}
