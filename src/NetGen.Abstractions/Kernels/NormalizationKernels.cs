using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static NetGen.Kernels.VectorFunctions;

namespace NetGen.Kernels;

/// <summary>
/// Batch normalisation (nn.BatchNorm1d / nn.BatchNorm2d) and layer normalisation (nn.LayerNorm over a whole sample,
/// with an elementwise affine), forward and backward, over a batch of <c>rows</c> samples laid out back to back.
/// BatchNorm sees each sample as <c>[channels, positions]</c>: positions = H·W after a Conv2D, L after a Conv1D, and 1
/// after a Dense layer (then channels = units); it normalises each channel over all rows × positions values. LayerNorm
/// normalises each sample over its <c>features</c> values.
/// </summary>
/// <remarks>
/// <para>
/// Statistics take two passes: the mean, then the sums of the deviations from it, Σd and Σd², with the variance
/// (Σd² − (Σd)²/n)/n, which corrects the rounding of the mean (the corrected two-pass algorithm). Both sums run on vectors
/// of the width <see cref="KernelPaths"/> chose, in T, over blocks of at most <see cref="BlockLength"/> values, and each
/// block's sum is added in double, so a float channel of a million values keeps float accuracy. The mean, the
/// variance and 1/√(variance + ε) are computed in double and rounded once to T.
/// </para>
/// <para>
/// The elementwise passes run over each contiguous segment (one channel of one sample, or one sample) with the loop
/// shape of <see cref="ElementwiseLoop"/>. After a Dense layer a BatchNorm segment would be one value, so there
/// (up to <see cref="MaximumStackFeatures"/> features) each pass walks the batch row by row instead, keeping every
/// feature's sums side by side in double: at batch 64 over 128 features, forward 115 → 16 µs and backward 111 → 15 µs
/// (Zen 5, one thread, scratch harness).
/// </para>
/// <para>
/// Lengths are checked before anything is written: a span may be longer than the shape needs (only its start is used),
/// never shorter.
/// </para>
/// </remarks>
public static class NormalizationKernels
{
    /// <summary>The most values whose sums are taken in T before they are added in double.</summary>
    internal const int BlockLength = 512;

    /// <summary>
    /// BatchNorm in training: per channel c, over the rows × positions values x of that channel, mean[c], the biased
    /// variance[c] (divided by n = rows·positions), inverseStd[c] = 1/√(variance[c] + ε), and
    /// <c>outputs = weight[c]·(x − mean[c])·inverseStd[c] + bias[c]</c>.
    /// </summary>
    /// <param name="inputs">X, <c>rows × [channels, positions]</c>.</param>
    /// <param name="weight">γ, one per channel.</param>
    /// <param name="bias">β, one per channel.</param>
    /// <param name="outputs">Y, <c>rows × [channels, positions]</c>; only written.</param>
    /// <param name="mean">The batch mean of each channel; only written.</param>
    /// <param name="variance">The batch's biased variance of each channel (for the running statistics); only written.</param>
    /// <param name="inverseStd">1/√(variance + ε) of each channel (for <see cref="BatchNormBackward{T}"/>); only written.</param>
    /// <param name="rows">The samples in the batch, at least 1.</param>
    /// <param name="channels">The channels (units after a Dense layer), at least 1.</param>
    /// <param name="positions">The values of a channel in one sample, at least 1.</param>
    /// <param name="epsilon">ε, finite and greater than 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, or ε is not finite and positive.</exception>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormTrainingForward<T>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> outputs,
        Span<T> mean, Span<T> variance, Span<T> inverseStd, int rows, int channels, int positions, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireBatchShape(rows, channels, positions);
        RequireEpsilon(epsilon);
        long size = (long)rows * channels * positions;
        RequireLength(inputs.Length, size, nameof(inputs));
        RequireLength(weight.Length, channels, nameof(weight));
        RequireLength(bias.Length, channels, nameof(bias));
        RequireLength(outputs.Length, size, nameof(outputs));
        RequireLength(mean.Length, channels, nameof(mean));
        RequireLength(variance.Length, channels, nameof(variance));
        RequireLength(inverseStd.Length, channels, nameof(inverseStd));

        if (positions == 1 && channels <= MaximumStackFeatures)
        {
            FeaturesTrainingForward(inputs, weight, bias, outputs, mean, variance, inverseStd, rows, channels, double.CreateTruncating(epsilon));
            return;
        }

