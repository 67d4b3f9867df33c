using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace NetGen.Serialization;

/// <summary>The element types NetGen writes and reads in safetensors files.</summary>
public enum TensorType
{
    /// <summary>32-bit IEEE float, "F32".</summary>
    F32,

    /// <summary>64-bit IEEE float, "F64".</summary>
    F64,

    /// <summary>64-bit signed integer, "I64" (counters such as the optimizer step).</summary>
    I64,
}

/// <summary>One tensor of a safetensors file: its name, type, shape and little-endian bytes.</summary>
public sealed record TensorEntry(string Name, TensorType Type, long[] Shape, byte[] Data)
{
    /// <summary>The number of elements, the product of the shape.</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    internal static int SizeOf(TensorType type) => type == TensorType.F32 ? 4 : 8;

    internal static string Code(TensorType type) => type.ToString();
}

/// <summary>
/// The safetensors container as Hugging Face's library and PyTorch read it: an 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON mapping each tensor name to its <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> (begin and
/// end, relative to the data), plus a <c>__metadata__</c> object of strings; then the raw little-endian data.
/// </summary>
public static class Safetensors
{
    /// <summary>The largest header accepted, so that a corrupt length cannot ask for unbounded memory.</summary>
    public const long MaxHeaderBytes = 100 * 1024 * 1024;

    private const string MetadataKey = "__metadata__";

    /// <summary>How many of a file's first bytes an error shows when the file is not safetensors at all.</summary>
    private const int PreviewBytes = 16;

    /// <summary>The first allocation for bytes a stream that cannot seek has not yet delivered.</summary>
    private const int InitialReadBytes = 1 << 16;

    /// <summary>Writes the tensors in the order given, data contiguous, header padded with spaces to a multiple of 8 bytes.</summary>
    public static void Write(Stream stream, IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(MetadataKey);
            foreach ((string key, string value) in metadata)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            long offset = 0;
            foreach (TensorEntry tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", TensorEntry.Code(tensor.Type));
                writer.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.Data.Length;
            }

            writer.WriteEndObject();
        }

        int padding = (int)((8 - json.Length % 8) % 8);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
        stream.Write(length);
        json.Position = 0;
        json.CopyTo(stream);
        for (int i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }

        foreach (TensorEntry tensor in tensors)
        {
            stream.Write(tensor.Data);
        }
    }

    /// <summary>
    /// Reads and validates a whole file: the header length lies within the file and the bound, the JSON is well formed,
    /// every entry has a known dtype, a shape of non-negative dimensions and offsets whose length matches it, and the
    /// entries tile the data exactly (contiguous, no overlap, no gap, nothing after). A stream that cannot seek is read
    /// into arrays that grow as its bytes arrive, so a header that declares more than the stream holds cannot make
    /// Read allocate it.
    /// </summary>
    /// <exception cref="NetGenFormatException">Anything about the file is wrong.</exception>
    public static (IReadOnlyList<TensorEntry> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(stream, lengthBytes, "the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw NotSafetensors(stream, lengthBytes, $"they read as a header length of {headerLength} bytes, more than the {MaxHeaderBytes} NetGen accepts");
        }

        if (stream.CanSeek && (long)headerLength > stream.Length - stream.Position)
        {
            throw NotSafetensors(stream, lengthBytes, $"they read as a header length of {headerLength} bytes, but only {stream.Length - stream.Position} follow them");
        }

        byte[] header = ReadBytes(stream, (long)headerLength, $"the {headerLength}-byte header");
        if (header.Length == 0 || header[0] != (byte)'{')
        {
            throw NotSafetensors(stream, [.. lengthBytes, .. header.AsSpan(0, Math.Min(header.Length, PreviewBytes - lengthBytes.Length))],
                "the JSON header after them does not begin with '{'");
        }

        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw new NetGenFormatException("The header is not valid UTF-8.");
        }

        var entries = new List<(string Name, TensorType Type, long[] Shape, long Begin, long End)>();
        var metadata = new Dictionary<string, string>();
        try
        {
            using JsonDocument document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new NetGenFormatException("The header is not a JSON object.");
            }

            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata);
                    continue;
                }

                entries.Add(ReadEntry(property.Name, property.Value));
            }
        }
        catch (JsonException exception)
        {
            throw new NetGenFormatException($"The header is not well-formed JSON: {exception.Message}", exception);
        }

        if (entries.Select(e => e.Name).Distinct(StringComparer.Ordinal).Count() != entries.Count)
        {
            throw new NetGenFormatException("The header names a tensor twice.");
        }

        // The entries must tile the data: sorted by offset, each begins where the previous ends.
        entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long expectedBegin = 0;
        foreach (var entry in entries)
        {
            if (entry.Begin != expectedBegin)
            {
                throw new NetGenFormatException(entry.Begin < expectedBegin
                    ? $"{entry.Name} overlaps the tensor before it (its data begins at {entry.Begin}, before {expectedBegin})."
                    : $"There is a gap before {entry.Name} (its data begins at {entry.Begin}, not {expectedBegin}).");
            }

            expectedBegin = entry.End;
        }

        if (stream.CanSeek && stream.Length - stream.Position != expectedBegin)
        {
            throw new NetGenFormatException($"The header describes {expectedBegin} bytes of data, but the file holds {stream.Length - stream.Position}.");
        }

        var tensors = new List<TensorEntry>(entries.Count);
        foreach (var entry in entries)
        {
            tensors.Add(new TensorEntry(entry.Name, entry.Type, entry.Shape, ReadBytes(stream, entry.End - entry.Begin, $"the data of {entry.Name}")));
        }

        if (!stream.CanSeek && stream.ReadByte() != -1)
        {
            throw new NetGenFormatException($"The file has data past the {expectedBegin} bytes its header describes.");
        }

        return (tensors, metadata);
    }

    private static (string Name, TensorType Type, long[] Shape, long Begin, long End) ReadEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw new NetGenFormatException($"{name} needs a dtype string, a shape array and two data_offsets.");
        }

        TensorType type = dtype.GetString() switch
        {
            "F32" => TensorType.F32,
            "F64" => TensorType.F64,
            "I64" => TensorType.I64,
            string other => throw new NetGenFormatException($"{name} has dtype {other}; NetGen reads F32, F64 and I64."),
            null => throw new NetGenFormatException($"{name} has no dtype."),
        };

        if (shape.GetArrayLength() > 8)
        {
            throw new NetGenFormatException($"{name} has {shape.GetArrayLength()} dimensions; NetGen reads at most 8.");
        }

        var dimensions = new long[shape.GetArrayLength()];
        long count = 1;
        int index = 0;
        foreach (JsonElement dimension in shape.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long size) || size < 0 || size > int.MaxValue)
            {
                throw new NetGenFormatException($"{name} has an invalid shape: each dimension must be a whole number from 0 to {int.MaxValue}.");
            }

            dimensions[index++] = size;
            count *= size; // both factors are at most int.MaxValue, so the product fits in a long
            if (count > int.MaxValue)
            {
                throw new NetGenFormatException($"{name} has more than {int.MaxValue} elements.");
            }
        }

        long[] bounds = new long[2];
        index = 0;
        foreach (JsonElement offset in offsets.EnumerateArray())
        {
            if (offset.ValueKind != JsonValueKind.Number || !offset.TryGetInt64(out bounds[index++]) || bounds[index - 1] < 0)
            {
                throw new NetGenFormatException($"{name} has invalid data_offsets: they must be whole numbers ≥ 0.");
            }
        }

        if (count * TensorEntry.SizeOf(type) > Array.MaxLength)
        {
            throw new NetGenFormatException(
                $"{name} has shape [{string.Join(", ", dimensions)}] of {type}, {count * TensorEntry.SizeOf(type)} bytes; NetGen reads tensors of at most {Array.MaxLength} bytes.");
        }

        if (bounds[1] - bounds[0] != count * TensorEntry.SizeOf(type))
        {
            throw new NetGenFormatException(
                $"{name} has data_offsets [{bounds[0]}, {bounds[1]}], {bounds[1] - bounds[0]} bytes, but its shape [{string.Join(", ", dimensions)}] of {type} needs {count * TensorEntry.SizeOf(type)}.");
        }

        return (name, type, dimensions, bounds[0], bounds[1]);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new NetGenFormatException("__metadata__ must be an object of strings.");
        }

        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw new NetGenFormatException($"__metadata__.{property.Name} must be a string.");
            }

            metadata[property.Name] = property.Value.GetString()!;
        }
    }

    /// <summary>
    /// Reads <paramref name="length"/> bytes into a new array. A length the stream has been checked to hold is allocated
    /// at once; otherwise (a stream that cannot seek) the array grows as the bytes arrive, so that a header that declares
    /// more than the stream delivers costs at most about twice what was delivered, not what was declared.
    /// </summary>
    private static byte[] ReadBytes(Stream stream, long length, string what)
    {
        if (stream.CanSeek)
        {
            var bytes = new byte[length];
            ReadExactly(stream, bytes, what);
            return bytes;
        }

        var buffer = new byte[Math.Min(length, InitialReadBytes)];
        int filled = 0;
        while (true)
        {
            int read = stream.ReadAtLeast(buffer.AsSpan(filled), buffer.Length - filled, throwOnEndOfStream: false);
            filled += read;
            if (filled < buffer.Length)
            {
                throw new NetGenFormatException($"The file ends before {what}: {filled} of its {length} bytes are there.");
            }

            if (filled == length)
            {
                return buffer;
            }

            Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException exception)
        {
            throw new NetGenFormatException($"The file ends before {what}.", exception);
        }
    }

    /// <summary>
    /// The error for a file that does not begin the way a safetensors file does, showing its first bytes (as text and
    /// in hex) so that the user can tell what it is instead: a CSV, a PyTorch pickle, an ONNX model, a truncated copy.
    /// </summary>
    private static NetGenFormatException NotSafetensors(Stream stream, ReadOnlySpan<byte> firstBytes, string problem)
    {
        Span<byte> preview = stackalloc byte[PreviewBytes];
        firstBytes.CopyTo(preview);
        int length = firstBytes.Length;
        if (length < PreviewBytes)
        {
            // The file is rejected either way; a few more bytes only make the preview more telling.
            length += stream.ReadAtLeast(preview[length..], PreviewBytes - length, throwOnEndOfStream: false);
        }

        preview = preview[..length];
        var text = new StringBuilder();
        int printable = 0;
        foreach (byte b in preview)
        {
            bool isPrintable = b is >= 0x20 and < 0x7F;
            printable += isPrintable || b is (byte)'\t' or (byte)'\r' or (byte)'\n' ? 1 : 0;
            text.Append(b switch
            {
                (byte)'\t' => "\\t",
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                _ when isPrintable => ((char)b).ToString(),
                _ => $"\\x{b:X2}",
            });
        }

        string kind = printable == preview.Length ? ", which looks like text" : string.Empty;
        return new NetGenFormatException(
            $"This is not a safetensors file. A safetensors file begins with the 8-byte little-endian length of its JSON header; here {problem}. "
            + $"The file begins \"{text}\" ({string.Join(" ", preview.ToArray().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)))}){kind}.");
    }
}
