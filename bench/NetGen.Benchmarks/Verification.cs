using System;
using System.Linq;
using NetGen.Benchmarks.Engines;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>verify</c>: NetGen and TorchSharp, from the same weights on the same batches, must train alike. For each
/// workload it runs 10 steps in both engines twice, in float64 and in float32, and prints the largest relative
/// difference of loss and parameters (max |a − b| / max |a| over the parameter vector).
/// <list type="bullet">
/// <item>float64 checks the formulas: the engines must agree to 10⁻⁹.</item>
/// <item>
/// float32 is the precision the workloads run in: the engines must agree to 10⁻⁴, or, where float32's own rounding is
/// larger, NetGen's float32 result must be at least as close to the exact (float64) training as TorchSharp's, within a
/// factor of 2. Adam divides by √v, so it turns the rounding of near-zero gradients into full-size steps; there each
/// engine's float32 error can exceed 10⁻⁴ on its own.
/// </item>
/// </list>
/// Then the convolutional workloads in float64 only (<see cref="RunConvolutional"/>), BatchNorm's running statistics included.
/// </summary>
public static class Verification
{
    public const double Float32Tolerance = 1e-4;
    public const double Float64Tolerance = 1e-9;
    private const int Steps = 10;

    public static int Run()
    {
        if (TorchSharpAvailability.UnavailableReason is { } reason)
        {
            Console.Error.WriteLine($"TorchSharp is unavailable, so there is nothing to verify against: {reason}");
            return 2;
        }

        bool passed = true;
        Console.WriteLine("Largest relative difference after 10 steps, NetGen against TorchSharp (1 thread):");
        Console.WriteLine($"{"workload",-10} {"f64 loss",10} {"f64 params",11} {"f32 loss",10} {"f32 params",11} {"NetGen f32 err",15} {"Torch f32 err",14}  verdict");
        foreach (Workload workload in Workloads.Workloads.Standard)
        {
            var data = new WorkloadData(workload, batches: Steps, seed: 7);
            float[] initial = workload.CreateNetwork().Parameters.ToArray();

            // float64: NetGen's double network and TorchSharp in float64.
            INetwork<double> netgen64 = workload.CreateDoubleNetwork!();
            Array.ConvertAll(initial, p => (double)p).CopyTo(netgen64.Parameters);
            using var torch64 = new TorchSharpEngine(workload, data, initial, threads: 1, doublePrecision: true);
            double loss64 = 0;
            for (int step = 0; step < Steps; step++)
            {
                double expected = workload.BatchSize == 1
                    ? netgen64.TrainStep(ToDouble(data.InputsOf(step)), ToDouble(data.TargetsOf(step)))
                    : netgen64.TrainBatch(ToDouble(data.InputsOf(step)), ToDouble(data.TargetsOf(step)));
                loss64 = Math.Max(loss64, Relative(expected, torch64.TrainStepPrecise(step)));
            }

            double[] exact = netgen64.Parameters.ToArray();
            double params64 = LargestRelativeDifference(exact, torch64.FlatParametersPrecise());

            // float32: the generated network and TorchSharp as benchmarked; each one's error is its distance to the float64 training.
            using var netgen32 = new NetGenEngine(workload, data);
            using var torch32 = new TorchSharpEngine(workload, data, initial, threads: 1);
            double loss32 = 0;
            for (int step = 0; step < Steps; step++)
            {
                loss32 = Math.Max(loss32, Relative(netgen32.TrainStep(step), torch32.TrainStep(step)));
            }

            double[] netgenParameters = ToDouble(netgen32.FlatParameters()), torchParameters = ToDouble(torch32.FlatParameters());
            double params32 = LargestRelativeDifference(netgenParameters, torchParameters);
            double netgenError = LargestRelativeDifference(exact, netgenParameters);
            double torchError = LargestRelativeDifference(exact, torchParameters);

            bool formulas = loss64 <= Float64Tolerance && params64 <= Float64Tolerance;
            bool agree = loss32 <= Float32Tolerance && params32 <= Float32Tolerance;
            bool asAccurate = loss32 <= Float32Tolerance && netgenError <= Math.Max(Float32Tolerance, 2 * torchError);
            passed &= formulas && (agree || asAccurate);
            string verdict = !formulas ? "FAILED (float64)" : agree ? "ok" : asAccurate ? "ok (float32 rounding; NetGen as accurate as TorchSharp)" : "FAILED (float32)";
            Console.WriteLine($"{workload.Name,-10} {loss64,10:E1} {params64,11:E1} {loss32,10:E1} {params32,11:E1} {netgenError,15:E1} {torchError,14:E1}  {verdict}");
        }

        passed &= RunConvolutional();
        return passed ? 0 : 1;
    }

