using System;
using System.IO;
using NetGen.Preprocessing;
using Xunit;

namespace NetGen.Tests;

/// <summary>Standardizer, MinMaxScaler, their files, OneHot and the seeded splits, against values computed by hand.</summary>
public sealed class PreprocessingTests
{
    // Two features: (1, 10), (2, 10), (3, 40). Feature 0: mean 2, population deviation √(2/3). Feature 1: mean 20,
    // deviation √((100 + 100 + 400) / 3) = √200. Min-max: feature 0 in [1, 3], feature 1 in [10, 40].
    private static readonly double[] Data = [1, 10, 2, 10, 3, 40];

    [Fact]
    public void Standardizer_fits_means_and_population_deviations()
    {
        Standardizer scaler = Standardizer.Fit<double>(Data, 2);

        Assert.Equal(new[] { 2.0, 20.0 }, scaler.Means.ToArray());
        Assert.Equal(Math.Sqrt(2.0 / 3), scaler.Deviations[0], 14);
        Assert.Equal(Math.Sqrt(200.0), scaler.Deviations[1], 12);
    }

    [Fact]
    public void Standardizer_transforms_and_inverts()
    {
        Standardizer scaler = Standardizer.Fit<double>(Data, 2);
        double[] scaled = scaler.Transform<double>((ReadOnlySpan<double>)Data);

        Assert.Equal(-1 / Math.Sqrt(2.0 / 3), scaled[0], 12);
        Assert.Equal(20 / Math.Sqrt(200.0), scaled[5], 12);
        scaler.InverseTransform<double>(scaled.AsSpan());
        for (int i = 0; i < Data.Length; i++)
        {
            Assert.Equal(Data[i], scaled[i], 12);
        }
    }

    [Fact]
    public void A_constant_feature_is_only_centred()
    {
        Standardizer scaler = Standardizer.Fit<float>([5f, 5f], 1);
        Assert.Equal(1, scaler.Deviations[0]);
        Assert.Equal(new[] { 0f, 0f }, scaler.Transform<float>((ReadOnlySpan<float>)[5f, 5f]));
    }

    [Fact]
    public void MinMaxScaler_maps_the_fitted_range_to_zero_one()
    {
        MinMaxScaler scaler = MinMaxScaler.Fit<double>(Data, 2);
        double[] scaled = scaler.Transform<double>((ReadOnlySpan<double>)Data);

        Assert.Equal(new[] { 0, 0, 0.5, 0, 1, 1 }, scaled);
        scaler.InverseTransform<double>(scaled.AsSpan());
        Assert.Equal(Data, scaled);
    }

    [Fact]
    public void Fitting_rejects_a_NaN_naming_the_sample_and_feature()
    {
        var exception = Assert.Throws<ArgumentException>(() => Standardizer.Fit<float>([1f, 2f, float.NaN, 4f], 2));
        Assert.Contains("data[2] is NaN: sample 1, feature 0", exception.Message);
    }

