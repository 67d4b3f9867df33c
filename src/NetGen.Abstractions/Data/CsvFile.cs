using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using nietras.SeparatedValues;

namespace NetGen.Data;

/// <summary>How <see cref="CsvFile"/> reads a file: the feature columns, the separator and what to do with bad rows.</summary>
public sealed record CsvReadOptions
{
    /// <summary>The feature columns by header name, in the order the network sees them; every column but the label by default.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>The separator; inferred from the header (comma, semicolon, tab, pipe) by default.</summary>
    public char? Separator { get; init; }

    /// <summary>
    /// Whether a bad row (a missing field, a value that is not a finite number, an unknown class) is skipped and listed in
    /// <see cref="CsvData{T}.SkippedRows"/> rather than thrown as a <see cref="CsvDataException"/>; false by default.
    /// </summary>
    public bool SkipBadRows { get; init; }

    /// <summary>
    /// For <see cref="CsvFile.ReadClassification{T}(string, string, CsvReadOptions?)"/>: the class names in label order
    /// (label k is ClassNames[k]). By default the distinct names found, in numeric order when all are integers, else in
    /// ordinal order, so the labels do not depend on the order of the rows.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
}

/// <summary>A data set read from a CSV file: row-major features and, per sample, a numeric target or a class label.</summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public sealed class CsvData<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal CsvData(T[] features, string[] featureNames, T[] targets, int[] labels, string[] classNames, IReadOnlyList<CsvBadRow> skippedRows)
    {
        Features = features;
        FeatureNames = featureNames;
        Targets = targets;
        Labels = labels;
        ClassNames = classNames;
        SkippedRows = skippedRows;
    }

    /// <summary>The features, <see cref="FeatureCount"/> values per sample, row-major: a network's inputs.</summary>
    public T[] Features { get; }

    /// <summary>The names of the feature columns, in the order of each sample's values.</summary>
    public string[] FeatureNames { get; }

    /// <summary>The number of features per sample.</summary>
    public int FeatureCount => FeatureNames.Length;

    /// <summary>The number of samples read.</summary>
    public int Count => Features.Length / FeatureNames.Length;

    /// <summary>The numeric target of each sample (regression); empty for classification data.</summary>
    public T[] Targets { get; }

    /// <summary>The class label of each sample, an index into <see cref="ClassNames"/> (classification); empty for regression data.</summary>
    public int[] Labels { get; }

    /// <summary>The name of each class (classification); empty for regression data.</summary>
    public string[] ClassNames { get; }

    /// <summary>The rows skipped because they were bad, with <see cref="CsvReadOptions.SkipBadRows"/>; otherwise empty.</summary>
    public IReadOnlyList<CsvBadRow> SkippedRows { get; }
}

/// <summary>A row of a CSV file that could not be read, by its line number (from 1, the header being line 1).</summary>
/// <param name="Line">The line on which the row starts.</param>
/// <param name="Reason">What was wrong, naming the column and the value.</param>
public sealed record CsvBadRow(int Line, string Reason);

/// <summary>A CSV row that could not be read: the message names the source, the line, the column and the value.</summary>
public sealed class CsvDataException : FormatException
{
    /// <summary>Creates the exception for a bad row.</summary>
    public CsvDataException(string source, CsvBadRow row)
        : base($"{source}, line {row.Line}: {row.Reason}. Fix the row, or set CsvReadOptions.SkipBadRows to skip such rows and list them.")
    {
        Line = row.Line;
    }

    /// <summary>The line (from 1) on which the bad row starts.</summary>
    public int Line { get; }
}

/// <summary>
/// Reads CSV files with a header into NetGen's flat arrays, with the Sep parser (RFC 4180 quoting; numbers in the
/// invariant culture). Choose the feature columns by name and one label column, numeric for regression or class names
/// for classification; every bad row is reported by its line number.
/// </summary>
public static class CsvFile
{
    /// <summary>Reads a regression data set: the features and the numeric column <paramref name="targetColumn"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">A named column is not in the header.</exception>
    /// <exception cref="CsvDataException">A row is bad and <see cref="CsvReadOptions.SkipBadRows"/> is off, or no row could be read.</exception>
    public static CsvData<T> ReadRegression<T>(string path, string targetColumn, CsvReadOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var reader = new StreamReader(path);
        return Read<T>(reader, Path.GetFileName(path), targetColumn, classify: false, options ?? new CsvReadOptions());
    }