    /// <summary>
    /// The convolutional workloads in float64 (lenet-bn-nodrop stands for lenet-bn-b64, whose dropout masks no other
    /// engine can draw alike): 10 steps in NetGen and TorchSharp, then the loss, the parameters, each BatchNorm's running
    /// statistics and num_batches_tracked, and the evaluation-mode predictions of an unseen batch must agree to 10⁻⁹.
    /// Running statistics are compared per tensor (running_mean and running_var each relative to its own largest value).
    /// </summary>
    private static bool RunConvolutional()
    {
        bool passed = true;
        Console.WriteLine();
        Console.WriteLine("Convolutional workloads in float64, largest relative difference after 10 steps, NetGen against TorchSharp (1 thread):");
        Console.WriteLine($"{"workload",-16} {"loss",9} {"params",9} {"run. stats",10} {"batches",8} {"eval pred.",10}  verdict");
        foreach (ConvolutionalWorkload workload in ConvolutionalWorkloads.Verified)
        {
            var data = workload.CreateData(Steps, seed: 7);
            var unseen = workload.CreateData(1, seed: 11);
            INetwork<double> netgen = workload.CreateDoubleNetwork!();
            using var torch = new TorchSharpConvolutionalEngine(workload, data, netgen.Parameters.ToArray(), netgen.Buffers.ToArray(), threads: 1, doublePrecision: true);
            double loss = 0;
            for (int step = 0; step < Steps; step++)
            {
                double expected = netgen.TrainBatch(ToDouble(data.InputsOf(step)), ToDouble(data.TargetsOf(step)));
                loss = Math.Max(loss, Relative(expected, torch.TrainStepPrecise(step)));
            }

            double parameters = LargestRelativeDifference(netgen.Parameters.ToArray(), torch.FlatParametersPrecise());
            double[] netgenBuffers = netgen.Buffers.ToArray(), torchBuffers = torch.FlatBuffersPrecise();
            double statistics = 0;
            foreach (ParameterTensor buffer in workload.Architecture.Layers.SelectMany(layer => layer.Buffers))
            {
                statistics = Math.Max(statistics, LargestRelativeDifference(
                    netgenBuffers.AsSpan(buffer.Offset, buffer.Size).ToArray(), torchBuffers.AsSpan(buffer.Offset, buffer.Size).ToArray()));
            }

            long[] netgenTracked = netgen.BatchesTracked.ToArray(), torchTracked = torch.BatchesTracked();
            bool tracked = netgenTracked.SequenceEqual(torchTracked);
            string batches = netgenTracked.Length == 0 ? "–" : tracked ? string.Join("/", netgenTracked) : $"{string.Join("/", netgenTracked)}≠{string.Join("/", torchTracked)}";

            ReadOnlySpan<float> inputs = unseen.InputsOf(0);
            var predictions = new double[workload.BatchSize * workload.Outputs];
            netgen.PredictBatch(ToDouble(inputs), predictions);
            double evaluation = LargestRelativeDifference(predictions, torch.PredictPrecise(inputs));

            bool ok = loss <= Float64Tolerance && parameters <= Float64Tolerance && statistics <= Float64Tolerance && evaluation <= Float64Tolerance && tracked;
            passed &= ok;
            Console.WriteLine($"{workload.Name,-16} {loss,9:E1} {parameters,9:E1} {(netgenBuffers.Length == 0 ? "–" : statistics.ToString("E1")),10} {batches,8} {evaluation,10:E1}  {(ok ? "ok" : "FAILED (float64)")}");
        }

        return passed;
    }

    /// <summary>max |a − b| over the vector, relative to max |a|.</summary>
    public static double LargestRelativeDifference(double[] expected, double[] actual)
    {
        if (expected.Length != actual.Length)
        {
            throw new InvalidOperationException($"The engines hold {expected.Length} and {actual.Length} parameters.");
        }

        double largest = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(expected[i] - actual[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        return largest / scale;
    }

    private static double Relative(double expected, double actual) => Math.Abs(expected - actual) / Math.Max(Math.Abs(expected), 1e-300);

    private static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}