    [Fact]
    public void A_saved_scaler_loads_back_exactly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-scaler-{Guid.NewGuid():N}.json");
        try
        {
            Standardizer.Fit<double>([0.1, 1e-300, 0.7, 3], 2).Save(path);
            FeatureScaler loaded = FeatureScaler.Load(path);

            Standardizer standardizer = Assert.IsType<Standardizer>(loaded);
            Assert.Equal(Standardizer.Fit<double>([0.1, 1e-300, 0.7, 3], 2).Means.ToArray(), standardizer.Means.ToArray());
            Assert.Equal(Standardizer.Fit<double>([0.1, 1e-300, 0.7, 3], 2).Deviations.ToArray(), standardizer.Deviations.ToArray());

            MinMaxScaler.Fit<double>(Data, 2).Save(path);
            Assert.IsType<MinMaxScaler>(FeatureScaler.Load(path));
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(path)}.*.tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"format":"other"}""", "no \"format\": \"netgen-feature-scaler\"")]
    [InlineData("""{"format":"netgen-feature-scaler","version":1,"kind":"standardizer","features":2,"offsets":[0,0],"scales":[1]}""", "\"scales\" is missing or does not hold 2 numbers")]
    [InlineData("""{"format":"netgen-feature-scaler","version":1,"kind":"standardizer","features":1,"offsets":[0],"scales":[0]}""", "feature 0 has offset 0 and scale 0")]
    [InlineData("""{"format":"netgen-feature-scaler","version":1,"kind":"robust","features":1,"offsets":[0],"scales":[1]}""", "\"kind\" is \"robust\"")]
    public void A_bad_scaler_file_is_rejected_saying_why(string content, string reason)
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-scaler-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, content);
            var exception = Assert.Throws<NetGenFormatException>(() => FeatureScaler.Load(path));
            Assert.Contains(reason, exception.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OneHot_encodes_labels_and_decodes_the_largest_output()
    {
        Assert.Equal(new float[] { 0, 1, 0, 1, 0, 0 }, OneHot.Encode<float>([1, 0], 3));
        Assert.Equal(new[] { 2, 0 }, OneHot.Decode<float>([0.1f, 0.2f, 0.7f, 0.5f, 0.3f, 0.2f], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode<float>([3], 3));
    }

    [Fact]
    public void A_seeded_split_repeats_and_partitions_the_samples()
    {
        (int[] train, int[] test) = DataSplit.TrainTestIndices(50, 0.2, seed: 3);
        (int[] again, int[] againTest) = DataSplit.TrainTestIndices(50, 0.2, seed: 3);

        Assert.Equal(train, again);
        Assert.Equal(test, againTest);
        Assert.Equal(10, test.Length);
        int[] all = [.. train, .. test];
        Array.Sort(all);
        Assert.Equal(System.Linq.Enumerable.Range(0, 50), all);
        Assert.NotEqual(test, DataSplit.TrainTestIndices(50, 0.2, seed: 4).Test);
    }

    [Fact]
    public void A_stratified_split_holds_out_each_class_in_proportion()
    {
        int[] labels = new int[40];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i < 30 ? 0 : 1; // 30 of class 0, then 10 of class 1
        }

        (float[] _, int[] trainLabels, float[] _, int[] testLabels) = DataSplit.TrainTestSplit(new float[40], 1, labels, 0.2, seed: 1);

        Assert.Equal(6, Array.FindAll(testLabels, l => l == 0).Length);
        Assert.Equal(2, Array.FindAll(testLabels, l => l == 1).Length);
        Assert.Equal(32, trainLabels.Length);
    }

    [Fact]
    public void Shuffle_moves_features_and_targets_together()
    {
        float[] features = [0, 0, 1, 1, 2, 2, 3, 3];
        int[] targets = [0, 1, 2, 3];

        DataSplit.Shuffle(features, 2, targets, 1, seed: 9);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(targets[i], features[2 * i]);
            Assert.Equal(targets[i], features[2 * i + 1]);
        }

        Assert.NotEqual(new[] { 0, 1, 2, 3 }, targets);
    }

    [Fact]
    public void Gather_copies_the_named_rows_in_order_and_rejects_a_row_outside_the_data()
    {
        // Rows of 37 floats (more than one cache line, not a whole number of them), more rows than the gather requests
        // ahead of its copies, and repeated and reversed indices; each row's values name its row.
        const int rowLength = 37, rows = 50;
        float[] source = new float[rows * rowLength];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = i / rowLength + (i % rowLength) / 100f;
        }

        int[] indices = [49, 0, 7, 7, 48, 1, 30, 2, 29, 3, 28, 49];
        float[] gathered = DataSplit.Gather(source, rowLength, indices);

        Assert.Equal(indices.Length * rowLength, gathered.Length);
        for (int r = 0; r < indices.Length; r++)
        {
            for (int j = 0; j < rowLength; j++)
            {
                Assert.Equal(indices[r] + j / 100f, gathered[r * rowLength + j]);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Gather(source, rowLength, [0, 1, 2, 3, 4, 5, rows]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Gather(source, rowLength, [-1]));
    }
}
