using System;
using System.IO;
using NetGen.Data;
using Xunit;

namespace NetGen.Tests;

/// <summary>CsvFile: header, chosen columns, numeric and class labels, and bad rows reported by line number.</summary>
public sealed class CsvFileTests
{
    private const string Houses = """
        rooms,age,"price, k$",city
        3,10.5,200,north
        4,2,310.25,south
        2,40,99,north
        """;

    [Fact]
    public void Regression_reads_the_chosen_features_in_the_given_order_and_the_numeric_target()
    {
        CsvData<float> data = CsvFile.ReadRegression<float>(new StringReader(Houses), "houses", "price, k$", new CsvReadOptions { Features = ["age", "rooms"] });

        Assert.Equal(new[] { "age", "rooms" }, data.FeatureNames);
        Assert.Equal(new float[] { 10.5f, 3, 2, 4, 40, 2 }, data.Features);
        Assert.Equal(new float[] { 200, 310.25f, 99 }, data.Targets);
        Assert.Equal(3, data.Count);
        Assert.Empty(data.Labels);
    }

    [Fact]
    public void Classification_maps_class_names_to_labels_in_ordinal_order()
    {
        CsvData<double> data = CsvFile.ReadClassification<double>(new StringReader(Houses), "houses", "city", new CsvReadOptions { Features = ["rooms"] });

        Assert.Equal(new[] { "north", "south" }, data.ClassNames);
        Assert.Equal(new[] { 0, 1, 0 }, data.Labels);
        Assert.Equal(new double[] { 3, 4, 2 }, data.Features);
    }

    [Fact]
    public void Integer_class_names_are_ordered_as_numbers()
    {
        const string text = "x,digit\n1,10\n2,2\n3,1\n";
        CsvData<float> data = CsvFile.ReadClassification<float>(new StringReader(text), "digits", "digit");

        Assert.Equal(new[] { "1", "2", "10" }, data.ClassNames);
        Assert.Equal(new[] { 2, 1, 0 }, data.Labels);
    }

    [Fact]
    public void Given_class_names_fix_the_label_order_and_an_unknown_class_is_a_bad_row()
    {
        var options = new CsvReadOptions { Features = ["rooms"], ClassNames = ["south", "north"] };
        Assert.Equal(new[] { 1, 0, 1 }, CsvFile.ReadClassification<float>(new StringReader(Houses), "houses", "city", options).Labels);

        var exception = Assert.Throws<CsvDataException>(() =>
            CsvFile.ReadClassification<float>(new StringReader(Houses), "houses", "city", options with { ClassNames = ["north"] }));
        Assert.Equal(3, exception.Line);
        Assert.Contains("houses, line 3: column \"city\" holds \"south\", which is not one of the classes north", exception.Message);
    }

    [Fact]
    public void By_default_every_column_but_the_label_is_a_feature()
    {
        const string text = "a,b,y\n1,2,3\n";
        Assert.Equal(new[] { "a", "b" }, CsvFile.ReadRegression<float>(new StringReader(text), "t", "y").FeatureNames);
    }

    [Theory]
    [InlineData("rooms,age\n3,1\n4,abc\n", "t, line 3: column \"age\" holds \"abc\", which is not a number")]
    [InlineData("rooms,age\n3,1\n\n4\n", "t, line 4: it has 1 fields; the header has 2")]
    [InlineData("rooms,age\n3,\n", "t, line 2: column \"age\" is empty")]
    [InlineData("rooms,age\n3,NaN\n", "t, line 2: column \"age\" holds \"NaN\", which is not a finite number")]
    public void A_bad_row_throws_naming_its_line_and_column(string text, string message)
    {
        var exception = Assert.Throws<CsvDataException>(() => CsvFile.ReadRegression<float>(new StringReader(text), "t", "age"));
        Assert.StartsWith(message, exception.Message);
    }

    [Fact]
    public void Bad_rows_can_be_skipped_and_are_listed_by_line()
    {
        const string text = "x,y\n1,2\nfoo,3\n4,5\n6\n";
        CsvData<float> data = CsvFile.ReadRegression<float>(new StringReader(text), "t", "y", new CsvReadOptions { SkipBadRows = true });

        Assert.Equal(new float[] { 1, 4 }, data.Features);
        Assert.Equal(new float[] { 2, 5 }, data.Targets);
        Assert.Equal(new[] { 3, 5 }, Array.ConvertAll([.. data.SkippedRows], r => r.Line));
    }

    [Fact]
    public void A_missing_column_is_rejected_listing_the_columns_there_are()
    {
        var exception = Assert.Throws<ArgumentException>(() => CsvFile.ReadRegression<float>(new StringReader(Houses), "houses", "value"));
        Assert.Contains("houses has no column \"value\"; its columns are rooms, age, price, k$, city", exception.Message);
    }

    [Fact]
    public void Numbers_are_read_in_the_invariant_culture_whatever_the_current_one()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            Assert.Equal(new float[] { 10.5f }, CsvFile.ReadRegression<float>(new StringReader("x,y\n10.5,1\n"), "t", "y").Features);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void The_shipped_housing_file_is_the_one_its_README_describes()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", "boston-house-prices.csv");
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        Assert.Equal("56768d9caa52a8bdb6e946b3494c1926fc7ad7da70b3332ba5984985800bb8b6", hash); // as samples/NetGen.Samples/Data/README.md states

        CsvData<double> data = CsvFile.ReadRegression<double>(path, "cmedv", new CsvReadOptions { Features = ["rm", "lstat"] });
        Assert.Equal(506, data.Count);
        Assert.Equal(new[] { 6.575, 4.98 }, data.Features[..2]);
        Assert.Equal(24.0, data.Targets[0]);
    }
}
