using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generator.Tests;

/// <summary>What the tests that drive the generators directly compile against: this runtime's assemblies and NetGen.Abstractions.</summary>
internal static class TestReferences
{
    public static readonly ImmutableArray<MetadataReference> Runtime = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
        .Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location))
        .ToImmutableArray();
}

/// <summary>The network generator under the Roslyn testing framework.</summary>
internal sealed class GeneratorTest(string source) : GeneratorTest<NetworkGenerator>(source)
{
}

/// <summary>A generator under the Roslyn testing framework, compiling against .NET 8 and NetGen.Abstractions.</summary>
internal class GeneratorTest<TGenerator> : CSharpSourceGeneratorTest<TGenerator, DefaultVerifier>
    where TGenerator : new()
{
    public GeneratorTest(string source)
    {
        ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
        TestState.Sources.Add(source);
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location));
    }

    /// <summary>Expects the generator to add one file with the given text.</summary>
    public GeneratorTest<TGenerator> ExpectingSource(string hintName, string text)
    {
        TestState.GeneratedSources.Add((typeof(TGenerator), hintName, SourceText.From(text, Encoding.UTF8)));
        return this;
    }

    public static string ReadGolden(string fileName)
    {
        string text = File.ReadAllText(Path.Combine(System.AppContext.BaseDirectory, "Golden", fileName)).Replace("\r\n", "\n");
        // The generator's version is scrubbed from the checked-in text.
        return text.Replace("{{GeneratorVersion}}", typeof(NetworkGenerator).Assembly.GetName().Version!.ToString());
    }
}
