using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Every form of each built-in activation that generated code uses, side by side: the inline scalar
        /// expression of unrolled layers, its derivative, the span kernel of NetGen.Kernels.ActivationKernels, and the
        /// vector form of the lane pass (NetGen.Kernels.LaneKernels). Derivatives are taken from the output y = f(z),
        /// which the forward pass keeps, and multiply the incoming gradient g. Every form passes NaN on, so that a
        /// network fed a NaN reports a NaN loss whatever the size of its layers.
        /// </summary>
        private static class Activations
        {
            /// <summary>
            /// Whether unrolled layers apply the activation inline: a compare and a select is cheap per unit, while
            /// sigmoid, tanh and softmax need exp or tanh, which the span kernel computes over the whole batch far faster.
            /// </summary>
            public static bool IsInline(ActivationSpec activation)
                => activation.Custom is null && activation.Kind is ActivationKind.Identity or ActivationKind.ReLU or ActivationKind.LeakyReLU;

            /// <summary>f(z) inline, for the activations <see cref="IsInline"/> accepts.</summary>
            public static string Inline(NetworkPlan plan, ActivationSpec activation, string z)
                => activation.Kind switch
                {
                    // z < 0 rather than z > 0, so that NaN (for which every comparison is false) passes through.
                    ActivationKind.ReLU => $"{z} < {plan.Literal(0)} ? {plan.Literal(0)} : {z}",
                    ActivationKind.LeakyReLU => $"{z} > {plan.Literal(0)} ? {z} : {plan.Literal(activation.Slope)} * {z}",
                    _ => z,
                };

            /// <summary>g·f′ inline, with f′ taken from the output <paramref name="y"/>; softmax has no element-wise form.</summary>
            public static string Derivative(NetworkPlan plan, ActivationSpec activation, string gradient, string y)
                => activation.Kind switch
                {
                    ActivationKind.Sigmoid => $"{gradient} * {y} * ({plan.Literal(1)} - {y})",
                    ActivationKind.Tanh => $"{gradient} * ({plan.Literal(1)} - {y} * {y})",
                    // As the span kernel computes it: 0·g rather than 0, so that a NaN gradient stays NaN, and a NaN output passes on.
                    ActivationKind.ReLU => $"{y} > {plan.Literal(0)} ? {gradient} : {IsNaN(plan, y)} ? {y} : {plan.Literal(0)} * {gradient}",
                    ActivationKind.LeakyReLU => $"{y} > {plan.Literal(0)} ? {gradient} : {IsNaN(plan, y)} ? {y} : {plan.Literal(activation.Slope)} * {gradient}",
                    _ => gradient,
                };

            private static string IsNaN(NetworkPlan plan, string value) => $"global::System.{(plan.IsDouble ? "Double" : "Single")}.IsNaN({value})";

            /// <summary>The span kernel call y = f(z) over <c>rows</c> rows of <paramref name="units"/>; null for identity.</summary>
            public static string? Kernel(NetworkPlan plan, ActivationSpec activation, string z, string y, int units)
                => activation.Kind switch
                {
                    ActivationKind.Identity => null,
                    ActivationKind.LeakyReLU => $"{Kernels}.ActivationKernels.LeakyReLU<{plan.T}>({z}, {y}, {plan.Literal(activation.Slope)});",
                    ActivationKind.Softmax => $"{Kernels}.ActivationKernels.Softmax<{plan.T}>({z}, {y}, rows, {Int(units)});",
                    ActivationKind kind => $"{Kernels}.ActivationKernels.{kind}<{plan.T}>({z}, {y});",
                };

            /// <summary>The span kernel call g ·= f′ over <c>rows</c> rows of <paramref name="units"/>; null for identity.</summary>
            public static string? KernelBackward(NetworkPlan plan, ActivationSpec activation, string y, string gradient, int units)
                => activation.Kind switch
                {
                    ActivationKind.Identity => null,
                    ActivationKind.LeakyReLU => $"{Kernels}.ActivationKernels.LeakyReLUBackward<{plan.T}>({y}, {gradient}, {plan.Literal(activation.Slope)});",
                    ActivationKind.Softmax => $"{Kernels}.ActivationKernels.SoftmaxBackward<{plan.T}>({y}, {gradient}, rows, {Int(units)});",
                    ActivationKind kind => $"{Kernels}.ActivationKernels.{kind}Backward<{plan.T}>({y}, {gradient});",
                };

            /// <summary>f(z) of one vector of lanes; null for softmax, which the lane pass writes out across its units.</summary>
            public static string? Lane(NetworkPlan plan, ActivationSpec activation, string z)
                => activation.Kind switch
                {
                    ActivationKind.Identity => z,
                    ActivationKind.LeakyReLU => $"{L}.LeakyReLU({z}, {plan.Literal(activation.Slope)})",
                    ActivationKind.Softmax => null,
                    ActivationKind kind => $"{L}.{kind}({z})",
                };

            /// <summary>g·f′ of one vector of lanes; null for softmax (see <see cref="Lane"/>).</summary>
            public static string? LaneBackward(NetworkPlan plan, ActivationSpec activation, string y, string gradient)
                => activation.Kind switch
                {
                    ActivationKind.Identity => gradient,
                    ActivationKind.LeakyReLU => $"{L}.LeakyReLUBackward({y}, {gradient}, {plan.Literal(activation.Slope)})",
                    ActivationKind.Softmax => null,
                    ActivationKind kind => $"{L}.{kind}Backward({y}, {gradient})",
                };
        }
    }
}
