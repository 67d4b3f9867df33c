using NetGen;
using Xunit;

namespace NetGen.Tests
{
    /// <summary>A network nested in partial types, with its own constructor and members.</summary>
    public static partial class Outer
    {
        public partial class Middle
        {
            [Network(Inputs = 3)]
            [Dense(2, Activation.ReLU)]
            public partial class NestedNet
            {
                public NestedNet(string label) => Label = label;

                public NestedNet() : this("default")
                {
                }

                public string Label { get; }
            }
        }
    }

    /// <summary>A generic network class.</summary>
    [Network(Inputs = 2)]
    [Dense(3, Activation.Tanh)]
    public partial class GenericNet<TTag>
    {
        public TTag? Tag { get; set; }
    }

    /// <summary>A record class.</summary>
    [Network(Inputs = 2, Precision = Precision.Double)]
    [Dense(1, Activation.Sigmoid)]
    public partial record RecordNet(string Name);

    public sealed class DeclarationTests
    {
        [Fact]
        public void A_network_nested_in_partial_types_keeps_its_own_constructors_and_members()
        {
            var network = new Outer.Middle.NestedNet("mine");

            Assert.Equal("mine", network.Label);
            Assert.Equal(3, Outer.Middle.NestedNet.InputSize);
            Assert.Equal(8, Outer.Middle.NestedNet.ParameterCount);
            Assert.Contains(network.Parameters.ToArray(), p => p != 0); // field initializers ran in the user's constructor
        }

        [Fact]
        public void Generic_classes_and_record_classes_can_be_networks()
        {
            var generic = new GenericNet<string> { Tag = "t" };
            var record = new RecordNet("r");
            var output = new float[3];
            var recordOutput = new double[1];

            generic.Predict([1f, -1f], output);
            record.Predict([0.5, 0.5], recordOutput);

            Assert.Equal(9, GenericNet<string>.ParameterCount);
            Assert.InRange(recordOutput[0], 0, 1);
            Assert.Equal("r", record.Name);
        }
    }
}
