using System.IO;
using System.Linq;
using Xunit;

namespace NetGen.Tests
{
    /// <summary>
    /// A checkpoint's optimizer state belongs to the optimizer that wrote it. Adam and AdamW keep state vectors of the
    /// same names and shapes, so the file's shape alone accepted one's state for the other; the kind is checked now.
    /// </summary>
    public sealed class CheckpointOptimizerTests
    {
        [Fact]
        public void An_Adam_checkpoint_is_refused_by_an_AdamW_network_and_leaves_it_unchanged()
        {
            var adam = new CheckpointAdamNet();
            adam.TrainStep([1f, 2f], [0.5f]);
            using var file = new MemoryStream();
            adam.SaveCheckpoint(file, epochsCompleted: 1);

            var adamW = new CheckpointAdamWNet();
            float[] before = adamW.Parameters.ToArray();
            file.Position = 0;
            var exception = Assert.Throws<NetGenFormatException>(() => adamW.LoadCheckpoint(file));

            Assert.Contains("optimizer of kind Adam;", exception.Message);
            Assert.Contains("AdamW", exception.Message);
            Assert.Equal(before, adamW.Parameters.ToArray());
            Assert.Equal(0, adamW.OptimizerStep);
        }

        [Fact]
        public void An_AdamW_checkpoint_is_refused_by_an_Adam_network()
        {
            var adamW = new CheckpointAdamWNet();
            using var file = new MemoryStream();
            adamW.SaveCheckpoint(file, epochsCompleted: 0);

            file.Position = 0;
            Assert.Throws<NetGenFormatException>(() => new CheckpointAdamNet().LoadCheckpoint(file));
        }

        [Fact]
        public void The_weights_of_either_still_load_into_the_other()
        {
            var adam = new CheckpointAdamNet();
            adam.TrainStep([1f, 2f], [0.5f]);
            using var file = new MemoryStream();
            adam.Save(file);

            var adamW = new CheckpointAdamWNet();
            file.Position = 0;
            adamW.Load(file);

            Assert.Equal(adam.Parameters.ToArray(), adamW.Parameters.ToArray());
        }
    }
}

[NetGen.Network(Inputs = 2)]
[NetGen.Dense(3, NetGen.Activation.Tanh)]
[NetGen.Dense(1)]
[NetGen.Adam]
public partial class CheckpointAdamNet { }

[NetGen.Network(Inputs = 2)]
[NetGen.Dense(3, NetGen.Activation.Tanh)]
[NetGen.Dense(1)]
[NetGen.AdamW]
public partial class CheckpointAdamWNet { }
