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
                // Local functions and lambdas are taken too, only to report NG0109: ignoring them would be silent.
                predicate: static (node, _) => node is MethodDeclarationSyntax or LocalFunctionStatementSyntax or LambdaExpressionSyntax,
                transform: static (syntaxContext, cancellationToken) => Parser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.DifferentiableParseResults);

        GeneratorOutput.Register(
            context,
            results,
            static result => result.Spec,
            static result => result.Diagnostics,
            static spec => spec.HintName,
            static spec => spec.Name,
            Emitter.Emit,
            TrackingNames.DifferentiableSpecs,
            TrackingNames.DifferentiableDiagnostics);
    }
}
