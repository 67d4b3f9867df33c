using System;
using System.Collections.Generic;
using System.Threading;
using NetGen.Benchmarks.Engines;
using NetGen.Kernels;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// Bytes allocated per training step by the whole process (every thread, the kernel workers included), counted with
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> across steps of steady training, after a warm-up long enough for
/// tiered compilation to have installed its final code. BenchmarkDotNet's in-process column also counts what its own
/// engine and the JIT allocate while measuring, which is why the goal is judged on this count.
/// </summary>
public static class Allocations
{
    private const int WarmUpSteps = 600, MeasuredSteps = 300;

    /// <summary>The bytes per step of every standard workload, with 1 and 2 threads.</summary>
    public static IReadOnlyList<(string Workload, int Threads, double BytesPerStep)> Measure()
    {
        var results = new List<(string, int, double)>();
        foreach (int threads in new[] { 1, 2 })
        {
            KernelThreads.MaxThreads = threads;
            foreach (Workload workload in Workloads.Workloads.Standard)
            {
                using var engine = new NetGenEngine(workload, new WorkloadData(workload, batches: 16, seed: 7));
                int batch = 0;
                for (int i = 0; i < WarmUpSteps; i++)
                {
                    engine.TrainStep(batch++ % 16);
                }

                Thread.Sleep(500); // let background tier-1 compilation finish and install
                for (int i = 0; i < WarmUpSteps / 6; i++)
                {
                    engine.TrainStep(batch++ % 16);
                }

                long before = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < MeasuredSteps; i++)
                {
                    engine.TrainStep(batch++ % 16);
                }

                results.Add((workload.Name, threads, (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / MeasuredSteps));
            }
        }

        KernelThreads.MaxThreads = Environment.ProcessorCount;
        return results;
    }
}
