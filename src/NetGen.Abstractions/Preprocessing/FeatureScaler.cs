using System;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Text.Json;

namespace NetGen.Preprocessing;

/// <summary>
/// A per-feature affine scaling fitted on training data: each value x of feature j becomes (x − Offsets[j]) / Scales[j],
/// and <see cref="InverseTransform{T}"/> undoes it. Fit it on the training set only, apply it to every set, and save it
/// beside the model (<see cref="Save"/>) so that prediction scales inputs exactly as training did.
/// </summary>
public abstract class FeatureScaler
{
    private const string FormatName = "netgen-feature-scaler";
    private const int FormatVersion = 1;
    private readonly double[] _offsets;
    private readonly double[] _scales;

    private protected FeatureScaler(double[] offsets, double[] scales)
    {
        _offsets = offsets;
        _scales = scales;
    }

    /// <summary>The number of features per sample this scaler was fitted on.</summary>
    public int FeatureCount => _offsets.Length;

    /// <summary>What is subtracted from each feature.</summary>
    public ReadOnlySpan<double> Offsets => _offsets;

    /// <summary>What each feature is then divided by; always finite and positive.</summary>
    public ReadOnlySpan<double> Scales => _scales;

    /// <summary>The kind written into saved files: "standardizer" or "min-max".</summary>
    private protected abstract string Kind { get; }

    /// <summary>Scales row-major <paramref name="data"/> (<see cref="FeatureCount"/> values per sample) in place.</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="data"/> is not a multiple of <see cref="FeatureCount"/>.</exception>
    public void Transform<T>(Span<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireRows(data.Length);
        for (int i = 0; i < data.Length; i++)
        {
            int feature = i % _offsets.Length;
            data[i] = T.CreateTruncating((double.CreateTruncating(data[i]) - _offsets[feature]) / _scales[feature]);
        }
    }

    /// <summary>Returns a scaled copy of row-major <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="data"/> is not a multiple of <see cref="FeatureCount"/>.</exception>
    public T[] Transform<T>(ReadOnlySpan<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] copy = data.ToArray();
        Transform<T>(copy.AsSpan());
        return copy;
    }

    /// <summary>Undoes <see cref="Transform{T}(Span{T})"/> in place: x = x′ · Scales[j] + Offsets[j].</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="data"/> is not a multiple of <see cref="FeatureCount"/>.</exception>
    public void InverseTransform<T>(Span<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireRows(data.Length);
        for (int i = 0; i < data.Length; i++)
        {
            int feature = i % _offsets.Length;
            data[i] = T.CreateTruncating(Math.FusedMultiplyAdd(double.CreateTruncating(data[i]), _scales[feature], _offsets[feature]));
        }
    }

    /// <summary>
    /// Writes the scaler to <paramref name="path"/> as a small JSON file, atomically (a temporary file renamed over the
    /// target), with every number in round-trip form.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", FormatVersion);
            json.WriteString("kind", Kind);
            json.WriteNumber("features", FeatureCount);
            WriteArray(json, "offsets", _offsets);
            WriteArray(json, "scales", _scales);
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// Reads a scaler written by <see cref="Save"/>, validated in full: format, kind, feature count, and every offset
    /// finite and every scale finite and positive. Returns a <see cref="Standardizer"/> or a <see cref="MinMaxScaler"/>.
    /// </summary>
    /// <exception cref="NetGenFormatException">The file is not a valid NetGen scaler.</exception>
    public static FeatureScaler Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out JsonElement format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
            {
                throw Invalid(path, $"it has no \"format\": \"{FormatName}\"");
            }

            if (Integer(root, "version", path) != FormatVersion)
            {
                throw Invalid(path, $"its version is not {FormatVersion}");
            }

            int features = Integer(root, "features", path);
            if (features <= 0)
            {
                throw Invalid(path, $"\"features\" is {features}; it must be at least 1");
            }

            double[] offsets = Numbers(root, "offsets", features, path);
            double[] scales = Numbers(root, "scales", features, path);
            for (int j = 0; j < features; j++)
            {
                if (!double.IsFinite(offsets[j]) || !(scales[j] > 0) || !double.IsFinite(scales[j]))
                {
                    throw Invalid(path, $"feature {j} has offset {offsets[j].ToString("R", CultureInfo.InvariantCulture)} and scale {scales[j].ToString("R", CultureInfo.InvariantCulture)}; offsets must be finite and scales finite and positive");
                }
            }

            string? kind = root.TryGetProperty("kind", out JsonElement kindElement) && kindElement.ValueKind == JsonValueKind.String ? kindElement.GetString() : null;
            return kind switch
            {
                Standardizer.KindName => new Standardizer(offsets, scales),
                MinMaxScaler.KindName => new MinMaxScaler(offsets, scales),
                _ => throw Invalid(path, $"\"kind\" is {(kind is null ? "missing" : $"\"{kind}\"")}; expected \"{Standardizer.KindName}\" or \"{MinMaxScaler.KindName}\""),
            };
        }
        catch (JsonException exception)
        {
            throw new NetGenFormatException($"{path} is not a NetGen scaler file: it is not valid JSON ({exception.Message}).", exception);
        }
    }

    /// <summary>Computes each feature's mean and population standard deviation, in double, in one pass per feature.</summary>
    private protected static (double[] Means, double[] Deviations) Moments<T>(ReadOnlySpan<T> data, int featureCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int samples = RequireSamples(data, featureCount);
        var means = new double[featureCount];
        var deviations = new double[featureCount];
        for (int j = 0; j < featureCount; j++)
        {
            // Welford's update: numerically stable for large offsets.
            double mean = 0, squares = 0;
            for (int i = 0; i < samples; i++)
            {
                double x = double.CreateTruncating(data[i * featureCount + j]);
                double delta = x - mean;
                mean += delta / (i + 1);
                squares += delta * (x - mean);
            }

            means[j] = mean;
            deviations[j] = Math.Sqrt(squares / samples);
        }

        return (means, deviations);
    }

    /// <summary>Checks the data for fitting: a positive whole number of samples, all finite.</summary>
    private protected static int RequireSamples<T>(ReadOnlySpan<T> data, int featureCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (data.IsEmpty || data.Length % featureCount != 0)
        {
            throw new ArgumentException($"data has {data.Length} values; fitting needs a positive multiple of featureCount = {featureCount}.", nameof(data));
        }

        for (int i = 0; i < data.Length; i++)
        {
            if (!T.IsFinite(data[i]))
            {
                throw new ArgumentException($"data[{i}] is {data[i].ToString("R", CultureInfo.InvariantCulture)}: sample {i / featureCount}, feature {i % featureCount}. A scaler is fitted on finite values only.", nameof(data));
            }
        }

        return data.Length / featureCount;
    }

    private void RequireRows(int length)
    {
        if (length % _offsets.Length != 0)
        {
            throw new ArgumentException($"data has {length} values, not a multiple of the {_offsets.Length} features this scaler was fitted on.", "data");
        }
    }

    private static void WriteArray(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        foreach (double value in values)
        {
            json.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture));
        }

        json.WriteEndArray();
    }

    private static int Integer(JsonElement root, string name, string path)
        => root.TryGetProperty(name, out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int value)
            ? value
            : throw Invalid(path, $"\"{name}\" is missing or not an integer");

    private static double[] Numbers(JsonElement root, string name, int count, string path)
    {
        if (!root.TryGetProperty(name, out JsonElement array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != count)
        {
            throw Invalid(path, $"\"{name}\" is missing or does not hold {count} numbers");
        }

        var values = new double[count];
        int i = 0;
        foreach (JsonElement element in array.EnumerateArray())
        {
            values[i++] = element.ValueKind == JsonValueKind.Number ? element.GetDouble() : throw Invalid(path, $"\"{name}\"[{i - 1}] is not a number");
        }

        return values;
    }

    private static NetGenFormatException Invalid(string path, string reason)
        => new($"{path} is not a valid NetGen scaler file: {reason}.");
}

