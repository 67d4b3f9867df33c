using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Dense forward: z = W·x + b for each row, then the activation. An unrolled layer writes every dot product as
        /// straight-line code with constant weight indices (applying compare-and-select activations inline); a larger
        /// one calls DenseKernels.Forward, the GEMM, and the activation's span kernel.
        /// </summary>
        private static void EmitDenseForward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, DenseLayerSpec dense)
        {
            string t = plan.T;
            if (!layer.IsUnrolled)
            {
                string width = Int(dense.Units);
                writer.WriteLine(
                    $"{Kernels}.DenseKernels.Forward<{t}>(p.Slice({Int(dense.WeightOffset)}, {Int(dense.WeightCount)}), {(dense.HasBias ? $"p.Slice({Int(dense.BiasOffset)}, {width})" : "default")}, " +
                    $"{plan.Batch(layer.Input, dense.Inputs)}, {plan.View(layer.PreActivations, "0", NetworkPlan.Times("rows", dense.Units))}, rows, {Int(dense.Inputs)}, {width});");
                EmitActivation(writer, plan, layer);
                return;
            }

            bool inline = Activations.IsInline(dense.Activation);
            writer.WriteLine("for (int row = 0; row < rows; row++)");
            writer.OpenBrace();
            writer.WriteLine($"{ReadOnlySpan}<{t}> x = {plan.Row(layer.Input, dense.Inputs)};");
            if (layer.KeepsPreActivations || !inline)
            {
                writer.WriteLine($"{Span}<{t}> z = {plan.View(layer.PreActivations, NetworkPlan.Times("row", dense.Units), Int(dense.Units))};");
            }

            if (inline)
            {
                writer.WriteLine($"{Span}<{t}> y = {plan.View(layer.Outputs, NetworkPlan.Times("row", dense.Units), Int(dense.Units))};");
            }

            for (int unit = 0; unit < dense.Units; unit++)
            {
                var terms = Enumerable.Range(0, dense.Inputs).Select(input => $"p[{Int(dense.WeightOffset + unit * dense.Inputs + input)}] * x[{Int(input)}]");
                string sum = PairwiseSum(dense.HasBias ? terms.Prepend($"p[{Int(dense.BiasOffset + unit)}]") : terms);
                string u = Int(unit);
                if (!inline)
                {
                    writer.WriteLine($"z[{u}] = {sum};");
                }
                else if (layer.KeepsPreActivations)
                {
                    writer.WriteLine($"z[{u}] = {sum};");
                    writer.WriteLine($"y[{u}] = {Activations.Inline(plan, dense.Activation, $"z[{u}]")};");
                }
                else if (dense.Activation.Kind == ActivationKind.Identity)
                {
                    writer.WriteLine($"y[{u}] = {sum};");
                }
                else
                {
                    writer.WriteLine($"{t} z{u} = {sum};");
                    writer.WriteLine($"y[{u}] = {Activations.Inline(plan, dense.Activation, "z" + u)};");
                }
            }

            writer.CloseBrace();
            if (!inline)
            {
                writer.WriteLine(dense.Activation.Custom is null
                    ? $"// {dense.Activation.Kind} of every row at once, vectorised."
                    : $"// {dense.Activation.Custom} of every value, the custom activation.");
                EmitActivation(writer, plan, layer);
            }
        }

        /// <summary>
        /// Dense backward, from dy = ∂loss/∂y in the layer's gradient buffer: dz = dy·f′(z), then ∂loss/∂W += dzᵀ·x,
        /// ∂loss/∂b += Σ dz and, unless it is the first layer, dx = dz·W into the gradient buffer of the layer below.
        /// Fused (<paramref name="sgd"/> given), a kernel layer hands dx down first and then steps its weights from dz
        /// and x directly, never storing their gradient.
        /// </summary>
        private static void EmitDenseBackward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, DenseLayerSpec dense, LayerPlan? below, SgdSpec? sgd)
        {
            if (layer.IsUnrolled)
            {
                EmitUnrolledDenseBackward(writer, plan, layer, dense, below);
                return;
            }

            string t = plan.T;
            string inWidth = Int(dense.Inputs);
            string outWidth = Int(dense.Units);
            string x = plan.Batch(layer.Input, dense.Inputs);
            string dz = plan.View(layer.Gradients, "0", NetworkPlan.Times("rows", dense.Units));
            EmitActivationBackward(writer, plan, layer);
            if (sgd is null)
            {
                writer.WriteLine(
                    $"{Kernels}.DenseKernels.AccumulateParameterGradients<{t}>({dz}, {x}, g.Slice({Int(dense.WeightOffset)}, {Int(dense.WeightCount)}), " +
                    $"{(dense.HasBias ? $"g.Slice({Int(dense.BiasOffset)}, {outWidth})" : "default")}, rows, {inWidth}, {outWidth});");
            }

            if (below is not null)
            {
                writer.WriteLine(
                    $"{Kernels}.DenseKernels.BackpropagateInputs<{t}>({dz}, p.Slice({Int(dense.WeightOffset)}, {Int(dense.WeightCount)}), " +
                    $"{plan.View(below.Gradients, "0", NetworkPlan.Times("rows", dense.Inputs))}, rows, {inWidth}, {outWidth});");
            }

            if (sgd is not null)
            {
                if (dense.HasBias)
                {
                    writer.WriteLine($"{Kernels}.DenseKernels.AccumulateBiasGradients<{t}>({dz}, g.Slice({Int(dense.BiasOffset)}, {outWidth}), rows, {outWidth});");
                }

                writer.WriteLine(
                    $"{Kernels}.DenseKernels.SgdWeightStep<{t}>({dz}, {x}, _parameters.Slice({Int(dense.WeightOffset)}, {Int(dense.WeightCount)}), " +
                    $"rows, {inWidth}, {outWidth}, rate, {plan.Literal(sgd.WeightDecay)}, scale);");
            }
        }

        /// <summary>
        /// An unrolled layer's backward pass, per row: dz from dy (inline for element-wise activations; softmax and
        /// custom activations take theirs over the whole batch first), then every weight and bias gradient and every dx
        /// as straight-line code with constant indices.
        /// </summary>
        private static void EmitUnrolledDenseBackward(SourceWriter writer, NetworkPlan plan, LayerPlan layer, DenseLayerSpec dense, LayerPlan? below)
        {
            string t = plan.T;
            bool rowWise = dense.Activation.Custom is not null || dense.Activation.Kind == ActivationKind.Softmax;
            bool inlineDerivative = !layer.ReceivesPreActivationGradient && !rowWise && dense.Activation.Kind != ActivationKind.Identity;
            if (rowWise)
            {
                EmitActivationBackward(writer, plan, layer);
            }

            writer.WriteLine("for (int row = 0; row < rows; row++)");
            writer.OpenBrace();
            writer.WriteLine($"{ReadOnlySpan}<{t}> x = {plan.Row(layer.Input, dense.Inputs)};");
            string Dz(int unit) => inlineDerivative ? "dz" + Int(unit) : $"dz[{Int(unit)}]";
            if (inlineDerivative)
            {
                writer.WriteLine($"{ReadOnlySpan}<{t}> y = {plan.Row(layer.Outputs, dense.Units)};");
                writer.WriteLine($"{ReadOnlySpan}<{t}> dy = {plan.Row(layer.Gradients, dense.Units)};");
                for (int unit = 0; unit < dense.Units; unit++)
                {
                    string u = Int(unit);
                    writer.WriteLine($"{t} dz{u} = {Activations.Derivative(plan, dense.Activation, $"dy[{u}]", $"y[{u}]")};");
                }
            }
            else
            {
                writer.WriteLine($"{ReadOnlySpan}<{t}> dz = {plan.Row(layer.Gradients, dense.Units)};");
            }

            for (int unit = 0; unit < dense.Units; unit++)
            {
                for (int input = 0; input < dense.Inputs; input++)
                {
                    writer.WriteLine($"g[{Int(dense.WeightOffset + unit * dense.Inputs + input)}] += {Dz(unit)} * x[{Int(input)}];");
                }

                if (dense.HasBias)
                {
                    writer.WriteLine($"g[{Int(dense.BiasOffset + unit)}] += {Dz(unit)};");
                }
            }

            if (below is not null)
            {
                writer.WriteLine($"{Span}<{t}> dx = {plan.View(below.Gradients, NetworkPlan.Times("row", dense.Inputs), Int(dense.Inputs))};");
                for (int input = 0; input < dense.Inputs; input++)
                {
                    string sum = PairwiseSum(Enumerable.Range(0, dense.Units)
                        .Select(unit => $"{Dz(unit)} * p[{Int(dense.WeightOffset + unit * dense.Inputs + input)}]"));
                    writer.WriteLine($"dx[{Int(input)}] = {sum};");
                }
            }

            writer.CloseBrace();
        }
    }
}
