using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using NetGen.Tests.Convergence;
using NetGen.Tests.Persistence;
using Xunit;

namespace NetGen.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-files-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Saved(Action<Stream> save)
    {
        using var stream = new MemoryStream();
        save(stream);
        return stream.ToArray();
    }

    [Fact]
    public void Save_then_Load_restores_float_parameters_bit_for_bit()
    {
        var source = new SoftmaxOutputNet();
        source.InitializeParameters(5);
        var target = new SoftmaxOutputNet();
        string path = Path.Combine(_folder, "weights.safetensors");

        source.Save(path);
        target.Load(path);

        Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
    }

    [Fact]
    public void Save_then_Load_restores_double_parameters_bit_for_bit()
    {
        var source = new DoubleNet();
        source.InitializeParameters(6);
        var target = new DoubleNet();

        target.Load(new MemoryStream(Saved(source.Save)));

        Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
    }

    [Fact]
    public void A_file_written_independently_from_known_values_loads_into_the_right_parameters()
    {
        // Built by hand from the safetensors layout, sharing nothing with NetGen's writer; tensors out of order on purpose.
        float[] w0 = Enumerable.Range(0, 32).Select(i => i * 0.5f - 3).ToArray(), b0 = Enumerable.Range(0, 8).Select(i => i + 0.25f).ToArray();
        float[] w1 = Enumerable.Range(0, 24).Select(i => -i * 0.125f).ToArray(), b1 = [7, 8, 9];
        var data = new List<byte>();
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        foreach ((string name, float[] values, string shape) in new[] { ("layers.1.bias", b1, "[3]"), ("layers.0.weight", w0, "[8,4]"), ("layers.1.weight", w1, "[3,8]"), ("layers.0.bias", b0, "[8]") })
        {
            int begin = data.Count;
            foreach (float value in values)
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                data.AddRange(bytes);
            }

            header.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[{begin},{data.Count}]}}");
        }

        byte[] json = Encoding.UTF8.GetBytes(header.Append('}').ToString());
        var file = new byte[8 + json.Length + data.Count];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        var network = new SoftmaxOutputNet();

        network.Load(new MemoryStream(file));

        Assert.Equal([.. w0, .. b0, .. w1, .. b1], network.Parameters.ToArray());
    }

    public static IEnumerable<object[]> Mismatches()
    {
        yield return ["wrong shape", (Func<byte[]>)(() => Saved(new WiderNet().Save)), "layers.0.weight has shape [9, 4]; this network expects [8, 4]"];
        yield return ["wrong dtype", (Func<byte[]>)(() => Rewrite(Saved(new SoftmaxOutputNet().Save), tensors => tensors["layers.1.bias"] = ("F64", new long[] { 3 }, new byte[24]))), "layers.1.bias has dtype F64"];
        yield return ["missing tensor", (Func<byte[]>)(() => Rewrite(Saved(new SoftmaxOutputNet().Save), tensors => tensors.Remove("layers.0.bias"))), "no tensor layers.0.bias"];
        yield return ["extra tensor", (Func<byte[]>)(() => Rewrite(Saved(new SoftmaxOutputNet().Save), tensors => tensors["layers.2.weight"] = ("F32", new long[] { 1 }, new byte[4]))), "tensor layers.2.weight that SoftmaxOutputNet does not have"];
        yield return ["other activations", (Func<byte[]>)(() => Saved(new TanhTwinNet().Save)), "saved from a network with layers"];
    }

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void A_file_for_another_architecture_is_rejected_naming_the_tensor_and_nothing_changes(string name, Func<byte[]> file, string message)
    {
        _ = name;
        var network = new SoftmaxOutputNet();
        float[] before = network.Parameters.ToArray();

        var exception = Assert.Throws<NetGenFormatException>(() => network.Load(new MemoryStream(file())));

        Assert.Contains(message, exception.Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void Ten_thousand_corrupted_files_either_load_or_throw_NetGenFormatException_fast_and_never_change_a_rejecting_network()
    {
        var source = new SoftmaxOutputNet();
        source.InitializeParameters(3);
        byte[] valid = Saved(source.SaveCheckpointTo);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var random = new Random(20261126);
        var network = new SoftmaxOutputNet();
        float[] original = network.Parameters.ToArray();
        int rejected = 0;

        for (int i = 0; i < 10_000; i++)
        {
            byte[] corrupt = Corrupt(valid, headerLength, random, i % 6);
            var clock = Stopwatch.StartNew();
            try
            {
                network.LoadCheckpoint(new MemoryStream(corrupt));
                original = network.Parameters.ToArray(); // a file that loads is a valid file: the new state is legitimate
            }
            catch (NetGenFormatException)
            {
                rejected++;
                Assert.Equal(original, network.Parameters.ToArray());
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"case {i} took {clock.Elapsed}");
        }

        Assert.InRange(rejected, 5_000, 10_000); // most corruptions must be caught, not just survived
    }

    /// <summary>Six kinds of damage: flipped bytes, truncation, a huge header length, broken JSON, overlapping offsets, junk appended.</summary>
    private static byte[] Corrupt(byte[] valid, int headerLength, Random random, int kind)
    {
        byte[] bytes = (byte[])valid.Clone();
        switch (kind)
        {
            case 0:
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)random.NextInt64(headerLength + 1, long.MaxValue));
                return bytes;
            case 3:
                int at = 8 + random.Next(headerLength);
                const string jsonBreakers = "{}[]\":,0x\\";
                bytes[at] = (byte)jsonBreakers[random.Next(jsonBreakers.Length)];
                return bytes;
            case 4:
                string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
                int offsets = header.IndexOf("\"data_offsets\":[", random.Next(header.Length / 2), StringComparison.Ordinal);
                if (offsets < 0)
                {
                    offsets = header.IndexOf("\"data_offsets\":[", StringComparison.Ordinal);
                }

                int digit = offsets + "\"data_offsets\":[".Length;
                bytes[8 + digit] = (byte)('0' + random.Next(10)); // shifts a begin offset, so tensors overlap or leave gaps
                return bytes;
            default:
                return [.. bytes, .. Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256))];
        }
    }

    [Fact]
    public void A_save_that_fails_partway_leaves_the_previous_file_intact_and_no_temporary_file()
    {
        string path = Path.Combine(_folder, "model.safetensors");
        new SoftmaxOutputNet().Save(path);
        byte[] previous = File.ReadAllBytes(path);

        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[100]);
            throw new IOException("disk full");
        }));

        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void A_save_deletes_the_temporaries_that_killed_saves_of_the_same_file_left_behind()
    {
        string path = Path.Combine(_folder, "model.safetensors");
        string[] stale = [.. Enumerable.Range(0, 3).Select(_ => Path.Combine(_folder, $".model.safetensors.{Guid.NewGuid():N}.tmp"))];
        foreach (string temporary in stale)
        {
            File.WriteAllBytes(temporary, new byte[100]); // what a save killed before its rename leaves
        }

        new SoftmaxOutputNet().Save(path);

        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void A_save_keeps_temporaries_of_other_files_other_names_and_saves_still_in_progress()
    {
        string path = Path.Combine(_folder, "model.safetensors");
        string[] kept =
        [
            Path.Combine(_folder, $".other.safetensors.{Guid.NewGuid():N}.tmp"), // another target
            Path.Combine(_folder, $".model.safetensors.{Guid.NewGuid():N}.tmp.bak"), // not the pattern
            Path.Combine(_folder, ".model.safetensors.backup.tmp"), // not a GUID
            Path.Combine(_folder, $".model.safetensors.{Guid.NewGuid():N}X.tmp"), // one character more
            Path.Combine(_folder, $"model.safetensors.{Guid.NewGuid():N}.tmp"), // no leading dot
        ];
        foreach (string file in kept)
        {
            File.WriteAllBytes(file, [1, 2, 3]);
        }

        string inProgress = Path.Combine(_folder, $".model.safetensors.{Guid.NewGuid():N}.tmp");
        using (var writer = new FileStream(inProgress, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            writer.Write(new byte[10]);
            new SoftmaxOutputNet().Save(path);
            writer.Write(new byte[10]);
        }

        Assert.Equal(kept.Append(inProgress).Append(path).Order(StringComparer.Ordinal), Directory.GetFiles(_folder).Order(StringComparer.Ordinal));
        Assert.Equal(20, new FileInfo(inProgress).Length);
    }

    [Fact]
    public void Training_resumed_from_a_checkpoint_is_bit_identical_to_training_that_never_stopped()
    {
        (float[] blobs, float[] y) = ConvergenceTests.Blobs(90, seed: 8);
        float[] x = Enumerable.Range(0, 90 * 4).Select(i => i % 4 < 2 ? blobs[i / 4 * 2 + i % 4] : (float)Math.Sin(i)).ToArray(); // 4 features
        var options = new TrainingOptions { Epochs = 6, BatchSize = 8, Seed = 4, LearningRateSchedule = new StepDecaySchedule(2, 0.5) };
        var uninterrupted = new SoftmaxOutputNet();
        uninterrupted.Fit(x, y, options);

        var first = new SoftmaxOutputNet();
        first.Fit(x, y, new TrainingOptions { Epochs = 3, BatchSize = 8, Seed = 4, LearningRateSchedule = new StepDecaySchedule(2, 0.5) });
        string path = Path.Combine(_folder, "checkpoint.safetensors");
        first.SaveCheckpoint(path, epochsCompleted: 3);
        var resumed = new SoftmaxOutputNet();
        int epochs = resumed.LoadCheckpoint(path);
        resumed.Fit(x, y, new TrainingOptions { Epochs = 6, InitialEpoch = epochs, BatchSize = 8, Seed = 4, LearningRateSchedule = new StepDecaySchedule(2, 0.5) });

        Assert.Equal(3, epochs);
        Assert.Equal(uninterrupted.Parameters.ToArray(), resumed.Parameters.ToArray());
        Assert.Equal(uninterrupted.OptimizerState.ToArray(), resumed.OptimizerState.ToArray());
        Assert.Equal(uninterrupted.OptimizerStep, resumed.OptimizerStep);
    }

    [Fact]
    public void Weights_are_not_a_checkpoint()
    {
        var network = new SoftmaxOutputNet();
        var exception = Assert.Throws<NetGenFormatException>(() => network.LoadCheckpoint(new MemoryStream(Saved(network.Save))));
        Assert.Contains("not a NetGen checkpoint", exception.Message);
    }

    [Fact]
    public void A_text_file_is_rejected_as_not_safetensors_showing_its_first_bytes()
    {
        string path = Path.Combine(_folder, "houses.csv");
        File.WriteAllText(path, "rooms\tarea\n3\t72.5\n4\t90\n");
        var network = new SoftmaxOutputNet();

        var exception = Assert.Throws<NetGenFormatException>(() => network.Load(path));

        Assert.Contains("This is not a safetensors file", exception.Message);
        Assert.Contains("begins \"rooms\\tarea\\n3\\t72.\" (", exception.Message); // the first 16 bytes, tab and newline escaped
        Assert.Contains("72 6F 6F 6D 73", exception.Message); // "rooms" in hex
        Assert.Contains("looks like text", exception.Message);
    }

    [Fact]
    public void A_header_that_is_not_a_JSON_object_is_rejected_as_not_safetensors()
    {
        byte[] file = [.. BitConverter.GetBytes(8UL), .. "PK\u0003\u0004\0\0\0\0"u8];
        var network = new SoftmaxOutputNet();

        var exception = Assert.Throws<NetGenFormatException>(() => network.Load(new MemoryStream(file)));

        Assert.Contains("This is not a safetensors file", exception.Message);
        Assert.Contains("does not begin with '{'", exception.Message);
        Assert.Contains("08 00 00 00 00 00 00 00 50 4B 03 04", exception.Message);
    }

    [Theory]
    [InlineData("[100000000]", "F32")] // 400 MB declared by a file of a few hundred bytes
    [InlineData("[2147483647]", "F64")] // more bytes than an array can hold
    [InlineData("[8, 4]", "F32")] // the real size, but the data is cut short
    public void A_short_stream_that_cannot_seek_is_rejected_without_allocating_what_its_header_declares(string shape, string dtype)
    {
        long count = shape.Trim('[', ']').Split(',').Aggregate(1L, (product, d) => product * long.Parse(d));
        string json = $"{{\"layers.0.weight\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[0,{count * (dtype == "F32" ? 4 : 8)}]}}}}";
        byte[] header = Encoding.UTF8.GetBytes(json);
        byte[] file = [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[64]];
        var network = new SoftmaxOutputNet();
        float[] before = network.Parameters.ToArray();

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var exception = Assert.Throws<NetGenFormatException>(() => network.Load(new ForwardOnlyStream(file)));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.True(allocated < 4 << 20, $"{allocated} bytes allocated to reject a {file.Length}-byte stream: {exception.Message}");
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void A_stream_that_cannot_seek_loads_the_same_parameters_as_a_seekable_one()
    {
        var source = new DoubleNet();
        source.InitializeParameters(6);
        var target = new DoubleNet();

        target.Load(new ForwardOnlyStream(Saved(source.Save)));

        Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
    }

    /// <summary>Reads a NetGen-written file's tensors, lets the test change them, and writes the file again.</summary>
    private static byte[] Rewrite(byte[] file, Action<Dictionary<string, (string Dtype, long[] Shape, byte[] Data)>> change)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        using var document = System.Text.Json.JsonDocument.Parse(file.AsMemory(8, headerLength));
        var tensors = new Dictionary<string, (string, long[], byte[])>();
        foreach (var property in document.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
        {
            long[] offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            tensors[property.Name] = (
                property.Value.GetProperty("dtype").GetString()!,
                property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                file[(int)(8 + headerLength + offsets[0])..(int)(8 + headerLength + offsets[1])]);
        }

        change(tensors);
        var header = new StringBuilder("{");
        var data = new List<byte>();
        foreach ((string name, (string dtype, long[] shape, byte[] bytes)) in tensors)
        {
            header.Append($"{(header.Length > 1 ? "," : "")}\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{data.Count},{data.Count + bytes.Length}]}}");
            data.AddRange(bytes);
        }

        byte[] json = Encoding.UTF8.GetBytes(header.Append('}').ToString());
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. data];
    }
}

internal static class CheckpointStreams
{
    public static void SaveCheckpointTo(this SoftmaxOutputNet network, Stream stream) => network.SaveCheckpoint(stream, epochsCompleted: 2);
}

/// <summary>A stream that reads forward only, as a network socket or a pipe does, delivering a few bytes per read.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int read = Math.Min(Math.Min(count, 7), bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, read);
        _position += read;
        return read;
    }

    public override void Flush() => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
