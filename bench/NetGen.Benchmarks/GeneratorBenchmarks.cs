using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;

namespace NetGen.Benchmarks;

/// <summary>
/// The network generator's own time: a cold run (new driver, nothing cached) over a compilation declaring 1, 10 or
/// 100 networks of varied shapes, from parsing the attributes to the emitted source.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;

    [Params(1, 10, 100)]
    public int Networks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var source = new StringBuilder("using NetGen;\nnamespace Generated;\n");
        for (int i = 0; i < Networks; i++)
        {
            // Small (unrolled) and large (kernel) layers, every loss and several optimizers.
            source.Append((i % 3) switch
            {
                0 => $"[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Sgd(LearningRate = 0.5)] public partial class Net{i} {{ }}\n",
                1 => $"[Network(Inputs = 784, Loss = Loss.CrossEntropy)] [Dense(128, Activation.ReLU)] [Dense(10, Activation.Softmax)] [Adam] public partial class Net{i} {{ }}\n",
                _ => $"[Network(Inputs = 8, Precision = Precision.Double)] [Dense(16, Activation.LeakyReLU)] [Dense(16, Activation.Tanh)] [Dense(3)] [RmsProp(Momentum = 0.5)] public partial class Net{i} {{ }}\n",
            });
        }

        ImmutableArray<MetadataReference> references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(System.IO.Path.PathSeparator)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location))
            .ToImmutableArray();
        _compilation = CSharpCompilation.Create("GeneratorBenchmark", [CSharpSyntaxTree.ParseText(source.ToString())], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
    }

    /// <summary>One cold run; returns the number of generated files so the work is consumed.</summary>
    [Benchmark]
    public int Generate()
        => CSharpGeneratorDriver.Create(new NetworkGenerator()).RunGenerators(_compilation).GetRunResult().GeneratedTrees.Length;
}
