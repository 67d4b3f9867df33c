using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.Tests;

/// <summary>The IDX reader and the digit loader: what they return for good files, and how they reject bad ones.</summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Every_byte_becomes_its_intensity_exactly()
    {
        // 3 images of 15 × 7: 105 bytes each, so that the 315 pixels end in a partial vector; every byte value appears.
        byte[] pixels = Enumerable.Range(0, 315).Select(i => (byte)(i * 37 % 256)).ToArray();
        Assert.Equal(256, pixels.Distinct().Count());
        string images = WriteGzip("images.gz", Idx([3, 15, 7], pixels));
        string labels = WriteGzip("labels.gz", Idx([3], [4, 0, 9]));

        DigitImages digits = DigitImages.Load(images, labels);

        Assert.Equal((3, 15, 7, 105), (digits.Count, digits.Height, digits.Width, digits.PixelsPerImage));
        Assert.Equal([4, 0, 9], digits.Labels);
        for (int i = 0; i < pixels.Length; i++)
        {
            Assert.True(digits.Pixels[i] == pixels[i] / 255f, $"pixel {i}: byte {pixels[i]} gave {digits.Pixels[i]}, expected {pixels[i] / 255f}");
        }
    }

    [Fact]
    public void The_real_digits_load_with_their_shapes_and_every_class()
    {
        string data = Path.Combine(AppContext.BaseDirectory, "Data");
        DigitImages digits = DigitImages.Load(Path.Combine(data, "mnist-10k-images-idx3-ubyte.gz"), Path.Combine(data, "mnist-10k-labels-idx1-ubyte.gz"));

        Assert.Equal((10_000, 28, 28), (digits.Count, digits.Height, digits.Width));
        Assert.Equal(10_000 * 784, digits.Pixels.Length);
        Assert.Equal(Enumerable.Range(0, 10), digits.Labels.Distinct().Order());
        Assert.All(digits.Pixels, value => Assert.InRange(value, 0f, 1f));
        Assert.Equal(1f, digits.Pixels.Max()); // full black (255) occurs in MNIST
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 9, 1 }, "is not an unsigned-byte IDX file: its magic number is 0x00000901, expected 0x000008NN")]
    [InlineData(new byte[] { 1, 0, 8, 1 }, "is not an unsigned-byte IDX file")]
    [InlineData(new byte[] { 0, 0, 8, 0 }, "declares 0 dimensions; an IDX file of images or labels has 1 to 4")]
    [InlineData(new byte[] { 0, 0, 8, 5 }, "declares 5 dimensions")]
    [InlineData(new byte[] { 0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 0 }, "dimension 1 is 0; every dimension must be positive")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0x80, 0, 0, 0 }, "dimension 0 is -2147483648")]
    [InlineData(new byte[] { 0, 0, 8, 3, 0, 0, 0x80, 0, 0, 0, 0x80, 0, 0, 0, 0, 2 }, "declares more than 1073741824 values")] // 2¹⁵ · 2¹⁵ · 2
    [InlineData(new byte[] { 0, 0, 8 }, "ends before the magic number")]
    [InlineData(new byte[] { 0, 0, 8, 2, 0, 0, 0, 2 }, "ends before dimension 1")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 3, 7, 7 }, "ends before the 3 values its header declares")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 7, 7, 7 }, "has data past the 2 values its header declares")]
    public void A_malformed_file_is_rejected_with_what_was_expected(byte[] file, string message)
    {
        var exception = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(file), "digits.idx"));
        Assert.StartsWith("digits.idx", exception.Message); // the file is named
        Assert.Contains(message, exception.Message);
    }

    [Fact]
    public void Images_and_labels_of_different_counts_or_shapes_are_rejected()
    {
        string images = WriteGzip("images.gz", Idx([2, 2, 2], new byte[8]));
        string threeLabels = WriteGzip("three.gz", Idx([3], new byte[3]));
        string flatImages = WriteGzip("flat.gz", Idx([2, 4], new byte[8]));
        string twoLabels = WriteGzip("two.gz", Idx([2], new byte[2]));

        var counts = Assert.Throws<InvalidDataException>(() => DigitImages.Load(images, threeLabels));
        Assert.Contains("dimensions [2, 2, 2]", counts.Message);
        Assert.Contains("[3]; expected [count, height, width] images and [count] labels", counts.Message);
        Assert.Throws<InvalidDataException>(() => DigitImages.Load(flatImages, twoLabels));
        Assert.Throws<FileNotFoundException>(() => DigitImages.Load(Path.Combine(_folder, "missing.gz"), twoLabels));
    }

    [Fact]
    public void An_uncompressed_file_is_read_as_it_is()
    {
        string path = Path.Combine(_folder, "labels.idx");
        File.WriteAllBytes(path, Idx([4], [1, 2, 3, 4]));

        (int[] dimensions, byte[] values) = IdxReader.Read(path);

        Assert.Equal([4], dimensions);
        Assert.Equal([1, 2, 3, 4], values);
    }

    /// <summary>An IDX file: magic 0x000008NN, big-endian dimensions, then the bytes.</summary>
    private static byte[] Idx(int[] dimensions, byte[] values)
    {
        var file = new MemoryStream();
        file.Write([0, 0, 8, (byte)dimensions.Length]);
        foreach (int dimension in dimensions)
        {
            file.Write([(byte)(dimension >> 24), (byte)(dimension >> 16), (byte)(dimension >> 8), (byte)dimension]);
        }

        file.Write(values);
        return file.ToArray();
    }

    private string WriteGzip(string name, byte[] content)
    {
        string path = Path.Combine(_folder, name);
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gzip.Write(content);
        }

        return path;
    }
}
