using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generator.Model;

/// <summary>A diagnostic with its location kept as plain values, so it can live in a cached pipeline model.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArguments)
        => new(descriptor, LocationInfo.From(location), new EquatableArray<string>(messageArguments));

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Descriptor, Location?.ToLocation(), MessageArguments.ToObjectArray());
}

/// <summary>A source location as values: file, span and line span.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
        => location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);
}

/// <summary>What the parser makes of one [Network] declaration: a spec when it is valid, and every diagnostic found.</summary>
internal sealed record NetworkParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);

internal static class EquatableArrayExtensions
{
    public static object?[] ToObjectArray(this EquatableArray<string> values)
    {
        var result = new object?[values.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}
