using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator;

/// <summary>How both generators name and repeat the type declarations they add partial members to.</summary>
internal static class TypeDeclarations
{
    /// <summary>The declaration as a generated partial repeats it: keyword, and name with type parameters.</summary>
    public static TypeDeclarationSpec Describe(TypeDeclarationSyntax type)
    {
        string keyword = type switch
        {
            RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
            RecordDeclarationSyntax => "record",
            _ => type.Keyword.ValueText,
        };
        return new TypeDeclarationSpec(keyword, type.Identifier.ValueText + (type.TypeParameterList?.ToString() ?? string.Empty), type.Identifier.ValueText);
    }

    /// <summary>A file name unique to the type: namespace, containing types and metadata names (arity as _N).</summary>
    public static string HintName(INamedTypeSymbol symbol)
    {
        var parts = new List<string>();
        for (INamedTypeSymbol? type = symbol; type is not null; type = type.ContainingType)
        {
            parts.Insert(0, type.MetadataName.Replace('`', '_'));
        }

        if (!symbol.ContainingNamespace.IsGlobalNamespace)
        {
            parts.Insert(0, symbol.ContainingNamespace.ToDisplayString());
        }

        return string.Join(".", parts);
    }

    /// <summary>
    /// The types enclosing <paramref name="node"/>, outermost first, reporting <paramref name="notPartial"/> at each
    /// that is not partial.
    /// </summary>
    public static EquatableArray<TypeDeclarationSpec> Enclosing(SyntaxNode node, List<DiagnosticInfo> diagnostics, DiagnosticDescriptor notPartial, string memberName)
    {
        var enclosing = new List<TypeDeclarationSpec>();
        for (SyntaxNode? parent = node.Parent; parent is TypeDeclarationSyntax type; parent = parent.Parent)
        {
            if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(notPartial, type.Identifier.GetLocation(), type.Identifier.Text, memberName));
            }

            enclosing.Insert(0, Describe(type));
        }

        return new EquatableArray<TypeDeclarationSpec>(enclosing.ToArray());
    }
}
