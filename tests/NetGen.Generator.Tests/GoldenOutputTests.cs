using System.Threading.Tasks;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// The complete output for a tiny network, checked in under Golden/ and reviewed by hand: any change to what users get
/// shows up as a diff in review. The generator's version is scrubbed to {{GeneratorVersion}} in the file.
/// </summary>
public sealed class GoldenOutputTests
{
    [Fact]
    public Task Xor_network_generates_the_reviewed_source()
    {
        const string source = """
            using NetGen;

            namespace Demo
            {
                [Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
                [Dense(4, Activation.Tanh)]
                [Dense(1, Activation.Sigmoid)]
                [Sgd(LearningRate = 0.5)]
                public partial class XorNet { }
            }
            """;

        return new GeneratorTest(source)
            .ExpectingSource("Demo.XorNet.g.cs", GeneratorTest.ReadGolden("XorNet.g.cs"))
            .RunAsync();
    }
}
