using NetGen;
using Xunit;

namespace NetGen.Tests.FileScoped;

[Network(Inputs = 4, Loss = Loss.CrossEntropy)]
[Dense(3, Activation.Softmax)]
public partial class FileScopedNet { }

public sealed class FileScopedNamespaceTests
{
    [Fact]
    public void A_network_in_a_file_scoped_namespace_predicts_a_probability_distribution()
    {
        var network = new FileScopedNet();
        var output = new float[3];

        network.Predict([1f, 2f, 3f, 4f], output);

        Assert.Equal(1f, output[0] + output[1] + output[2], 5);
    }
}