        int sample = channels * positions;
        double eps = double.CreateTruncating(epsilon);
        for (int channel = 0; channel < channels; channel++)
        {
            (T center, double biased) = MeanAndVariance(inputs.Slice(channel * positions), rows, sample, positions);
            double inverse = 1 / Math.Sqrt(biased + eps);
            mean[channel] = center;
            variance[channel] = T.CreateTruncating(biased);
            inverseStd[channel] = T.CreateTruncating(inverse);

            ChannelAffine(inputs, outputs, channel, new ShiftScale<T>(center, T.CreateTruncating(double.CreateTruncating(weight[channel]) * inverse), bias[channel]), rows, sample, positions);
        }
    }

    /// <summary>
    /// BatchNorm in evaluation: <c>outputs = weight[c]·(x − runningMean[c])/√(runningVariance[c] + ε) + bias[c]</c>, the
    /// factor weight[c]/√(runningVariance[c] + ε) computed in double.
    /// </summary>
    /// <param name="inputs">X, <c>rows × [channels, positions]</c>.</param>
    /// <param name="weight">γ, one per channel.</param>
    /// <param name="bias">β, one per channel.</param>
    /// <param name="runningMean">The running mean of each channel.</param>
    /// <param name="runningVariance">The running (unbiased) variance of each channel.</param>
    /// <param name="outputs">Y, <c>rows × [channels, positions]</c>; only written.</param>
    /// <param name="rows">The samples in the batch, at least 1.</param>
    /// <param name="channels">The channels, at least 1.</param>
    /// <param name="positions">The values of a channel in one sample, at least 1.</param>
    /// <param name="epsilon">ε, finite and greater than 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, or ε is not finite and positive.</exception>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormEvaluationForward<T>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVariance, Span<T> outputs, int rows, int channels, int positions, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireBatchShape(rows, channels, positions);
        RequireEpsilon(epsilon);
        long size = (long)rows * channels * positions;
        RequireLength(inputs.Length, size, nameof(inputs));
        RequireLength(weight.Length, channels, nameof(weight));
        RequireLength(bias.Length, channels, nameof(bias));
        RequireLength(runningMean.Length, channels, nameof(runningMean));
        RequireLength(runningVariance.Length, channels, nameof(runningVariance));
        RequireLength(outputs.Length, size, nameof(outputs));

        double eps = double.CreateTruncating(epsilon);
        if (positions == 1 && channels <= MaximumStackFeatures)
        {
            Span<double> scales = stackalloc double[channels];
            for (int feature = 0; feature < channels; feature++)
            {
                scales[feature] = double.CreateTruncating(weight[feature]) / Math.Sqrt(double.CreateTruncating(runningVariance[feature]) + eps);
            }

            FeaturesAffine(inputs, outputs, runningMean, scales, bias, rows, channels);
            return;
        }

        int sample = channels * positions;
        for (int channel = 0; channel < channels; channel++)
        {
            double scale = double.CreateTruncating(weight[channel]) / Math.Sqrt(double.CreateTruncating(runningVariance[channel]) + eps);
            ChannelAffine(inputs, outputs, channel, new ShiftScale<T>(runningMean[channel], T.CreateTruncating(scale), bias[channel]), rows, sample, positions);
        }
    }

    /// <summary>y = (x − center)·scale + β over every value of one channel, in each row: the affine pass of both modes.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ChannelAffine<T>(ReadOnlySpan<T> inputs, Span<T> outputs, int channel, ShiftScale<T> affine, int rows, int sample, int positions)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < rows; row++)
        {
            int start = row * sample + channel * positions;
            ReadOnlySpan<T> x = inputs.Slice(start, positions);
            ElementwiseLoop.Apply(x, x, outputs.Slice(start, positions), affine);
        }
    }

    /// <summary>
    /// The affine pass after a flat layer, row by row: y = (x − centers[f])·scales[f] + bias[f] for every feature f, the
    /// scale rounded to T as the per-channel pass rounds it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FeaturesAffine<T>(ReadOnlySpan<T> inputs, Span<T> outputs, ReadOnlySpan<T> centers, ReadOnlySpan<double> scales, ReadOnlySpan<T> bias, int rows, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> x = inputs.Slice(row * features, features);
            Span<T> y = outputs.Slice(row * features, features);
            for (int feature = 0; feature < features; feature++)
            {
                y[feature] = (x[feature] - centers[feature]) * T.CreateTruncating(scales[feature]) + bias[feature];
            }
        }
    }

    /// <summary>
    /// The backward pass of <see cref="BatchNormTrainingForward{T}"/>. With x̂ = (x − mean)·inverseStd, n = rows·positions,
    /// and the sums over a channel's n values: <c>weightGradients[c] += Σ dy·x̂</c> and <c>biasGradients[c] += Σ dy</c>
    /// (accumulated), and <c>inputGradients = weight[c]·inverseStd[c]/n · (n·dy − Σ dy − x̂·Σ dy·x̂)</c> (overwritten),
    /// the gradient through the batch statistics as well.
    /// </summary>
    /// <param name="outputGradients">dY, the gradient with respect to the normalisation's output, <c>rows × [channels, positions]</c>.</param>
    /// <param name="inputs">X, the forward pass's inputs.</param>
    /// <param name="weight">γ, one per channel.</param>
    /// <param name="mean">The mean the forward pass wrote.</param>
    /// <param name="inverseStd">The inverseStd the forward pass wrote.</param>
    /// <param name="weightGradients">dγ, one per channel; added to.</param>
    /// <param name="biasGradients">dβ, one per channel; added to.</param>
    /// <param name="inputGradients">dX, <c>rows × [channels, positions]</c>, overwritten; or empty, to skip it (a first layer).</param>
    /// <param name="rows">The samples in the batch, at least 1.</param>
    /// <param name="channels">The channels, at least 1.</param>
    /// <param name="positions">The values of a channel in one sample, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1.</exception>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs (inputGradients: and not empty).</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormBackward<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> mean, ReadOnlySpan<T> inverseStd, Span<T> weightGradients, Span<T> biasGradients, Span<T> inputGradients,
        int rows, int channels, int positions)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireBatchShape(rows, channels, positions);
        long size = (long)rows * channels * positions;
        RequireLength(outputGradients.Length, size, nameof(outputGradients));
        RequireLength(inputs.Length, size, nameof(inputs));
        RequireLength(weight.Length, channels, nameof(weight));
        RequireLength(mean.Length, channels, nameof(mean));
        RequireLength(inverseStd.Length, channels, nameof(inverseStd));
        RequireLength(weightGradients.Length, channels, nameof(weightGradients));
        RequireLength(biasGradients.Length, channels, nameof(biasGradients));
        bool withInputs = !inputGradients.IsEmpty;
        if (withInputs)
        {
            RequireLength(inputGradients.Length, size, nameof(inputGradients));
        }

        if (positions == 1 && channels <= MaximumStackFeatures)
        {
            FeaturesBackward(outputGradients, inputs, weight, mean, inverseStd, weightGradients, biasGradients, inputGradients, rows, channels);
            return;
        }

        int sample = channels * positions;
        double n = (double)rows * positions;
        for (int channel = 0; channel < channels; channel++)
        {
            T center = mean[channel];
            double sumGradients = 0, sumGradientDeviations = 0;
            for (int row = 0; row < rows; row++)
            {
                int start = row * sample + channel * positions;
                PairSums(outputGradients.Slice(start, positions), inputs.Slice(start, positions), new GradientSum<T>(center), ref sumGradients, ref sumGradientDeviations);
            }

            // Σ dy·x̂ = inverseStd·Σ dy·(x − mean).
            double inverse = double.CreateTruncating(inverseStd[channel]);
            double sumGradientNormalized = inverse * sumGradientDeviations;
            weightGradients[channel] += T.CreateTruncating(sumGradientNormalized);
            biasGradients[channel] += T.CreateTruncating(sumGradients);
            if (!withInputs)
            {
                continue;
            }

            // dx = k·dy − k·inverseStd·(Σ dy·x̂)/n·(x − mean) − k·(Σ dy)/n, with k = weight·inverseStd.
            double k = double.CreateTruncating(weight[channel]) * inverse;
            var gradient = new InputGradient<T>(
                center, T.CreateTruncating(k), T.CreateTruncating(-k * inverse * sumGradientNormalized / n), T.CreateTruncating(-k * sumGradients / n));
            for (int row = 0; row < rows; row++)
            {
                int start = row * sample + channel * positions;
                ElementwiseLoop.Apply(outputGradients.Slice(start, positions), inputs.Slice(start, positions), inputGradients.Slice(start, positions), gradient);
            }
        }
    }

    /// <summary>
    /// PyTorch's update of BatchNorm's running statistics, once per training call, with n = <paramref name="count"/>
    /// (rows·positions): <c>runningMean = (1 − momentum)·runningMean + momentum·batchMean</c> and
    /// <c>runningVariance = (1 − momentum)·runningVariance + momentum·batchVariance·n/(n − 1)</c>, the unbiased variance,
    /// computed in double and rounded once to T.
    /// </summary>
    /// <param name="runningMean">The running mean of each channel; updated.</param>
    /// <param name="runningVariance">The running variance of each channel, as many values; updated.</param>
    /// <param name="batchMean">The batch's mean of each channel (<see cref="BatchNormTrainingForward{T}"/>'s mean), as many values.</param>
    /// <param name="batchVariance">The batch's biased variance of each channel, as many values.</param>
    /// <param name="count">The values each channel's statistics were taken over, at least 2.</param>
    /// <param name="momentum">The weight of the batch, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 2, or momentum is not in [0, 1].</exception>
    /// <exception cref="ArgumentException">The four spans are not the same length.</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void UpdateRunningStatistics<T>(Span<T> runningMean, Span<T> runningVariance, ReadOnlySpan<T> batchMean,
        ReadOnlySpan<T> batchVariance, long count, double momentum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "The unbiased variance needs statistics over at least 2 values.");
        }

        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1].");
        }

        RequireSameLength(runningMean.Length, runningVariance.Length, nameof(runningVariance));
        RequireSameLength(runningMean.Length, batchMean.Length, nameof(batchMean));
        RequireSameLength(runningMean.Length, batchVariance.Length, nameof(batchVariance));

        double n = count, unbiased = n / (n - 1), keep = 1 - momentum;
        for (int channel = 0; channel < runningMean.Length; channel++)
        {
            runningMean[channel] = T.CreateTruncating(
                keep * double.CreateTruncating(runningMean[channel]) + momentum * double.CreateTruncating(batchMean[channel]));
            runningVariance[channel] = T.CreateTruncating(
                keep * double.CreateTruncating(runningVariance[channel]) + momentum * (double.CreateTruncating(batchVariance[channel]) * unbiased));
        }
    }

    /// <summary>
    /// LayerNorm over each sample's <paramref name="features"/> values: per row r, mean[r], inverseStd[r] = 1/√(biased
    /// variance + ε), and <c>outputs[i] = weight[i]·(x[i] − mean[r])·inverseStd[r] + bias[i]</c>.
    /// </summary>
    /// <param name="inputs">X, <c>rows × [features]</c>.</param>
    /// <param name="weight">γ, one per feature.</param>
    /// <param name="bias">β, one per feature.</param>
    /// <param name="outputs">Y, <c>rows × [features]</c>; only written.</param>
    /// <param name="mean">The mean of each row; only written.</param>
    /// <param name="inverseStd">1/√(variance + ε) of each row (for <see cref="LayerNormBackward{T}"/>); only written.</param>
    /// <param name="rows">The samples in the batch, at least 1.</param>
    /// <param name="features">The values of a sample, at least 1.</param>
    /// <param name="epsilon">ε, finite and greater than 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, or ε is not finite and positive.</exception>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void LayerNormForward<T>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> outputs,
        Span<T> mean, Span<T> inverseStd, int rows, int features, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireLayerShape(rows, features);
        RequireEpsilon(epsilon);
        long size = (long)rows * features;
        RequireLength(inputs.Length, size, nameof(inputs));
        RequireLength(weight.Length, features, nameof(weight));
        RequireLength(bias.Length, features, nameof(bias));
        RequireLength(outputs.Length, size, nameof(outputs));
        RequireLength(mean.Length, rows, nameof(mean));
        RequireLength(inverseStd.Length, rows, nameof(inverseStd));

        ReadOnlySpan<T> gamma = weight.Slice(0, features), beta = bias.Slice(0, features);
        double eps = double.CreateTruncating(epsilon);
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> x = inputs.Slice(row * features, features);
            (T center, double biased) = MeanAndVariance(x, 1, features, features);
            T inverse = T.CreateTruncating(1 / Math.Sqrt(biased + eps));
            mean[row] = center;
            inverseStd[row] = inverse;
            TernaryLoop(x, gamma, beta, outputs.Slice(row * features, features), new LayerNormAffine<T>(center, inverse));
        }
    }

    /// <summary>
    /// The most features the per-feature BatchNorm passes keep their double sums for on the stack (three arrays of
    /// 8 bytes each); a wider flat layer takes the per-channel passes.
    /// </summary>
    private const int MaximumStackFeatures = 512;

    /// <summary>
    /// <see cref="BatchNormTrainingForward{T}"/> after a flat layer (one value per channel in each sample): a channel's
    /// values lie a row apart, so instead of one pass per channel over runs of one value, each pass walks the batch row
    /// by row and keeps every feature's sums side by side, with the same arithmetic as <see cref="MeanAndVariance{T}"/>:
    /// the sum in double, the mean rounded to T, then the deviations from it and their squares in double.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FeaturesTrainingForward<T>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> outputs,
        Span<T> mean, Span<T> variance, Span<T> inverseStd, int rows, int features, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<double> sums = stackalloc double[features], deviations = stackalloc double[features], squares = stackalloc double[features];
        sums.Clear();
        deviations.Clear();
        squares.Clear();
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> x = inputs.Slice(row * features, features);
            for (int feature = 0; feature < features; feature++)
            {
                sums[feature] += double.CreateTruncating(x[feature]);
            }
        }

        for (int feature = 0; feature < features; feature++)
        {
            mean[feature] = T.CreateTruncating(sums[feature] / rows);
        }

        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> x = inputs.Slice(row * features, features);
            for (int feature = 0; feature < features; feature++)
            {
                double deviation = double.CreateTruncating(x[feature] - mean[feature]);
                deviations[feature] += deviation;
                squares[feature] += deviation * deviation;
            }
        }

        // The scale γ/σ of each feature goes where its variance's sums were, to normalise with.
        Span<double> scales = sums;
        for (int feature = 0; feature < features; feature++)
        {
            double biased = Math.Max(0, (squares[feature] - deviations[feature] * deviations[feature] / rows) / rows);
            double inverse = 1 / Math.Sqrt(biased + epsilon);
            variance[feature] = T.CreateTruncating(biased);
            inverseStd[feature] = T.CreateTruncating(inverse);
            scales[feature] = double.CreateTruncating(weight[feature]) * inverse;
        }

        FeaturesAffine<T>(inputs, outputs, mean, scales, bias, rows, features);
    }

    /// <summary>
    /// <see cref="BatchNormBackward{T}"/> after a flat layer, row by row with every feature's sums side by side (see
    /// <see cref="FeaturesTrainingForward{T}"/>), with the per-channel passes' formulas.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FeaturesBackward<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> mean, ReadOnlySpan<T> inverseStd, Span<T> weightGradients, Span<T> biasGradients, Span<T> inputGradients, int rows, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<double> sumGradients = stackalloc double[features], sumGradientDeviations = stackalloc double[features];
        sumGradients.Clear();
        sumGradientDeviations.Clear();
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> dy = outputGradients.Slice(row * features, features), x = inputs.Slice(row * features, features);
            for (int feature = 0; feature < features; feature++)
            {
                double gradient = double.CreateTruncating(dy[feature]);
                sumGradients[feature] += gradient;
                sumGradientDeviations[feature] += gradient * double.CreateTruncating(x[feature] - mean[feature]);
            }
        }

        // dx = k·dy + slope·(x − mean) + offset, with k = weight·inverseStd (as the per-channel passes' InputGradient).
        Span<T> coefficients = stackalloc T[3 * features];
        double n = rows;
        for (int feature = 0; feature < features; feature++)
        {
            double inverse = double.CreateTruncating(inverseStd[feature]);
            double sumGradientNormalized = inverse * sumGradientDeviations[feature];
            weightGradients[feature] += T.CreateTruncating(sumGradientNormalized);
            biasGradients[feature] += T.CreateTruncating(sumGradients[feature]);
            double k = double.CreateTruncating(weight[feature]) * inverse;
            coefficients[feature] = T.CreateTruncating(k);
            coefficients[features + feature] = T.CreateTruncating(-k * inverse * sumGradientNormalized / n);
            coefficients[2 * features + feature] = T.CreateTruncating(-k * sumGradients[feature] / n);
        }

        if (inputGradients.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<T> scales = coefficients.Slice(0, features), slopes = coefficients.Slice(features, features), offsets = coefficients.Slice(2 * features, features);
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> dy = outputGradients.Slice(row * features, features), x = inputs.Slice(row * features, features);
            Span<T> dx = inputGradients.Slice(row * features, features);
            for (int feature = 0; feature < features; feature++)
            {
                dx[feature] = dy[feature] * scales[feature] + ((x[feature] - mean[feature]) * slopes[feature] + offsets[feature]);
            }
        }
    }

    /// <summary>
    /// The mean and the biased variance of <paramref name="segments"/> runs of <paramref name="length"/> values, run s
    /// starting at s·<paramref name="stride"/> (a BatchNorm channel's positions in each sample, or one LayerNorm sample),
    /// in two passes: the sum, then the deviations from the mean rounded to T and their squares, with the correction
    /// for that rounding (Σd² − (Σd)²/n). Each block's vector sum is added in double.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static (T Mean, double Variance) MeanAndVariance<T>(ReadOnlySpan<T> values, int segments, int stride, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double n = (double)segments * length;
        double sum = 0, squares = 0;
        for (int segment = 0; segment < segments; segment++)
        {
            PairSums(values.Slice(segment * stride, length), default, new DeviationSum<T>(T.Zero), ref sum, ref squares);
        }

        T center = T.CreateTruncating(sum / n);
        double deviations = 0;
        squares = 0;
        for (int segment = 0; segment < segments; segment++)
        {
            PairSums(values.Slice(segment * stride, length), default, new DeviationSum<T>(center), ref deviations, ref squares);
        }

        return (center, Math.Max(0, (squares - deviations * deviations / n) / n));
    }

    /// <summary>
    /// The backward pass of <see cref="LayerNormForward{T}"/>. With x̂ = (x − mean[r])·inverseStd[r], g = dy·weight, F =
    /// features, and the sums over a row's F values: <c>weightGradients[i] += Σ_rows dy·x̂</c> and
    /// <c>biasGradients[i] += Σ_rows dy</c> (accumulated), and
    /// <c>inputGradients = inverseStd[r]/F · (F·g − Σ g − x̂·Σ g·x̂)</c> (overwritten).
    /// </summary>
    /// <param name="outputGradients">dY, <c>rows × [features]</c>.</param>
    /// <param name="inputs">X, the forward pass's inputs.</param>
    /// <param name="weight">γ, one per feature.</param>
    /// <param name="mean">The mean the forward pass wrote, one per row.</param>
    /// <param name="inverseStd">The inverseStd the forward pass wrote, one per row.</param>
    /// <param name="weightGradients">dγ, one per feature; added to.</param>
    /// <param name="biasGradients">dβ, one per feature; added to.</param>
    /// <param name="inputGradients">dX, <c>rows × [features]</c>, overwritten; or empty, to skip it.</param>
    /// <param name="rows">The samples in the batch, at least 1.</param>
    /// <param name="features">The values of a sample, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1.</exception>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs (inputGradients: and not empty).</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void LayerNormBackward<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> mean, ReadOnlySpan<T> inverseStd, Span<T> weightGradients, Span<T> biasGradients, Span<T> inputGradients,
        int rows, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireLayerShape(rows, features);
        long size = (long)rows * features;
        RequireLength(outputGradients.Length, size, nameof(outputGradients));
        RequireLength(inputs.Length, size, nameof(inputs));
        RequireLength(weight.Length, features, nameof(weight));
        RequireLength(mean.Length, rows, nameof(mean));
        RequireLength(inverseStd.Length, rows, nameof(inverseStd));
        RequireLength(weightGradients.Length, features, nameof(weightGradients));
        RequireLength(biasGradients.Length, features, nameof(biasGradients));
        bool withInputs = !inputGradients.IsEmpty;
        if (withInputs)
        {
            RequireLength(inputGradients.Length, size, nameof(inputGradients));
        }

        ReadOnlySpan<T> gamma = weight.Slice(0, features);
        Span<T> dGamma = weightGradients.Slice(0, features), dBeta = biasGradients.Slice(0, features);
        double n = features;
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> dy = outputGradients.Slice(row * features, features), x = inputs.Slice(row * features, features);
            T center = mean[row], inverse = inverseStd[row];
            TernaryLoop(dy, x, dGamma, dGamma, new NormalizedProductAdd<T>(center, inverse));
            RowMath.AddTo(dy, dBeta);
            if (!withInputs)
            {
                continue;
            }

            // g = dy·γ in dX first; then Σ g and Σ g·(x − mean), and dX = s·g − s·x̂·(Σ g·x̂)/F − s·(Σ g)/F with
            // s = inverseStd, x̂ = s·(x − mean) and Σ g·x̂ = s·Σ g·(x − mean): the factor of (x − mean) is s³·Σ g·(x − mean)/F.
            Span<T> dx = inputGradients.Slice(row * features, features);
            ElementwiseLoop.Apply(dy, gamma, dx, default(Multiply<T>));
            double sumGradients = 0, sumGradientDeviations = 0;
            PairSums(dx, x, new GradientSum<T>(center), ref sumGradients, ref sumGradientDeviations);
            double s = double.CreateTruncating(inverse);
            var gradient = new InputGradient<T>(
                center, inverse, T.CreateTruncating(-s * s * s * sumGradientDeviations / n), T.CreateTruncating(-s * sumGradients / n));
            ElementwiseLoop.Apply(dx, x, dx, gradient);
        }
    }

    /// <summary>
    /// Adds to <paramref name="first"/> and <paramref name="second"/> the two sums <paramref name="op"/> accumulates over
    /// the pairs (a[i], b[i]) (b may be empty when the operation reads only a): in T on vectors of the width
    /// <see cref="KernelPaths"/> chose, then narrower ones, then a scalar tail, over blocks of at most
    /// <see cref="BlockLength"/> values, each block's sums added in double.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairSums<T, TOperator>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, TOperator op, ref double first, ref double second)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOperator : struct, IPairSum<T>
    {
        // Without b, a stands in for it; the operation ignores it.
        ref T aRef = ref MemoryMarshal.GetReference(a);
        ref T bRef = ref b.IsEmpty ? ref aRef : ref MemoryMarshal.GetReference(b);
        int length = a.Length;
        for (int start = 0; start < length; start += BlockLength)
        {
            int end = Math.Min(length, start + BlockLength), i = start;
            T sum0 = T.Zero, sum1 = T.Zero;
            if (KernelPaths.Use512 && end - i >= Vector512<T>.Count)
            {
                Vector512<T> vector0 = Vector512<T>.Zero, vector1 = Vector512<T>.Zero;
                for (; i <= end - Vector512<T>.Count; i += Vector512<T>.Count)
                {
                    op.Add(Vector512.LoadUnsafe(ref aRef, (nuint)i), Vector512.LoadUnsafe(ref bRef, (nuint)i), ref vector0, ref vector1);
                }

                sum0 += Vector512.Sum(vector0);
                sum1 += Vector512.Sum(vector1);
            }

            if (KernelPaths.Use256 && end - i >= Vector256<T>.Count)
            {
                Vector256<T> vector0 = Vector256<T>.Zero, vector1 = Vector256<T>.Zero;
                for (; i <= end - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    op.Add(Vector256.LoadUnsafe(ref aRef, (nuint)i), Vector256.LoadUnsafe(ref bRef, (nuint)i), ref vector0, ref vector1);
                }

                sum0 += Vector256.Sum(vector0);
                sum1 += Vector256.Sum(vector1);
            }

            if (KernelPaths.Use128 && end - i >= Vector128<T>.Count)
            {
                Vector128<T> vector0 = Vector128<T>.Zero, vector1 = Vector128<T>.Zero;
                for (; i <= end - Vector128<T>.Count; i += Vector128<T>.Count)
                {
                    op.Add(Vector128.LoadUnsafe(ref aRef, (nuint)i), Vector128.LoadUnsafe(ref bRef, (nuint)i), ref vector0, ref vector1);
                }

                sum0 += Vector128.Sum(vector0);
                sum1 += Vector128.Sum(vector1);
            }

            for (; i < end; i++)
            {
                op.Add(Unsafe.Add(ref aRef, i), Unsafe.Add(ref bRef, i), ref sum0, ref sum1);
            }

            first += double.CreateTruncating(sum0);
            second += double.CreateTruncating(sum1);
        }
    }

    /// <summary>
    /// Sets <c>destination[i] = op(a[i], b[i], c[i])</c> for spans of one length, with <see cref="ElementwiseLoop"/>'s
    /// shape: vectors of the width <see cref="KernelPaths"/> chose (narrower ones for spans shorter than one), the last
    /// one overlapping and computed before the loop writes, so the destination may be any of the inputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TernaryLoop<T, TOperator>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, Span<T> destination, TOperator op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOperator : struct, ITernaryOperator<T>
    {
        // The callers pass slices of one length; checked once more, since the loop reads through references.
        int length = destination.Length;
        if (a.Length != length || b.Length != length || c.Length != length)
        {
            throw new ArgumentException($"The operands have {a.Length}, {b.Length} and {c.Length} values and the destination {length}; they must be the same length.", nameof(destination));
        }

        ref T aRef = ref MemoryMarshal.GetReference(a);
        ref T bRef = ref MemoryMarshal.GetReference(b);
        ref T cRef = ref MemoryMarshal.GetReference(c);
        ref T target = ref MemoryMarshal.GetReference(destination);
        if (KernelPaths.Use512 && length >= Vector512<T>.Count)
        {
            int width = Vector512<T>.Count, last = length - width;
            Vector512<T> tail = op.Invoke(Vector512.LoadUnsafe(ref aRef, (nuint)last), Vector512.LoadUnsafe(ref bRef, (nuint)last), Vector512.LoadUnsafe(ref cRef, (nuint)last));
            for (int i = 0; i < last; i += width)
            {
                op.Invoke(Vector512.LoadUnsafe(ref aRef, (nuint)i), Vector512.LoadUnsafe(ref bRef, (nuint)i), Vector512.LoadUnsafe(ref cRef, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }

            tail.StoreUnsafe(ref target, (nuint)last);
            return;
        }

        if (KernelPaths.Use256 && length >= Vector256<T>.Count)
        {
            int width = Vector256<T>.Count, last = length - width;
            Vector256<T> tail = op.Invoke(Vector256.LoadUnsafe(ref aRef, (nuint)last), Vector256.LoadUnsafe(ref bRef, (nuint)last), Vector256.LoadUnsafe(ref cRef, (nuint)last));
            for (int i = 0; i < last; i += width)
            {
                op.Invoke(Vector256.LoadUnsafe(ref aRef, (nuint)i), Vector256.LoadUnsafe(ref bRef, (nuint)i), Vector256.LoadUnsafe(ref cRef, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }

            tail.StoreUnsafe(ref target, (nuint)last);
            return;
        }

        if (KernelPaths.Use128 && length >= Vector128<T>.Count)
        {
            int width = Vector128<T>.Count, last = length - width;
            Vector128<T> tail = op.Invoke(Vector128.LoadUnsafe(ref aRef, (nuint)last), Vector128.LoadUnsafe(ref bRef, (nuint)last), Vector128.LoadUnsafe(ref cRef, (nuint)last));
            for (int i = 0; i < last; i += width)
            {
                op.Invoke(Vector128.LoadUnsafe(ref aRef, (nuint)i), Vector128.LoadUnsafe(ref bRef, (nuint)i), Vector128.LoadUnsafe(ref cRef, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }

            tail.StoreUnsafe(ref target, (nuint)last);
            return;
        }

        for (int i = 0; i < length; i++)
        {
            Unsafe.Add(ref target, i) = op.Invoke(Unsafe.Add(ref aRef, i), Unsafe.Add(ref bRef, i), Unsafe.Add(ref cRef, i));
        }
    }

    /// <summary>Every call checks its sizes before it reads or writes anything: the loops read through unchecked references.</summary>
    private static void RequireBatchShape(int rows, int channels, int positions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(positions, 1);
    }

    private static void RequireLayerShape(int rows, int features)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
    }

    private static void RequireEpsilon<T>(T epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(T.IsFinite(epsilon) && epsilon > T.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be finite and greater than 0.");
        }
    }

    private static void RequireLength(int length, long required, string name)
    {
        if (length < required)
        {
            throw new ArgumentException($"{name} has {length} values; the shape given needs at least {required}.", name);
        }
    }

    private static void RequireSameLength(int expected, int length, string name)
    {
        if (length != expected)
        {
            throw new ArgumentException($"{name} has {length} values; runningMean has {expected}, and the four must be the same length.", name);
        }
    }

    /// <summary>Two sums accumulated over pairs (a, b), once per vector width; <see cref="PairSums"/> runs it over spans.</summary>
    private interface IPairSum<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        void Add(T a, T b, ref T first, ref T second);
        void Add(Vector128<T> a, Vector128<T> b, ref Vector128<T> first, ref Vector128<T> second);
        void Add(Vector256<T> a, Vector256<T> b, ref Vector256<T> first, ref Vector256<T> second);
        void Add(Vector512<T> a, Vector512<T> b, ref Vector512<T> first, ref Vector512<T> second);
    }

    /// <summary>f(a, b, c), once per vector width; <see cref="TernaryLoop"/> runs it over spans.</summary>
    private interface ITernaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        T Invoke(T a, T b, T c);
        Vector128<T> Invoke(Vector128<T> a, Vector128<T> b, Vector128<T> c);
        Vector256<T> Invoke(Vector256<T> a, Vector256<T> b, Vector256<T> c);
        Vector512<T> Invoke(Vector512<T> a, Vector512<T> b, Vector512<T> c);
    }

    /// <summary>Σ d and Σ d² with d = x − center (x is a; b is ignored).</summary>
    private readonly struct DeviationSum<T>(T center) : IPairSum<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Add(T a, T b, ref T first, ref T second)
        {
            T d = a - center;
            first += d;
            second += d * d;
        }

        public void Add(Vector128<T> a, Vector128<T> b, ref Vector128<T> first, ref Vector128<T> second)
        {
            Vector128<T> d = a - Vector128.Create(center);
            first += d;
            second = MultiplyAdd(d, d, second);
        }

        public void Add(Vector256<T> a, Vector256<T> b, ref Vector256<T> first, ref Vector256<T> second)
        {
            Vector256<T> d = a - Vector256.Create(center);
            first += d;
            second = MultiplyAdd(d, d, second);
        }

        public void Add(Vector512<T> a, Vector512<T> b, ref Vector512<T> first, ref Vector512<T> second)
        {
            Vector512<T> d = a - Vector512.Create(center);
            first += d;
            second = MultiplyAdd(d, d, second);
        }
    }

    /// <summary>Σ g and Σ g·(x − center), with g = a and x = b.</summary>
    private readonly struct GradientSum<T>(T center) : IPairSum<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Add(T a, T b, ref T first, ref T second)
        {
            first += a;
            second += a * (b - center);
        }

        public void Add(Vector128<T> a, Vector128<T> b, ref Vector128<T> first, ref Vector128<T> second)
        {
            first += a;
            second = MultiplyAdd(a, b - Vector128.Create(center), second);
        }

        public void Add(Vector256<T> a, Vector256<T> b, ref Vector256<T> first, ref Vector256<T> second)
        {
            first += a;
            second = MultiplyAdd(a, b - Vector256.Create(center), second);
        }

        public void Add(Vector512<T> a, Vector512<T> b, ref Vector512<T> first, ref Vector512<T> second)
        {
            first += a;
            second = MultiplyAdd(a, b - Vector512.Create(center), second);
        }
    }

    /// <summary>(x − center)·scale + bias, one channel's affine normalisation (x is the first operand; the second is ignored).</summary>
    private readonly struct ShiftScale<T>(T center, T scale, T bias) : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T x, T y) => (x - center) * scale + bias;
        public Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => MultiplyAdd(x - Vector128.Create(center), Vector128.Create(scale), Vector128.Create(bias));
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => MultiplyAdd(x - Vector256.Create(center), Vector256.Create(scale), Vector256.Create(bias));
        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => MultiplyAdd(x - Vector512.Create(center), Vector512.Create(scale), Vector512.Create(bias));
    }

    /// <summary>g·k + (x − center)·slope + offset, the input gradient of both normalisations, with g the first operand and x the second.</summary>
    private readonly struct InputGradient<T>(T center, T k, T slope, T offset) : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T g, T x) => g * k + ((x - center) * slope + offset);

        public Vector128<T> Invoke(Vector128<T> g, Vector128<T> x)
            => MultiplyAdd(g, Vector128.Create(k), MultiplyAdd(x - Vector128.Create(center), Vector128.Create(slope), Vector128.Create(offset)));

        public Vector256<T> Invoke(Vector256<T> g, Vector256<T> x)
            => MultiplyAdd(g, Vector256.Create(k), MultiplyAdd(x - Vector256.Create(center), Vector256.Create(slope), Vector256.Create(offset)));

        public Vector512<T> Invoke(Vector512<T> g, Vector512<T> x)
            => MultiplyAdd(g, Vector512.Create(k), MultiplyAdd(x - Vector512.Create(center), Vector512.Create(slope), Vector512.Create(offset)));
    }

    /// <summary>x·y.</summary>
    /// <summary>γ·x̂ + β with x̂ = (x − center)·scale: LayerNorm's output, with x, γ and β the operands.</summary>
    private readonly struct LayerNormAffine<T>(T center, T scale) : ITernaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T x, T gamma, T beta) => (x - center) * scale * gamma + beta;

        public Vector128<T> Invoke(Vector128<T> x, Vector128<T> gamma, Vector128<T> beta)
            => MultiplyAdd((x - Vector128.Create(center)) * Vector128.Create(scale), gamma, beta);

        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> gamma, Vector256<T> beta)
            => MultiplyAdd((x - Vector256.Create(center)) * Vector256.Create(scale), gamma, beta);

        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> gamma, Vector512<T> beta)
            => MultiplyAdd((x - Vector512.Create(center)) * Vector512.Create(scale), gamma, beta);
    }

    /// <summary>dy·x̂ + sum with x̂ = (x − center)·scale: LayerNorm's weight gradient added to, with dy, x and the sum the operands.</summary>
    private readonly struct NormalizedProductAdd<T>(T center, T scale) : ITernaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T dy, T x, T sum) => dy * ((x - center) * scale) + sum;

        public Vector128<T> Invoke(Vector128<T> dy, Vector128<T> x, Vector128<T> sum)
            => MultiplyAdd(dy, (x - Vector128.Create(center)) * Vector128.Create(scale), sum);

        public Vector256<T> Invoke(Vector256<T> dy, Vector256<T> x, Vector256<T> sum)
            => MultiplyAdd(dy, (x - Vector256.Create(center)) * Vector256.Create(scale), sum);

        public Vector512<T> Invoke(Vector512<T> dy, Vector512<T> x, Vector512<T> sum)
            => MultiplyAdd(dy, (x - Vector512.Create(center)) * Vector512.Create(scale), sum);
    }
}
