using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator;

/// <summary>How both generators name and repeat the type declarations they add partial members to.</summary>
internal static class TypeDeclarations
{
    /// <summary>
    /// The declaration as a generated partial repeats it: keyword, and name with type parameters. Both are written as
    /// identifiers, not copied from the source: a keyword used as a name keeps its @, and the type parameters lose
    /// their attributes, which only one part may carry.
    /// </summary>
    public static TypeDeclarationSpec Describe(TypeDeclarationSyntax type)
    {
        string keyword = type switch
        {
            RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
            RecordDeclarationSyntax => "record",
            _ => type.Keyword.ValueText,
        };
        string name = Identifier(type.Identifier.ValueText);
        if (type.TypeParameterList is { } parameters)
        {
            name += "<" + string.Join(", ", parameters.Parameters.Select(parameter => Identifier(parameter.Identifier.ValueText))) + ">";
        }

        return new TypeDeclarationSpec(keyword, name, type.Identifier.ValueText);
    }

    /// <summary>A name as C# source writes it: with an @ when it is a keyword.</summary>
    public static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>The type's namespace as a namespace declaration writes it, e.g. <c>Demo.@if</c>; null for the global namespace.</summary>
    public static string? Namespace(INamedTypeSymbol symbol)
    {
        var parts = new List<string>();
        for (INamespaceSymbol? space = symbol.ContainingNamespace; space is { IsGlobalNamespace: false }; space = space.ContainingNamespace)
        {
            parts.Insert(0, Identifier(space.Name));
        }

        return parts.Count == 0 ? null : string.Join(".", parts);
    }

    /// <summary>
    /// A file name unique to the type by construction: the namespace's parts joined by '.', then each containing type
    /// and the type itself joined by "_n", arity as "_a" and its digits. Only ASCII letters and digits stand for
    /// themselves; '_' is doubled and any other character is "_u" and its four hex digits, so no two types share a
    /// name (namespace A_1's type B is <c>A__1.B</c>, type A&lt;T&gt;'s nested B is <c>A_a1_nB</c>), and a type whose
    /// path differs from another only by case gets a hash suffix, since the compiler compares hint names ignoring case.
    /// </summary>
    public static string HintName(INamedTypeSymbol symbol)
    {
        var types = new List<string>();
        for (INamedTypeSymbol? type = symbol; type is not null; type = type.ContainingType)
        {
            types.Insert(0, Escape(type.Name) + (type.Arity > 0 ? "_a" + type.Arity.ToString(CultureInfo.InvariantCulture) : string.Empty));
        }

        var namespaces = new List<string>();
        for (INamespaceSymbol? space = symbol.ContainingNamespace; space is { IsGlobalNamespace: false }; space = space.ContainingNamespace)
        {
            namespaces.Insert(0, Escape(space.Name));
        }

        string typePath = string.Join("_n", types);
        string hintName = namespaces.Count == 0 ? typePath : string.Join(".", namespaces) + "." + typePath;

        // The compiler compares hint names ignoring case, so Demo.Net and Demo.NET would collide: where a sibling
        // namespace or type differs from one on the path only by case, a hash of the exact name tells them apart.
        return DiffersOnlyByCaseFromASibling(symbol) ? hintName + "_h" + StableHash(hintName) : hintName;
    }

    private static bool DiffersOnlyByCaseFromASibling(INamedTypeSymbol symbol)
    {
        for (ISymbol? member = symbol; member is not null and not INamespaceSymbol { IsGlobalNamespace: true }; member = member.ContainingSymbol)
        {
            IEnumerable<ISymbol> siblings = member.ContainingSymbol switch
            {
                INamespaceSymbol space => space.GetMembers(),
                INamedTypeSymbol type => type.GetTypeMembers(),
                _ => Enumerable.Empty<ISymbol>(),
            };
            if (siblings.Any(sibling => sibling.Name != member.Name && string.Equals(sibling.Name, member.Name, System.StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>FNV-1a over the UTF-16 code units, as 8 hex digits: the same on every machine and in every run.</summary>
    private static string StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    private static string Escape(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9'))
            {
                text.Append(c);
            }
            else if (c == '_')
            {
                text.Append("__");
            }
            else
            {
                text.Append("_u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
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