    /// <summary>Reads a regression data set from CSV text; <paramref name="sourceName"/> names it in messages.</summary>
    /// <exception cref="ArgumentException">A named column is not in the header.</exception>
    /// <exception cref="CsvDataException">A row is bad and <see cref="CsvReadOptions.SkipBadRows"/> is off, or no row could be read.</exception>
    public static CsvData<T> ReadRegression<T>(TextReader reader, string sourceName, string targetColumn, CsvReadOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Read<T>(reader, sourceName, targetColumn, classify: false, options ?? new CsvReadOptions());

    /// <summary>
    /// Reads a classification data set: the features and the class of each row from <paramref name="labelColumn"/>,
    /// whose values are class names (or numbers) mapped to labels 0, 1, … as <see cref="CsvReadOptions.ClassNames"/> says.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">A named column is not in the header.</exception>
    /// <exception cref="CsvDataException">A row is bad and <see cref="CsvReadOptions.SkipBadRows"/> is off, or no row could be read.</exception>
    public static CsvData<T> ReadClassification<T>(string path, string labelColumn, CsvReadOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var reader = new StreamReader(path);
        return Read<T>(reader, Path.GetFileName(path), labelColumn, classify: true, options ?? new CsvReadOptions());
    }

    /// <summary>Reads a classification data set from CSV text; <paramref name="sourceName"/> names it in messages.</summary>
    /// <exception cref="ArgumentException">A named column is not in the header.</exception>
    /// <exception cref="CsvDataException">A row is bad and <see cref="CsvReadOptions.SkipBadRows"/> is off, or no row could be read.</exception>
    public static CsvData<T> ReadClassification<T>(TextReader reader, string sourceName, string labelColumn, CsvReadOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Read<T>(reader, sourceName, labelColumn, classify: true, options ?? new CsvReadOptions());

    private static CsvData<T> Read<T>(TextReader text, string source, string labelColumn, bool classify, CsvReadOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(labelColumn);
        SepReaderOptions readerOptions = (options.Separator is char separator ? new Sep(separator).Reader() : Sep.Reader()) with
        {
            HasHeader = true,
            Unescape = true,
            Trim = SepTrim.All,
            DisableColCountCheck = true, // counted here, to report the line rather than stop the reader
            CultureInfo = CultureInfo.InvariantCulture,
        };
        using SepReader reader = readerOptions.From(text);
        IReadOnlyList<string> header = reader.Header.ColNames;
        int labelIndex = ColumnIndex(reader, labelColumn, source, header);
        string[] featureNames = FeatureNames(options.Features, header, labelColumn);
        var featureIndices = new int[featureNames.Length];
        for (int j = 0; j < featureNames.Length; j++)
        {
            featureIndices[j] = ColumnIndex(reader, featureNames[j], source, header);
        }

        var features = new List<T>();
        var targets = new List<T>();
        var classNames = new List<string>();
        var rowLines = new List<int>();
        var skipped = new List<CsvBadRow>();
        T[] row = new T[featureNames.Length];
        foreach (SepReader.Row csvRow in reader)
        {
            if (csvRow.ColCount == 1 && csvRow[0].Span.IsEmpty)
            {
                continue; // a blank line holds no sample
            }

            string? problem = ParseRow(csvRow, header, featureIndices, labelIndex, classify, row, out T target, out string? className);
            if (problem is not null)
            {
                var bad = new CsvBadRow(csvRow.LineNumberFrom, problem);
                if (!options.SkipBadRows)
                {
                    throw new CsvDataException(source, bad);
                }

                skipped.Add(bad);
                continue;
            }

            features.AddRange(row);
            rowLines.Add(csvRow.LineNumberFrom);
            if (classify)
            {
                classNames.Add(className!);
            }
            else
            {
                targets.Add(target);
            }
        }

        if (rowLines.Count == 0)
        {
            throw new CsvDataException(source, new CsvBadRow(1, "the file holds a header but no row that could be read"));
        }

        if (!classify)
        {
            return new CsvData<T>(features.ToArray(), featureNames, targets.ToArray(), Array.Empty<int>(), Array.Empty<string>(), skipped);
        }

        string[] classes = options.ClassNames is { } given ? [.. given] : DistinctInOrder(classNames);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < classes.Length; k++)
        {
            index[classes[k]] = k;
        }

        var labels = new List<int>(classNames.Count);
        var keptFeatures = new List<T>(features.Count);
        for (int i = 0; i < classNames.Count; i++)
        {
            if (!index.TryGetValue(classNames[i], out int label))
            {
                var bad = new CsvBadRow(rowLines[i], $"column \"{labelColumn}\" holds \"{classNames[i]}\", which is not one of the classes {string.Join(", ", classes)}");
                if (!options.SkipBadRows)
                {
                    throw new CsvDataException(source, bad);
                }

                skipped.Add(bad);
                continue;
            }

            labels.Add(label);
            for (int j = 0; j < featureNames.Length; j++)
            {
                keptFeatures.Add(features[i * featureNames.Length + j]);
            }
        }

        skipped.Sort((a, b) => a.Line.CompareTo(b.Line));
        return new CsvData<T>(keptFeatures.ToArray(), featureNames, Array.Empty<T>(), labels.ToArray(), classes, skipped);
    }

    /// <summary>Parses one row into <paramref name="features"/> and its target; returns what is wrong with it, or null.</summary>
    private static string? ParseRow<T>(
        SepReader.Row row, IReadOnlyList<string> header, int[] featureIndices, int labelIndex, bool classify, T[] features, out T target, out string? className)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        target = T.Zero;
        className = null;
        if (row.ColCount != header.Count)
        {
            return $"it has {row.ColCount} fields; the header has {header.Count}";
        }

        for (int j = 0; j < featureIndices.Length; j++)
        {
            if (ParseNumber(row[featureIndices[j]], header[featureIndices[j]], out features[j]) is { } problem)
            {
                return problem;
            }
        }

        if (classify)
        {
            ReadOnlySpan<char> name = row[labelIndex].Span;
            if (name.IsEmpty)
            {
                return $"column \"{header[labelIndex]}\" is empty";
            }

            className = name.ToString();
            return null;
        }

        return ParseNumber(row[labelIndex], header[labelIndex], out target);
    }

