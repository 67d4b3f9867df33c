using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        private const string OptimizerKernels = "global::NetGen.Kernels.OptimizerKernels";

        /// <summary>The optimizer state's length: one parameter-sized vector per state vector.</summary>
        private static string OptimizerStateLength(NetworkPlan plan)
            => plan.Spec.Optimizer.StateVectors switch
            {
                0 => "0",
                1 => "ParameterCount",
                int vectors => $"{Int(vectors)} * ParameterCount",
            };

        private static string OptimizerStateDescription(NetworkPlan plan)
            => plan.Spec.Optimizer.StateVectors == 0
                ? "none, since plain SGD keeps no state"
                : "its " + string.Join(", then ", plan.Spec.Optimizer.StateNames) + ", each laid out as <see cref=\"Parameters\"/>";

        /// <summary>The optimizer attribute's name, as the architecture records it.</summary>
        private static string OptimizerName(OptimizerSpec optimizer)
            => optimizer switch
            {
                SgdSpec => "Sgd",
                AdamSpec { Decoupled: true } => "AdamW",
                AdamSpec => "Adam",
                RmsPropSpec => "RmsProp",
                _ => "Adagrad",
            };

        /// <summary>
        /// ApplyUpdate: the averaged (and clipped) gradient scale, then the optimizer's fused kernel over every
        /// parameter, which also clears the gradient.
        /// </summary>
        private static void EmitUpdate(SourceWriter writer, NetworkPlan plan)
        {
            string t = plan.T;
            OptimizerSpec optimizer = plan.Spec.Optimizer;
            string rate = $"({t})_learningRate";
            string State(int index) => $"state.Slice({(index == 0 ? "0" : Int(index) + " * ParameterCount")}, ParameterCount)";
            (string summary, string call) = optimizer switch
            {
                SgdSpec { Momentum: 0 } sgd => (
                    $"SGD, weight decay {Plain(sgd.WeightDecay)}: θ ← θ − α·(g + λθ)",
                    $"{OptimizerKernels}.Sgd<{t}>(_parameters, _gradients, {rate}, {plan.Literal(sgd.WeightDecay)}, scale);"),
                SgdSpec sgd => (
                    $"SGD with {(sgd.Nesterov ? "Nesterov " : string.Empty)}momentum {Plain(sgd.Momentum)}, weight decay {Plain(sgd.WeightDecay)} (see SgdAttribute)",
                    $"{OptimizerKernels}.SgdMomentum<{t}>(_parameters, _gradients, {State(0)}, {rate}, {plan.Literal(sgd.Momentum)}, nesterov: {Bool(sgd.Nesterov)}, " +
                    $"{plan.Literal(sgd.WeightDecay)}, scale);"),
                AdamSpec adam => (
                    $"{(adam.Decoupled ? "AdamW" : "Adam")}{(adam.Amsgrad ? " (AMSGrad)" : string.Empty)}, β₁ = {Plain(adam.Beta1)}, β₂ = {Plain(adam.Beta2)}, ε = {Plain(adam.Epsilon)}, " +
                    $"{(adam.Decoupled ? "decoupled" : "L2")} weight decay {Plain(adam.WeightDecay)} (see {(adam.Decoupled ? "AdamWAttribute" : "AdamAttribute")})",
                    $"{OptimizerKernels}.Adam<{t}>(_parameters, _gradients, {State(0)}, {State(1)}, {(adam.Amsgrad ? State(2) : "default")}, {rate}, " +
                    $"{plan.Literal(adam.Beta1)}, {plan.Literal(adam.Beta2)}, {plan.Literal(adam.Epsilon)}, {plan.Literal(adam.WeightDecay)}, " +
                    $"decoupledWeightDecay: {Bool(adam.Decoupled)}, _optimizerStep, scale);"),
                RmsPropSpec rms => (
                    $"RMSprop{(rms.Centered ? " (centered)" : string.Empty)}, α = {Plain(rms.Alpha)}, ε = {Plain(rms.Epsilon)}, momentum {Plain(rms.Momentum)}, " +
                    $"weight decay {Plain(rms.WeightDecay)} (see RmsPropAttribute)",
                    $"{OptimizerKernels}.RmsProp<{t}>(_parameters, _gradients, {State(0)}, {(rms.Centered ? State(1) : "default")}, " +
                    $"{(rms.Momentum > 0 ? State(rms.Centered ? 2 : 1) : "default")}, {rate}, " +
                    $"{plan.Literal(rms.Alpha)}, {plan.Literal(rms.Epsilon)}, {plan.Literal(rms.Momentum)}, {plan.Literal(rms.WeightDecay)}, scale);"),
                AdagradSpec adagrad => (
                    $"Adagrad, ε = {Plain(adagrad.Epsilon)}, weight decay {Plain(adagrad.WeightDecay)}, learning-rate decay {Plain(adagrad.LearningRateDecay)} (see AdagradAttribute)",
                    $"{OptimizerKernels}.Adagrad<{t}>(_parameters, _gradients, {State(0)}, {rate}, {plan.Literal(adagrad.Epsilon)}, {plan.Literal(adagrad.WeightDecay)}, " +
                    $"{plan.Literal(adagrad.LearningRateDecay)}, _optimizerStep, scale);"),
                _ => throw new System.InvalidOperationException("Unknown optimizer " + optimizer.GetType().Name),
            };

            writer.WriteLine($"// {summary}, at the learning rate LearningRate. One fused pass updates every parameter and clears the gradient.");
            writer.WriteLine("// A gradient that is not finite is refused before anything changes (NonFiniteUpdateException).");
            writer.WriteLine("private void ApplyUpdate(int sampleCount)");
            writer.OpenBrace();
            writer.WriteLine($"global::NetGen.StepGuard.RequireFiniteGradients<{t}>(_gradients, Architecture);");
            writer.WriteLine($"{t} scale = {plan.Literal(1)} / sampleCount;");
            if (optimizer.GradientClipNorm > 0)
            {
                writer.WriteLine($"scale = {OptimizerKernels}.ClipGradientScale<{t}>(_gradients, scale, {plan.Literal(optimizer.GradientClipNorm)});");
            }

            writer.WriteLine("_optimizerStep++;");
            if (optimizer.StateVectors > 0)
            {
                writer.WriteLine($"global::System.Span<{t}> state = _optimizerState;");
            }

            writer.WriteLine(call);
            if (plan.FusesSgd)
            {
                writer.WriteLine("_gradientsClean = true;");
            }

            writer.CloseBrace();
        }

        private static string Plain(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        private static string Bool(bool value) => value ? "true" : "false";
    }
}
