using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // The lane pass calls the hardware intrinsics directly, which the JIT expands in place: a method this long exhausts
        // its inlining budget and would leave helper calls in the loop. Like everything generated, they are named from the
        // global namespace down, so that no type of the user's can capture them.
        private const string L = "global::NetGen.Kernels.LaneKernels";
        private const string Fma = "global::System.Runtime.Intrinsics.X86.Fma";
        private const string Avx512F = "global::System.Runtime.Intrinsics.X86.Avx512F";

        /// <summary>
        /// One width of the lane pass: its vector type, its method, the suffix of the LaneKernels methods that differ
        /// only in what they return (Column, Labels, Mask), and its fused multiply-add, called directly (see above).
        /// </summary>
        private sealed class LaneWidth(int bits, string method, string suffix, string multiplyAdd)
        {
            public static readonly LaneWidth V256 = new(256, "RunLanes", "", Fma + ".MultiplyAdd");
            public static readonly LaneWidth V512 = new(512, "RunLanes512", "512", Avx512F + ".FusedMultiplyAdd");

            public string Vector { get; } = "global::System.Runtime.Intrinsics.Vector" + bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
            public string Method { get; } = method;
            public string Suffix { get; } = suffix;
            public string MultiplyAdd { get; } = multiplyAdd;

            /// <summary>Samples per block: the elements of the vector of T.</summary>
            public int Count(NetworkPlan plan) => bits / (plan.IsDouble ? 64 : 32);
        }

        /// <summary>
        /// A pass over at least this many samples runs in lanes. One sample alone is left to the per-sample code: in
        /// lanes it would pay the lane sums of every gradient for one lane of work.
        /// </summary>
        internal const int MinimumLaneRows = 2;

        /// <summary>
        /// RunLanes: forward pass, loss and backward pass of a tiny network (every layer unrolled, no custom activation)
        /// over a pass of samples, a vector of samples at a time. Lane j of every vector is sample first + j; unit u of
        /// layer k is the local yk_u, its pre-activation zk_u and ∂loss/∂zk_u dk_u. The weights are broadcast scalars, so
        /// the arithmetic is the per-sample code's, lane-wise; a partial last block zero-fills its inputs and masks
        /// its loss and gradients. Each run of consecutive parameters sums its lanes into _gradients at once.
        /// </summary>
        private static void EmitLanes(SourceWriter writer, NetworkPlan plan, bool labels, LaneWidth width)
        {
            NetworkSpec spec = plan.Spec;
            var output = (DenseLayerSpec)plan.Output.Layer;
            string t = plan.T;
            string count = Int(width.Count(plan));
            string Vector = width.Vector;
            string targetType = labels ? $"{ReadOnlySpan}<int>" : $"{ReadOnlySpan}<{t}>";
            string targets = labels ? "labels" : "targets";

            writer.WriteLine($"// Forward pass, loss and backward pass of rows samples, {count} at a time, one sample per vector lane (see");
            writer.WriteLine($"// NetGen.Kernels.LaneKernels): the same sums as RunForward, ComputeOutputLoss and RunBackward. Returns the summed loss.");
            writer.WriteLine(FullyOptimized);
            writer.WriteLine($"private {t} {width.Method}({ReadOnlySpan}<{t}> inputs, {targetType} {targets}, int rows)");
            writer.OpenBrace();
            writer.WriteLine($"{ReadOnlySpan}<{t}> p = _parameters;");
            writer.WriteLine($"{Span}<{t}> g = _gradients;");
            writer.WriteLine("_ = p[ParameterCount - 1]; // one bounds check that covers every constant index below");
            writer.WriteLine($"var loss = {Vector}.Create({plan.Literal(0)});");
            writer.WriteLine($"for (int first = 0; first < rows; first += {count})");
            writer.OpenBrace();
            writer.WriteLine($"int lanes = global::System.Math.Min({count}, rows - first);");
            writer.WriteLine($"var mask = {L}.Mask{width.Suffix}<{t}>(lanes);");
            for (int input = 0; input < spec.Inputs; input++)
            {
                writer.WriteLine($"var x{Int(input)} = {L}.Column{width.Suffix}(inputs, {ColumnStart(spec.Inputs, input)}, {Int(spec.Inputs)}, lanes);");
            }

            foreach (LayerPlan layer in plan.Layers)
            {
                writer.WriteLine();
                writer.WriteLine($"// Layer {Int(layer.Index)}: {NetworkPlan.DescribeLayer(layer.Layer)}, forward");
                EmitLaneForward(writer, plan, width, (DenseLayerSpec)layer.Layer);
            }

            writer.WriteLine();
            writer.WriteLine($"// Loss, and ∂loss/∂{(plan.Output.ReceivesPreActivationGradient ? "z" : "y")} of layer {Int(output.Index)}; lanes without a sample add nothing.");
            if (labels)
            {
                writer.WriteLine($"var label = {L}.Labels{width.Suffix}<{t}>(labels, first, lanes);");
            }

            for (int unit = 0; unit < output.Units; unit++)
            {
                writer.WriteLine(labels
                    ? $"var t{Int(unit)} = {L}.OneHot(label, {Int(unit)});"
                    : $"var t{Int(unit)} = {L}.Column{width.Suffix}(targets, {ColumnStart(output.Units, unit)}, {Int(output.Units)}, lanes);");
            }

            EmitLaneLoss(writer, plan, width, output);

            for (int index = plan.Layers.Count - 1; index >= 0; index--)
            {
                LayerPlan layer = plan.Layers[index];
                writer.WriteLine();
                writer.WriteLine($"// Layer {Int(index)}: {NetworkPlan.DescribeLayer(layer.Layer)}, backward");
                EmitLaneBackward(writer, plan, width, layer);
            }

            writer.CloseBrace();
            writer.WriteLine();
            writer.WriteLine($"return {L}.Sum(loss);");
            writer.CloseBrace();
            writer.WriteLine();
        }

        /// <summary>Where column <paramref name="column"/> of sample <c>first</c> starts in a row-major span of <paramref name="width"/> values per sample.</summary>
        private static string ColumnStart(int width, int column)
            => width == 1 ? "first" : column == 0 ? $"first * {Int(width)}" : $"first * {Int(width)} + {Int(column)}";

        /// <summary><paramref name="terms"/> summed and, for more than one output, divided by their count: a per-output mean.</summary>
        private static string LaneMean(NetworkPlan plan, LaneWidth width, IReadOnlyList<string> terms)
            => terms.Count == 1 ? terms[0] : $"({PairwiseSum(terms)}) * {width.Vector}.Create({plan.Literal(1.0 / terms.Count)})";

        /// <summary>The vector of input <paramref name="input"/> to layer <paramref name="layer"/>: an input column, or the layer below's output.</summary>
        private static string LaneInput(int layer, int input) => layer == 0 ? "x" + Int(input) : $"y{Int(layer - 1)}_{Int(input)}";

        /// <summary>Σ scalarᵢ·vectorᵢ (+ start) as nested fused multiply-adds, in two interleaved chains when long, so that the adds overlap.</summary>
        private static string LaneDot(LaneWidth width, IReadOnlyList<(string Scalar, string Vector)> terms, string? start)
        {
            string Vector = width.Vector;
            string Chain(IEnumerable<(string Scalar, string Vector)> chain, string? initial)
            {
                string? sum = initial;
                foreach ((string scalar, string vector) in chain)
                {
                    sum = sum is null ? $"{Vector}.Create({scalar}) * {vector}" : $"{width.MultiplyAdd}({Vector}.Create({scalar}), {vector}, {sum})";
                }

                return sum!;
            }

            if (terms.Count < 8)
            {
                return Chain(terms, start);
            }

            return Chain(terms.Where((_, i) => i % 2 == 0), start) + " + " + Chain(terms.Where((_, i) => i % 2 == 1), null);
        }

        private static void EmitLaneForward(SourceWriter writer, NetworkPlan plan, LaneWidth width, DenseLayerSpec layer)
        {
            string Vector = width.Vector;
            string k = Int(layer.Index);
            for (int unit = 0; unit < layer.Units; unit++)
            {
                string u = Int(unit);
                var terms = Enumerable.Range(0, layer.Inputs)
                    .Select(input => ($"p[{Int(layer.WeightOffset + unit * layer.Inputs + input)}]", LaneInput(layer.Index, input)))
                    .ToList();
                writer.WriteLine($"var z{k}_{u} = {LaneDot(width, terms, $"{Vector}.Create(p[{Int(layer.BiasOffset + unit)}])")};");
                string? activation = Activations.Lane(plan, layer.Activation, $"z{k}_{u}");
                if (activation is not null)
                {
                    writer.WriteLine($"var y{k}_{u} = {activation};");
                }
            }

            if (layer.Activation.Kind == ActivationKind.Softmax)
            {
                IEnumerable<int> units = Enumerable.Range(0, layer.Units);
                string max = units.Skip(1).Aggregate($"z{k}_0", (acc, unit) => $"{L}.Max({acc}, z{k}_{Int(unit)})");
                writer.WriteLine($"var max{k} = {max};");
                foreach (int unit in units)
                {
                    writer.WriteLine($"var e{k}_{Int(unit)} = {L}.Exp(z{k}_{Int(unit)} - max{k});");
                }

                writer.WriteLine($"var sum{k} = {PairwiseSum(units.Select(unit => $"e{k}_{Int(unit)}"))};");
                foreach (int unit in units)
                {
                    writer.WriteLine($"var y{k}_{Int(unit)} = e{k}_{Int(unit)} / sum{k};");
                }
            }
        }

        /// <summary>The lane losses into loss, and dO_u = ∂loss/∂z of the output layer, masked to the lanes that hold a sample.</summary>
        private static void EmitLaneLoss(SourceWriter writer, NetworkPlan plan, LaneWidth width, DenseLayerSpec output)
        {
            string Vector = width.Vector;
            string o = Int(output.Index);
            IEnumerable<int> units = Enumerable.Range(0, output.Units);
            string inverseUnits = plan.Literal(1.0 / output.Units);
            switch (plan.Spec.Loss)
            {
                case LossKind.CrossEntropy:
                    // −Σ tᵤ ln yᵤ = Σ tᵤ·(logsumexp(z) − zᵤ); the gradient with respect to the logits is y·Σt − t.
                    writer.WriteLine($"var mass = {PairwiseSum(units.Select(unit => "t" + Int(unit)))};");
                    writer.WriteLine($"loss += (mass * (max{o} + {L}.Log(sum{o})) - ({PairwiseSum(units.Select(unit => $"t{Int(unit)} * z{o}_{Int(unit)}"))})) & mask;");
                    foreach (int unit in units)
                    {
                        writer.WriteLine($"var d{o}_{Int(unit)} = (y{o}_{Int(unit)} * mass - t{Int(unit)}) & mask;");
                    }

                    break;
                case LossKind.BinaryCrossEntropy:
                    // Mean over the outputs, from the logits; the gradient with respect to the logits is (y − t)/OutputSize.
                    writer.WriteLine($"loss += ({LaneMean(plan, width, units.Select(unit => $"{L}.BinaryCrossEntropyWithLogits(z{o}_{Int(unit)}, t{Int(unit)})").ToList())}) & mask;");
                    foreach (int unit in units)
                    {
                        string residual = $"y{o}_{Int(unit)} - t{Int(unit)}";
                        writer.WriteLine(output.Units == 1
                            ? $"var d{o}_{Int(unit)} = ({residual}) & mask;"
                            : $"var d{o}_{Int(unit)} = (({residual}) * {Vector}.Create({inverseUnits})) & mask;");
                    }

                    break;
                default:
                    // Mean squared error over the outputs; its gradient with respect to y, 2(y − t)/OutputSize.
                    foreach (int unit in units)
                    {
                        writer.WriteLine($"var r{Int(unit)} = y{o}_{Int(unit)} - t{Int(unit)};");
                    }

                    writer.WriteLine($"loss += ({LaneMean(plan, width, units.Select(unit => $"r{Int(unit)} * r{Int(unit)}").ToList())}) & mask;");
                    foreach (int unit in units)
                    {
                        writer.WriteLine($"var gy{o}_{Int(unit)} = (r{Int(unit)} * {Vector}.Create({plan.Literal(2.0 / output.Units)})) & mask;");
                    }

                    break;
            }
        }

        /// <summary>dk_u from gyk_u = ∂loss/∂yk_u: times the activation's derivative, taken at the output y.</summary>
        private static void EmitLaneActivationBackward(SourceWriter writer, NetworkPlan plan, DenseLayerSpec layer)
        {
            string k = Int(layer.Index);
            IEnumerable<int> units = Enumerable.Range(0, layer.Units);
            if (layer.Activation.Kind == ActivationKind.Softmax)
            {
                // The softmax's Jacobian: dᵤ = yᵤ·(gyᵤ − Σᵥ gyᵥ·yᵥ).
                writer.WriteLine($"var dot{k} = {PairwiseSum(units.Select(unit => $"gy{k}_{Int(unit)} * y{k}_{Int(unit)}"))};");
            }

            foreach (int unit in units)
            {
                string u = Int(unit);
                string gradient = $"gy{k}_{u}", y = $"y{k}_{u}";
                string derivative = Activations.LaneBackward(plan, layer.Activation, y, gradient) ?? $"{y} * ({gradient} - dot{k})";
                writer.WriteLine($"var d{k}_{u} = {derivative};");
            }
        }

        /// <summary>
        /// One layer's lane backward pass, from gyk_u = ∂loss/∂yk_u (or, after a loss fused with its activation, dk_u =
        /// ∂loss/∂zk_u directly): its derivative, the lane sums of its parameters' gradients, and gy of the layer below.
        /// </summary>
        private static void EmitLaneBackward(SourceWriter writer, NetworkPlan plan, LaneWidth width, LayerPlan plannedLayer)
        {
            int laneCount = width.Count(plan);
            var layer = (DenseLayerSpec)plannedLayer.Layer;
            string k = Int(layer.Index);
            if (!plannedLayer.ReceivesPreActivationGradient)
            {
                EmitLaneActivationBackward(writer, plan, layer);
            }

            // The layer's weights and then its biases are consecutive parameters: each run of LaneCount is summed over
            // the lanes at once. A weight's gradient is Σ dₖᵤ·xᵢ over the samples, a bias's Σ dₖᵤ.
            int parameters = layer.WeightCount + layer.Units;
            for (int start = 0; start < parameters; start += laneCount)
            {
                int length = System.Math.Min(laneCount, parameters - start);
                IEnumerable<string> contributions = Enumerable.Range(start, laneCount).Select(parameter =>
                    parameter >= parameters ? "default"
                    : parameter < layer.WeightCount ? $"d{k}_{Int(parameter / layer.Inputs)} * {LaneInput(layer.Index, parameter % layer.Inputs)}"
                    : $"d{k}_{Int(parameter - layer.WeightCount)}");
                writer.WriteLine($"{L}.AddLaneSums(g.Slice({Int(layer.WeightOffset + start)}, {Int(length)}), {string.Join(", ", contributions)});");
            }

            if (layer.Index == 0)
            {
                return;
            }

            // ∂loss/∂y of the layer below, Σᵤ dₖᵤ·Wᵤᵢ; its own backward pass applies its activation's derivative.
            string b = Int(layer.Index - 1);
            for (int input = 0; input < layer.Inputs; input++)
            {
                var terms = Enumerable.Range(0, layer.Units)
                    .Select(unit => ($"p[{Int(layer.WeightOffset + unit * layer.Inputs + input)}]", $"d{k}_{Int(unit)}"))
                    .ToList();
                writer.WriteLine($"var gy{b}_{Int(input)} = {LaneDot(width, terms, null)};");
            }
        }
    }
}