    private static string? ParseNumber<T>(SepReader.Col field, string column, out T value)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Sep has trimmed the field, and parses float and double with its culture-invariant fast parser.
        if (field.Span.IsEmpty)
        {
            value = T.Zero;
            return $"column \"{column}\" is empty";
        }

        if (!field.TryParse(out value))
        {
            return $"column \"{column}\" holds \"{field.ToString()}\", which is not a number";
        }

        return T.IsFinite(value) ? null : $"column \"{column}\" holds \"{field.ToString()}\", which is not a finite number";
    }

    private static int ColumnIndex(SepReader reader, string name, string source, IReadOnlyList<string> header)
        => reader.Header.TryIndexOf(name, out int index)
            ? index
            : throw new ArgumentException($"{source} has no column \"{name}\"; its columns are {string.Join(", ", header)}.", nameof(name));

    private static string[] FeatureNames(IReadOnlyList<string>? chosen, IReadOnlyList<string> header, string labelColumn)
    {
        if (chosen is not null)
        {
            if (chosen.Count == 0)
            {
                throw new ArgumentException("CsvReadOptions.Features is empty; name at least one feature column, or leave it null for every column but the label.", nameof(chosen));
            }

            return [.. chosen];
        }

        var names = new List<string>(header.Count - 1);
        foreach (string name in header)
        {
            if (name != labelColumn)
            {
                names.Add(name);
            }
        }

        return names.ToArray();
    }

    /// <summary>The distinct class names: in numeric order when every one is an integer, else in ordinal order.</summary>
    private static string[] DistinctInOrder(List<string> names)
    {
        var distinct = new SortedSet<string>(names, StringComparer.Ordinal);
        string[] classes = [.. distinct];
        var numbers = new long[classes.Length];
        for (int k = 0; k < classes.Length; k++)
        {
            if (!long.TryParse(classes[k], NumberStyles.Integer, CultureInfo.InvariantCulture, out numbers[k]))
            {
                return classes;
            }
        }

        Array.Sort(numbers, classes);
        return classes;
    }
}
