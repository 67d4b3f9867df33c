using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator;

/// <summary>
/// Generates the forward pass, backward pass and parameter update of every class marked <c>[NetGen.Network]</c>.
/// The pipeline: find the attribute (syntax only), parse the declaration into an equatable
/// <see cref="NetworkSpec"/> plus diagnostics, then emit source for each valid spec and report the diagnostics.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class NetworkGenerator : IIncrementalGenerator
{
    internal const string NetworkAttributeName = "NetGen.NetworkAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<NetworkParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkAttributeName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (syntaxContext, cancellationToken) => Parser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.NetworkParseResults);

        GeneratorOutput.Register(
            context,
            results,
            static result => result.Spec,
            static result => result.Diagnostics,
            static spec => spec.HintName,
            static spec => spec.Type.SimpleName,
            Emitter.Emit,
            TrackingNames.NetworkSpecs,
            TrackingNames.NetworkDiagnostics);

        // A layer attribute on a class without [Network] would otherwise be ignored silently (NG0015).
        foreach (string layerAttribute in Parser.LayerAttributeNames)
        {
            IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> orphans = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    layerAttribute,
                    predicate: static (node, _) => node is TypeDeclarationSyntax,
                    transform: static (syntaxContext, cancellationToken) => Parser.LayersWithoutNetwork(syntaxContext, cancellationToken))
                .Where(static diagnostics => diagnostics.Count > 0)
                .WithTrackingName(TrackingNames.LayersWithoutNetwork);
            context.RegisterSourceOutput(orphans, static (productionContext, diagnostics) =>
            {
                foreach (DiagnosticInfo diagnostic in diagnostics)
                {
                    productionContext.ReportDiagnostic(diagnostic.ToDiagnostic());
                }
            });
        }
    }
}
