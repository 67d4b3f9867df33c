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

        IncrementalValuesProvider<NetworkSpec> specs = results
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.NetworkSpecs);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .Where(static diagnostics => diagnostics.Count > 0)
            .WithTrackingName(TrackingNames.NetworkDiagnostics);

        context.RegisterSourceOutput(specs, static (productionContext, spec) =>
        {
            string source;
            try
            {
                source = Emitter.Emit(spec);
            }
            catch (System.Exception exception) when (exception is not System.OperationCanceledException)
            {
                // A generator that throws is silently dropped by the compiler (CS8785); say what happened instead.
                productionContext.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InternalError, Location.None, spec.Type.SimpleName, exception.GetType().Name + ": " + exception.Message));
                return;
            }

            productionContext.AddSource(spec.HintName, source);
        });

        context.RegisterSourceOutput(diagnostics, static (productionContext, diagnosticInfos) =>
        {
            foreach (DiagnosticInfo info in diagnosticInfos)
            {
                productionContext.ReportDiagnostic(info.ToDiagnostic());
            }
        });
    }
}
