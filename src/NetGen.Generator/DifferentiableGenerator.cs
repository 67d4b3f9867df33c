using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator;

/// <summary>
/// Generates <c>{Name}Gradient</c> for every static method marked <c>[NetGen.Differentiable]</c>: reverse-mode
/// automatic differentiation by source transformation. The parser lowers the body to a small intermediate form; the
/// emitter writes a forward sweep that saves what it overwrites and a reverse sweep that accumulates adjoints.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class DifferentiableGenerator : IIncrementalGenerator
{
    internal const string DifferentiableAttributeName = "NetGen.DifferentiableAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<DifferentiableParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DifferentiableAttributeName,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (syntaxContext, cancellationToken) => Parser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.DifferentiableParseResults);

        IncrementalValuesProvider<DifferentiableFunctionSpec> specs = results
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.DifferentiableSpecs);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .Where(static diagnostics => diagnostics.Count > 0)
            .WithTrackingName(TrackingNames.DifferentiableDiagnostics);

        context.RegisterSourceOutput(specs, static (productionContext, spec) =>
        {
            string source;
            try
            {
                source = Emitter.Emit(spec);
            }
            catch (System.Exception exception) when (exception is not System.OperationCanceledException)
            {
                productionContext.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InternalError, Location.None, spec.Name, exception.GetType().Name + ": " + exception.Message));
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
