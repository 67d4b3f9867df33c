using System;
using System.Linq;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// <see cref="RandomShift"/> against a direct shift written here, and <see cref="TrainingOptions.Augmentation"/> in
/// <c>Fit</c>: what it refuses (leaving the network as it was), what it leaves alone (the caller's data, validation
/// data) and that its draws repeat with the seed and across a resumed run.
/// </summary>
public sealed partial class AugmentationTests
{
    /// <summary>Input (c, y, x) of a shift by (dy, dx) with the edges replicated, by clamping each read index.</summary>
    private static double[] Shifted(double[] image, int channels, int height, int width, int dy, int dx)
    {
        var shifted = new double[image.Length];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int sy = Math.Min(Math.Max(y - dy, 0), height - 1), sx = Math.Min(Math.Max(x - dx, 0), width - 1);
                    shifted[(c * height + y) * width + x] = image[(c * height + sy) * width + sx];
                }
            }
        }

        return shifted;
    }

    [Theory]
    [InlineData(2, 5, 7, 2)]
    [InlineData(1, 3, 3, 1)]
    [InlineData(3, 1, 11, 3)]
    public void RandomShift_moves_every_channel_by_one_drawn_offset_with_the_edges_replicated(int channels, int height, int width, int maxShift)
    {
        int[] shape = height == 1 ? [channels, width] : [channels, height, width];
        double[] image = Enumerable.Range(0, channels * height * width).Select(i => 0.5 + i).ToArray(); // distinct values
        var destination = new double[image.Length];
        var random = new SeededRandom(11);
        int side = 2 * maxShift + 1, verticalShifts = height == 1 ? 0 : maxShift; // a signal has no height axis to shift
        int offsets = (2 * verticalShifts + 1) * side, draws = 100 * offsets;
        var seen = new int[offsets];
        for (int draw = 0; draw < draws; draw++)
        {
            new RandomShift(maxShift).Apply<double>(image, destination, shape, random);
            int matches = 0;
            for (int dy = -verticalShifts; dy <= verticalShifts; dy++)
            {
                for (int dx = -maxShift; dx <= maxShift; dx++)
                {
                    if (Shifted(image, channels, height, width, dy, dx).AsSpan().SequenceEqual(destination))
                    {
                        matches++;
                        seen[(dy + verticalShifts) * side + dx + maxShift]++;
                    }
                }
            }

            Assert.Equal(1, matches); // the values are distinct, so only one offset gives this image
        }

        // Each offset is drawn uniformly: every count within 5 standard deviations of its expectation.
        double p = 1.0 / offsets, deviation = Math.Sqrt(draws * p * (1 - p));
        Assert.All(seen, count => Assert.InRange(count, draws * p - 5 * deviation, draws * p + 5 * deviation));
    }

    [Fact]
    public void RandomShift_of_zero_copies_the_sample()
    {
        float[] image = Enumerable.Range(0, 2 * 4 * 4).Select(i => (float)Math.Sin(i)).ToArray();
        var destination = new float[image.Length];
        new RandomShift(0).Apply<float>(image, destination, [2, 4, 4], new SeededRandom(3));
        Assert.Equal(image, destination);
    }

    [Fact]
    public void RandomShift_refuses_samples_that_are_not_its_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => new RandomShift(1).Apply<double>(new double[15], new double[16], [1, 4, 4], new SeededRandom(1)));
        Assert.Contains("16 values", error.Message);
        Assert.Equal("sample", error.ParamName);

        // The range named is that of the smallest spatial axis.
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => new RandomShift(10).RequireShape([1, 28, 10]));
        Assert.Contains("[0, 9]", range.Message);
    }

    [Fact]
    public void Fit_refuses_a_shift_for_flat_inputs_or_one_as_large_as_the_image_and_changes_nothing()
    {
        var flat = new AugmentedFlatNet();
        double[] before = flat.Parameters.ToArray();
        var flatError = Assert.Throws<ArgumentException>(() => flat.Fit(new double[8], new double[8], new TrainingOptions { Epochs = 1, Augmentation = new RandomShift(1) }));
        Assert.Contains("InputShape", flatError.Message);
        Assert.Equal(before, flat.Parameters.ToArray());

        var image = new AugmentedImageNet();
        before = image.Parameters.ToArray();
        (double[] x, int[] labels) = Digits(8);
        foreach (int shift in new[] { -1, 6, 7 })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => image.Fit(x, labels, new TrainingOptions { Epochs = 1, Augmentation = new RandomShift(shift) }));
            Assert.Contains("[0, 5]", error.Message);
            Assert.Equal("Augmentation", error.ParamName);
        }

        Assert.Equal(before, image.Parameters.ToArray());
        Assert.Equal(0, image.OptimizerStep);
    }

    [Fact]
    public void Fit_transforms_training_batches_only_and_repeats_with_the_seed_and_across_a_resumed_run()
    {
        (double[] x, int[] labels) = Digits(40);
        double[] original = (double[])x.Clone();
        (double[] vx, int[] vy) = Digits(10, seed: 5);
        TrainingOptions Options(int epochs, int initial = 0, bool shuffle = true, InputAugmentation? augmentation = null) =>
            new() { Epochs = epochs, InitialEpoch = initial, BatchSize = 8, Seed = 9, Shuffle = shuffle, Augmentation = augmentation ?? new RandomShift(2) };

        double[] originalValidation = (double[])vx.Clone();
        var first = new AugmentedImageNet();
        TrainingHistory history = first.Fit(x, labels, vx, vy, Options(4));
        Assert.Equal(original, x);
        Assert.Equal(originalValidation, vx);
        // Validation is the data as given: the last reported validation loss is the trained network's loss on it.
        Assert.Equal(first.ComputeLoss(vx, OneHot(vy)), history.Epochs[^1].ValidationLoss!.Value, 12);

        var second = new AugmentedImageNet();
        second.Fit(x, labels, vx, vy, Options(4));
        Assert.Equal(first.Parameters.ToArray(), second.Parameters.ToArray());

        var resumed = new AugmentedImageNet();
        resumed.Fit(x, labels, vx, vy, Options(2));
        resumed.Fit(x, labels, vx, vy, Options(4, initial: 2));
        Assert.Equal(first.Parameters.ToArray(), resumed.Parameters.ToArray());

        var unshifted = new AugmentedImageNet();
        unshifted.Fit(x, labels, vx, vy, Options(4, augmentation: new RandomShift(0)));
        Assert.NotEqual(first.Parameters.ToArray(), unshifted.Parameters.ToArray());

        // In order (no shuffling) the batches are still transformed.
        var inOrder = new AugmentedImageNet();
        inOrder.Fit(x, labels, Options(2, shuffle: false));
        var inOrderPlain = new AugmentedImageNet();
        inOrderPlain.Fit(x, labels, Options(2, shuffle: false, augmentation: new RandomShift(0)));
        Assert.NotEqual(inOrder.Parameters.ToArray(), inOrderPlain.Parameters.ToArray());
        Assert.Equal(original, x);

        // A shift of 0 stages the samples in order unchanged: the same training as no augmentation, bit for bit.
        var unaugmented = new AugmentedImageNet();
        unaugmented.Fit(x, labels, new TrainingOptions { Epochs = 2, BatchSize = 8, Seed = 9, Shuffle = false });
        Assert.Equal(unaugmented.Parameters.ToArray(), inOrderPlain.Parameters.ToArray());
    }

    /// <summary>Random 6×6 "images" with a bright square whose corner gives the class, so a shift changes them.</summary>
    private static (double[] Inputs, int[] Labels) Digits(int count, int seed = 1)
    {
        var random = new SeededRandom(seed);
        var inputs = new double[count * 36];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            labels[n] = random.NextInt32(2);
            int corner = labels[n] * 3;
            for (int i = 0; i < 36; i++)
            {
                inputs[n * 36 + i] = 0.1 * random.NextDouble();
            }

            for (int y = corner; y < corner + 2; y++)
            {
                for (int x = corner; x < corner + 2; x++)
                {
                    inputs[n * 36 + y * 6 + x] = 1;
                }
            }
        }

        return (inputs, labels);
    }

    private static double[] OneHot(int[] labels)
    {
        var targets = new double[labels.Length * 2];
        for (int n = 0; n < labels.Length; n++)
        {
            targets[n * 2 + labels[n]] = 1;
        }

        return targets;
    }

    [Network(InputShape = new[] { 1, 6, 6 }, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
    [Conv2D(2, 3, Activation.Tanh)]
    [Dense(2, Activation.Softmax)]
    [Adam(LearningRate = 0.01)]
    public partial class AugmentedImageNet { }

    [Network(Inputs = 2, Precision = Precision.Double)]
    [Dense(2)]
    public partial class AugmentedFlatNet { }
}