/// <summary>
/// Scales each feature to mean 0 and standard deviation 1 (the population deviation, as scikit-learn's
/// StandardScaler): x′ = (x − mean) / deviation. A feature with deviation 0 is only centred.
/// </summary>
public sealed class Standardizer : FeatureScaler
{
    internal const string KindName = "standardizer";

    internal Standardizer(double[] means, double[] deviations)
        : base(means, deviations)
    {
    }

    /// <summary>Each feature's mean on the data it was fitted on.</summary>
    public ReadOnlySpan<double> Means => Offsets;

    /// <summary>Each feature's standard deviation (1 where it was 0).</summary>
    public ReadOnlySpan<double> Deviations => Scales;

    private protected override string Kind => KindName;

    /// <summary>Fits the means and deviations of row-major <paramref name="data"/>, <paramref name="featureCount"/> values per sample.</summary>
    /// <exception cref="ArgumentException">The data is empty, not a whole number of samples, or holds a non-finite value.</exception>
    public static Standardizer Fit<T>(ReadOnlySpan<T> data, int featureCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (double[] means, double[] deviations) = Moments(data, featureCount);
        for (int j = 0; j < featureCount; j++)
        {
            deviations[j] = deviations[j] > 0 ? deviations[j] : 1;
        }

        return new Standardizer(means, deviations);
    }
}

/// <summary>
/// Scales each feature to [0, 1] over the data it was fitted on: x′ = (x − min) / (max − min). A constant feature
/// is only shifted to 0. Values outside the fitted range map outside [0, 1].
/// </summary>
public sealed class MinMaxScaler : FeatureScaler
{
    internal const string KindName = "min-max";

    internal MinMaxScaler(double[] minimums, double[] ranges)
        : base(minimums, ranges)
    {
    }

    /// <summary>Each feature's smallest value on the data it was fitted on.</summary>
    public ReadOnlySpan<double> Minimums => Offsets;

    /// <summary>Each feature's max − min (1 where it was 0).</summary>
    public ReadOnlySpan<double> Ranges => Scales;

    private protected override string Kind => KindName;

    /// <summary>Fits the minimum and maximum of each feature of row-major <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data is empty, not a whole number of samples, or holds a non-finite value.</exception>
    public static MinMaxScaler Fit<T>(ReadOnlySpan<T> data, int featureCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int samples = RequireSamples(data, featureCount);
        var minimums = new double[featureCount];
        var ranges = new double[featureCount];
        for (int j = 0; j < featureCount; j++)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (int i = 0; i < samples; i++)
            {
                double x = double.CreateTruncating(data[i * featureCount + j]);
                min = Math.Min(min, x);
                max = Math.Max(max, x);
            }

            minimums[j] = min;
            ranges[j] = max > min ? max - min : 1;
        }

        return new MinMaxScaler(minimums, ranges);
    }
}
