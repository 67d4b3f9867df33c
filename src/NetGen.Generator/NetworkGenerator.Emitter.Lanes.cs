using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // The lane passes live apart from the network's class, as static methods of a file-local class in the namespace
        // NetGen.Generated (see EmitLaneClass), whose using directives make short names safe there. They call the
        // hardware intrinsics directly, which the JIT expands in place: a method this long exhausts its inlining budget
        // and would leave helper calls in the loop (a LaneKernels helper that chose between AVX-512F's multiply-add and
        // a fallback did, in iris's 4-16-3 pass). The Vector512 pass's multiply-add is Fma512.FusedMultiplyAdd, an alias
        // (see EmitLaneClass) for Vector512's, itself an intrinsic that runs on any machine, or on .NET 8, which lacks it,
        // for AVX-512F's.
        private const string L = "LaneKernels";

        /// <summary>The alias of the type whose FusedMultiplyAdd the Vector512 pass calls: Vector512 from .NET 9, else Avx512F.</summary>
        private const string Fma512 = "Fma512";

        /// <summary>
        /// Defined by the .NET SDK for .NET 9 and later, whose Vector512.FusedMultiplyAdd runs on any machine; without it
        /// (.NET 8) the Vector512 pass calls AVX-512F's, so that the network takes it only where AVX-512F is supported.
        /// </summary>
        private const string PortableFma512Symbol = "NET9_0_OR_GREATER";

        /// <summary>The namespace of the generated implementation classes, after System.Text.RegularExpressions.Generated.</summary>
        internal const string ImplementationNamespace = "NetGen.Generated";

        /// <summary>
        /// One width of the lane pass: its vector type, its method, the suffix of the LaneKernels methods that differ
        /// only in what they return (Column, Labels, Mask), and its fused multiply-add (see above).
        /// </summary>
        private sealed class LaneWidth(int bits, string method, string suffix, string multiplyAdd)
        {
            public static readonly LaneWidth V256 = new(256, "RunLanes", "", "Fma.MultiplyAdd");
            public static readonly LaneWidth V512 = new(512, "RunLanes512", "512", Fma512 + ".FusedMultiplyAdd");

            public string Vector { get; } = "Vector" + bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
            public string Method { get; } = method;
            public string Suffix { get; } = suffix;
            public string MultiplyAdd { get; } = multiplyAdd;

            /// <summary>Samples per block: the elements of the vector of T.</summary>
            public int Count(NetworkPlan plan) => bits / (plan.IsDouble ? 64 : 32);
        }

        /// <summary>The file-local class that holds the network's lane passes, e.g. <c>XorNetLanes</c>.</summary>
        internal static string LaneClass(NetworkSpec spec) => spec.Type.SimpleName + "Lanes";

        /// <summary>How the network's class names a lane pass: from the global namespace, since it is the user's code's scope.</summary>
        private static string LaneCall(NetworkPlan plan, LaneWidth width)
            => $"global::{ImplementationNamespace}.{LaneClass(plan.Spec)}.{width.Method}";

        /// <summary>
        /// After the network's class, in the same file: namespace NetGen.Generated, its using directives, and the
        /// file-local static class of the lane passes, which take the parameters and gradients as spans and touch no
        /// other state of the network. The pattern is the Regex generator's (System.Text.RegularExpressions.Generated).
        /// </summary>
        private static void EmitLaneClass(SourceWriter writer, NetworkPlan plan)
        {
            NetworkSpec spec = plan.Spec;
            writer.WriteLine();
            writer.WriteLine("namespace " + ImplementationNamespace);
            writer.OpenBrace();
            writer.WriteBlock("""
                // Short names are safe here. Inside this namespace declaration C# looks a simple name up in NetGen.Generated,
                // then in the using directives below, and only then in NetGen and in the global namespace, with its global
                // usings (the C# standard, "Namespace and type names"), so no type of the user's, in the global namespace or
                // in the network's, can capture one. The directives name their namespaces from global:: for the same reason.
                using global::System;
                using global::System.CodeDom.Compiler;
                using global::System.Runtime.CompilerServices;
                using global::System.Runtime.Intrinsics;
                using global::System.Runtime.Intrinsics.X86;
                using global::NetGen.Kernels;

                """);
            writer.WriteBlock($$"""
                // RunLanes512's fused multiply-add: Vector512's where it exists, which is AVX-512F's instruction where Vector512
                // is accelerated and rounds once in software elsewhere, so the pass runs, with the same results, on any
                // machine; on .NET 8, AVX-512F's, and the network takes the pass only where AVX-512F is supported.
                #if {{PortableFma512Symbol}}
                using {{Fma512}} = global::System.Runtime.Intrinsics.Vector512;
                #else
                using {{Fma512}} = global::System.Runtime.Intrinsics.X86.Avx512F;
                #endif

                """);
            writer.WriteLine($"/// <summary>The vector-lane passes of {spec.Type.SimpleName}, called from its AccumulateGradientsCore.</summary>");
            writer.WriteLine($"[GeneratedCode(\"NetGen.Generator\", \"{GeneratorVersion}\")]");
            writer.WriteLine($"file static class {LaneClass(spec)}");
            writer.OpenBrace();

            // Both widths for every lane network: the batch size, which decides between them, is known only at run time,
            // and the second method costs only its code (a tiny network's is a few hundred lines).
            bool first = true;
            foreach (LaneWidth width in new[] { LaneWidth.V256, LaneWidth.V512 })
            {
                foreach (bool labels in spec.Loss == LossKind.CrossEntropy ? new[] { false, true } : new[] { false })
                {
                    if (!first)
                    {
                        writer.WriteLine();
                    }

                    EmitLanes(writer, plan, labels, width);
                    first = false;
                }
            }

            writer.CloseBrace();
            writer.CloseBrace();
        }

        /// <summary>
        /// A pass over at least this many samples runs in lanes. One sample alone is left to the per-sample code: in
        /// lanes it would pay the lane sums of every gradient for one lane of work.
        /// </summary>
        internal const int MinimumLaneRows = 2;

        /// <summary>
        /// RunLanes: forward pass, loss and backward pass of a tiny network (every layer unrolled, no custom activation)
        /// over a pass of samples, a vector of samples at a time. Lane j of every vector is sample first + j; unit u of
        /// layer k has the pre-activation zk_u, the output yk[u] and ∂loss/∂zk_u dk[u] (see <see cref="LaneOutput"/>). The
        /// weights are broadcast scalars, so the arithmetic is the per-sample code's, lane-wise; a partial last block
        /// zero-fills its inputs and masks its loss and gradients. Each run of consecutive parameters sums its lanes into
        /// _gradients at once.
        /// </summary>
        private static void EmitLanes(SourceWriter writer, NetworkPlan plan, bool labels, LaneWidth width)
        {
            NetworkSpec spec = plan.Spec;
            var output = (DenseLayerSpec)plan.Output.Layer;
            string t = plan.T;
            string count = Int(width.Count(plan));
            string Vector = width.Vector;
            string targetType = labels ? "ReadOnlySpan<int>" : $"ReadOnlySpan<{t}>";
            string targets = labels ? "labels" : "targets";

            writer.WriteLine($"// Forward pass, loss and backward pass of rows samples, {count} at a time, one sample per vector lane (see");
            writer.WriteLine($"// LaneKernels): the same sums as RunForward, ComputeOutputLoss and RunBackward. Adds the gradient of the summed");
            writer.WriteLine($"// loss into gradients, and returns the summed loss.");
            writer.WriteLine("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            writer.WriteLine($"public static {t} {width.Method}(ReadOnlySpan<{t}> parameters, Span<{t}> gradients, ReadOnlySpan<{t}> inputs, {targetType} {targets}, int rows)");
            writer.OpenBrace();
            writer.WriteLine($"ReadOnlySpan<{t}> p = parameters;");
            writer.WriteLine($"Span<{t}> g = gradients;");
            writer.WriteLine($"_ = p[{Int(spec.ParameterCount - 1)}]; // one bounds check that covers every constant index below");
            writer.WriteLine($"var loss = {Vector}.Create({plan.Literal(0)});");
            EmitLaneBuffers(writer, plan, width);
            writer.WriteLine($"for (int first = 0; first < rows; first += {count})");
            writer.OpenBrace();
            writer.WriteLine($"int lanes = Math.Min({count}, rows - first);");
            writer.WriteLine($"var mask = {L}.Mask{width.Suffix}<{t}>(lanes);");
            for (int input = 0; input < spec.Inputs; input++)
            {
                writer.WriteLine($"x[{Int(input)}] = {L}.Column{width.Suffix}(inputs, {ColumnStart(spec.Inputs, input)}, {Int(spec.Inputs)}, lanes);");
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
        }

        /// <summary>
        /// The stack buffers of the vectors that live from one layer to another: the input columns x, and every hidden
        /// layer's outputs yk and gradients dk. As locals, in a network of iris's size, they outnumber AVX2's 16
        /// registers, and the JIT's register allocator then spills the short-lived products instead, around every lane
        /// sum: iris's 4-16-3 pass had 699 vector moves and zeroed a 5.2 KB frame per call; with the buffers it has 323,
        /// and a pass of 16 samples takes about 38% less time on an AMD Zen 3 (docs/performance.md). The output layer's
        /// few vectors stay locals. Allocated once, before the loop.
        /// </summary>
        private static void EmitLaneBuffers(SourceWriter writer, NetworkPlan plan, LaneWidth width)
        {
            string vector = $"{width.Vector}<{plan.T}>";
            writer.WriteLine($"Span<{vector}> x = stackalloc {vector}[{Int(plan.Spec.Inputs)}];");
            foreach (LayerPlan layer in plan.Layers.Where(layer => IsHiddenLane(plan, layer.Index)))
            {
                string k = Int(layer.Index), units = Int(((DenseLayerSpec)layer.Layer).Units);
                writer.WriteLine($"Span<{vector}> y{k} = stackalloc {vector}[{units}], d{k} = stackalloc {vector}[{units}];");
            }
        }

        /// <summary>Whether layer <paramref name="layer"/> keeps its outputs and gradients in stack buffers: every layer but the output.</summary>
        private static bool IsHiddenLane(NetworkPlan plan, int layer) => layer < plan.Layers.Count - 1;

        /// <summary>The vector of output <paramref name="unit"/> of layer <paramref name="layer"/>: yk[u] in a hidden layer's buffer, the local yk_u in the output layer.</summary>
        private static string LaneOutput(NetworkPlan plan, int layer, int unit) => LaneVector(plan, "y", layer, unit);

        /// <summary>The vector of ∂loss/∂z of unit <paramref name="unit"/> of layer <paramref name="layer"/>: dk[u] or the local dk_u, as <see cref="LaneOutput"/>.</summary>
        private static string LaneDelta(NetworkPlan plan, int layer, int unit) => LaneVector(plan, "d", layer, unit);

        /// <summary>Unit <paramref name="unit"/> of the vectors <paramref name="name"/>k of layer k: an element of the hidden layer's buffer, or the output layer's local.</summary>
        private static string LaneVector(NetworkPlan plan, string name, int layer, int unit)
            => IsHiddenLane(plan, layer) ? $"{name}{Int(layer)}[{Int(unit)}]" : $"{name}{Int(layer)}_{Int(unit)}";

        /// <summary>The start of a statement that sets <paramref name="target"/>, a vector of layer <paramref name="layer"/>: a buffer element's assignment in a hidden layer, a local's declaration in the output layer.</summary>
        private static string Assign(NetworkPlan plan, int layer, string target) => IsHiddenLane(plan, layer) ? $"{target} = " : $"var {target} = ";

        /// <summary>Where column <paramref name="column"/> of sample <c>first</c> starts in a row-major span of <paramref name="width"/> values per sample.</summary>
        private static string ColumnStart(int width, int column)
            => width == 1 ? "first" : column == 0 ? $"first * {Int(width)}" : $"first * {Int(width)} + {Int(column)}";

        /// <summary><paramref name="terms"/> summed and, for more than one output, divided by their count: a per-output mean.</summary>
        private static string LaneMean(NetworkPlan plan, LaneWidth width, IReadOnlyList<string> terms)
            => terms.Count == 1 ? terms[0] : $"({PairwiseSum(terms)}) * {width.Vector}.Create({plan.Literal(1.0 / terms.Count)})";

        /// <summary>The vector of input <paramref name="input"/> to layer <paramref name="layer"/>: an input column, or the layer below's output.</summary>
        private static string LaneInput(NetworkPlan plan, int layer, int input) => layer == 0 ? $"x[{Int(input)}]" : LaneOutput(plan, layer - 1, input);

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
                    .Select(input => ($"p[{Int(layer.WeightOffset + unit * layer.Inputs + input)}]", LaneInput(plan, layer.Index, input)))
                    .ToList();
                writer.WriteLine($"var z{k}_{u} = {LaneDot(width, terms, $"{Vector}.Create(p[{Int(layer.BiasOffset + unit)}])")};");
                string? activation = Activations.Lane(plan, layer.Activation, $"z{k}_{u}");
                if (activation is not null)
                {
                    writer.WriteLine($"{Assign(plan, layer.Index, LaneOutput(plan, layer.Index, unit))}{activation};");
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
                    writer.WriteLine($"{Assign(plan, layer.Index, LaneOutput(plan, layer.Index, unit))}e{k}_{Int(unit)} / sum{k};");
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
                writer.WriteLine($"var dot{k} = {PairwiseSum(units.Select(unit => $"gy{k}_{Int(unit)} * {LaneOutput(plan, layer.Index, unit)}"))};");
            }

            foreach (int unit in units)
            {
                string u = Int(unit);
                string gradient = $"gy{k}_{u}", y = LaneOutput(plan, layer.Index, unit);
                string derivative = Activations.LaneBackward(plan, layer.Activation, y, gradient) ?? $"{y} * ({gradient} - dot{k})";
                writer.WriteLine($"{Assign(plan, layer.Index, LaneDelta(plan, layer.Index, unit))}{derivative};");
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
                    : parameter < layer.WeightCount ? $"{LaneDelta(plan, layer.Index, parameter / layer.Inputs)} * {LaneInput(plan, layer.Index, parameter % layer.Inputs)}"
                    : LaneDelta(plan, layer.Index, parameter - layer.WeightCount));
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
                    .Select(unit => ($"p[{Int(layer.WeightOffset + unit * layer.Inputs + input)}]", LaneDelta(plan, layer.Index, unit)))
                    .ToList();
                writer.WriteLine($"var gy{b}_{Int(input)} = {LaneDot(width, terms, null)};");
            }
        }
    }
}
