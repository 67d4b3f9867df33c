using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NetGen.Benchmarks;

// The modes, printed by --help before BenchmarkDotNet's own options.
const string Usage = """
    Modes:
      verify                    NetGen against TorchSharp after 10 steps of every workload (exit code 1 on a mismatch)
      bandwidth                 the memory bandwidth the report measures (read and read+write, at mnist-b1's working set
                                and beyond the last-level cache, on 1 core and all), and the bytes mnist-b1's step and
                                prediction move against it
      e2e ENGINE                one mnist-e2e run in this process: netgen, netgen-2t, graph, torch or torch-2t
                                (used by the report; times from process start). The report's netgen-aot engines run
                                bench/NetGen.EndToEndAot, which it publishes as Native AOT first.
      e2e-cnn ENGINE            one mnist-cnn-e2e run (LeNet) in this process: netgen, netgen-2t, torch or torch-2t
                                (used by the report; times from process start)
      first-step netgen|torch   one time-to-first-step run in this process (used by the report)
      [--quick] [BenchmarkDotNet arguments, e.g. --filter '*']
                                the benchmarks, then docs/benchmarks.md from this run
    """;
switch (args)
{
    case ["verify"]:
        return Verification.Run();
    case ["bandwidth"]:
        return MemoryBandwidth.Run();
    case ["e2e", string engine]:
        return EndToEnd.Run(engine);
    case ["e2e-cnn", string engine]:
        return EndToEnd.RunCnn(engine);
    case ["first-step", string engine]:
        return FirstStep.Run(engine);
    case ["--help"] or ["-h"] or ["-?"]:
        Console.WriteLine(Usage);
        BenchmarkSwitcher.FromAssembly(typeof(StepBenchmarks).Assembly).Run(["--help"]);
        return 0;
}

bool quick = args.Contains("--quick");
string[] benchmarkArguments = args.Where(a => a != "--quick").ToArray();
if (benchmarkArguments.Length == 0)
{
    benchmarkArguments = ["--filter", "*"];
}

// In process: TorchSharp's native library is loaded (and, on older Linux, patched) in this build's output only.
Job job = (quick ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
IConfig config = DefaultConfig.Instance.AddJob(job).AddDiagnoser(MemoryDiagnoser.Default).WithOptions(ConfigOptions.JoinSummary);
IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(StepBenchmarks).Assembly).Run(benchmarkArguments, config);
summaries = summaries.ToList();
IReadOnlyList<Report.Measurement> measurements = Report.FromSummaries(summaries);
if (measurements.Count == 0)
{
    Console.Error.WriteLine("No benchmark ran, so docs/benchmarks.md is left as it was.");
    return 1;
}

Console.WriteLine("Measuring the FMA peak, memory bandwidth, allocations, time to first step, mnist-e2e and mnist-cnn-e2e…");
var peak = FmaPeak.Measure();
var bandwidth = MemoryBandwidth.Measure();
int repeats = quick ? 1 : 3;
var firstSteps = new List<Report.ProcessResult>();
foreach (string engine in new[] { "netgen", "torch" })
{
    for (int i = 0; i < repeats; i++)
    {
        firstSteps.Add(Report.RunChild("first-step", engine));
    }
}

var allocations = Allocations.Measure();
// NetGen's mnist-e2e program published as Native AOT, for the netgen-aot engines (a failed publish becomes their result).
var aot = EndToEnd.PublishAot(RepositoryRoot());

// mnist-e2e and mnist-cnn-e2e in rounds that visit every engine of both in turn, so that a slow spell of this shared
// machine falls on all of them rather than on one; each engine's median is reported.
var endToEnd = new List<Report.ProcessResult>();
var cnnEndToEnd = new List<Report.ProcessResult>();
for (int round = 0; round < Report.EndToEndRounds; round++)
{
    endToEnd.AddRange(EndToEnd.Engines.Select(engine =>
        engine.StartsWith("netgen-aot", StringComparison.Ordinal) ? EndToEnd.RunAot(engine, aot) : Report.RunChild("e2e", engine)));
    cnnEndToEnd.AddRange(EndToEnd.CnnEngines.Select(engine => Report.RunChild("e2e-cnn", engine)));
}

string command = "dotnet run -c Release --project bench/NetGen.Benchmarks -- " + string.Join(' ', args.Select(a => a.Contains('*') || a.Contains(' ') ? $"'{a}'" : a));
string markdown = Report.Write(measurements, peak, bandwidth, firstSteps, endToEnd, cnnEndToEnd, Report.GeneratorTimes(summaries), Report.GemmTimes(summaries), Report.ConvolutionTimes(summaries), allocations, command.Trim(), quick);
string path = Path.Combine(RepositoryRoot(), "docs", "benchmarks.md");
File.WriteAllText(path, markdown);
Console.WriteLine($"Wrote {path}");
Console.WriteLine(markdown);
return 0;

static string RepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "NetGen.sln")))
        {
            return directory.FullName;
        }
    }

    throw new DirectoryNotFoundException("NetGen.sln was not found above the bench's output folder; run the bench from the repository.");
}
