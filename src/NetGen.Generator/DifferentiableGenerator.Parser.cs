using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class DifferentiableGenerator
{
    /// <summary>Lowers a [Differentiable] method to a <see cref="DifferentiableFunctionSpec"/>, or reports why it cannot.</summary>
    internal static class Parser
    {
        /// <summary>The Math and MathF functions the reverse sweep knows the derivative of.</summary>
        internal static readonly ImmutableHashSet<string> MathFunctions = ImmutableHashSet.Create(
            "Sin", "Cos", "Tan", "Exp", "Log", "Log10", "Sqrt", "Pow", "Abs", "Tanh", "Sinh", "Cosh", "Atan", "Asin", "Acos", "Max", "Min");

        public static DifferentiableParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            if (context.TargetNode is not MethodDeclarationSyntax method)
            {
                // A local function or a lambda: no type to add a gradient to, and no name a caller could reach it by.
                SyntaxNode at = context.Attributes.FirstOrDefault()?.ApplicationSyntaxReference?.GetSyntax(cancellationToken) ?? context.TargetNode;
                string what = context.TargetNode is LocalFunctionStatementSyntax local ? $"The local function '{local.Identifier.ValueText}'" : "A lambda";
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DifferentiableNotAMethod, at.GetLocation(), what));
                return new DifferentiableParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
            }

            try
            {
                DifferentiableFunctionSpec? spec = new Lowering(context, method, diagnostics, cancellationToken).Run();
                return new DifferentiableParseResult(diagnostics.Count == 0 ? spec : null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InternalError, method.Identifier.GetLocation(), method.Identifier.Text, exception.GetType().Name + ": " + exception.Message));
                return new DifferentiableParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
            }
        }

        /// <summary>A name as a C# identifier: a keyword gets its @ back (a parameter <c>@in</c> has the name "in").</summary>
        internal static string Identifier(string name)
            => SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None ? name : "@" + name;

        /// <summary>One method's lowering: resolves names with the semantic model and reports each unsupported construct.</summary>
        private sealed class Lowering(GeneratorAttributeSyntaxContext context, MethodDeclarationSyntax method, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            private readonly IMethodSymbol _symbol = (IMethodSymbol)context.TargetSymbol;
            private readonly SemanticModel _model = context.SemanticModel;
            private readonly Dictionary<ILocalSymbol, string> _localNames = new(SymbolEqualityComparer.Default);
            private readonly List<LocalSpec> _locals = new();
            private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
            private SpecialType _real;

            public DifferentiableFunctionSpec? Run()
            {
                string name = _symbol.Name;
                if (!_symbol.IsStatic)
                {
                    Report(DiagnosticDescriptors.DifferentiableNotStatic, method.Identifier, name);
                }

                EquatableArray<TypeDeclarationSpec> containing = TypeDeclarations.Enclosing(method, diagnostics, DiagnosticDescriptors.DifferentiableTypeNotPartial, name);
                _real = _symbol.ReturnType.SpecialType;
                if (_real is not (SpecialType.System_Double or SpecialType.System_Single))
                {
                    Report(DiagnosticDescriptors.DifferentiableUnsupportedType, method.ReturnType, "The return type", _symbol.ReturnType.ToDisplayString());
                    return null;
                }

                var parameters = new List<ParameterSpec>();
                foreach ((IParameterSymbol parameter, ParameterSyntax syntax) in _symbol.Parameters.Zip(method.ParameterList.Parameters, (p, s) => (p, s)))
                {
                    _usedNames.Add(parameter.Name);
                    if (parameter.RefKind != RefKind.None)
                    {
                        Report(DiagnosticDescriptors.DifferentiableRefParameter, syntax, parameter.Name, parameter.RefKind.ToString().ToLowerInvariant());
                        continue;
                    }

                    ParameterKind? kind = parameter.Type.SpecialType == _real ? ParameterKind.Real
                        : parameter.Type.SpecialType == SpecialType.System_Int32 ? ParameterKind.Integer
                        : IsRealSpan(parameter.Type) ? ParameterKind.RealSpan
                        : null;
                    if (kind is null)
                    {
                        Report(DiagnosticDescriptors.DifferentiableUnsupportedType, (SyntaxNode?)syntax.Type ?? syntax, $"Parameter '{parameter.Name}'", parameter.Type.ToDisplayString());
                        continue;
                    }

                    parameters.Add(new ParameterSpec(parameter.Name, kind.Value));
                }

                (List<Statement> body, Expression? result) = LowerBody();
                if (result is null || diagnostics.Count > 0)
                {
                    return null;
                }

                string modifiers = SyntaxFacts.GetText(_symbol.DeclaredAccessibility) + " static";
                return new DifferentiableFunctionSpec(
                    Namespace: _symbol.ContainingNamespace.IsGlobalNamespace ? null : _symbol.ContainingNamespace.ToDisplayString(),
                    ContainingTypes: containing,
                    HintName: $"{TypeDeclarations.HintName(_symbol.ContainingType)}.{name}({SignatureForFileName()}).Gradient.g.cs",
                    Name: name,
                    Modifiers: modifiers,
                    RealType: _real == SpecialType.System_Double ? "double" : "float",
                    Parameters: new EquatableArray<ParameterSpec>(parameters.ToArray()),
                    Locals: new EquatableArray<LocalSpec>(_locals.ToArray()),
                    Body: new EquatableArray<Statement>(body.ToArray()),
                    Result: result);
            }

            /// <summary>The parameter types, so that overloads get files of their own, e.g. "double,ReadOnlySpan_double_".</summary>
            private string SignatureForFileName()
                => string.Join(",", _symbol.Parameters.Select(p => new string(p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)
                    .Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray())));

            /// <summary>The statements and the returned expression. A final if/else whose branches both return becomes an assignment to a result local.</summary>
            private (List<Statement> Body, Expression? Result) LowerBody()
            {
                if (method.ExpressionBody is { } arrow)
                {
                    return (new List<Statement>(), Lower(arrow.Expression));
                }

                if (method.Body is not { } block)
                {
                    Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, method, "A method without a body", "give it a body that returns the value");
                    return (new List<Statement>(), null);
                }

                IReadOnlyList<StatementSyntax> statements = Executed(block.Statements);
                if (statements.LastOrDefault() is ReturnStatementSyntax { Expression: { } returned })
                {
                    return (LowerStatements(statements.Take(statements.Count - 1)), Lower(returned));
                }

                string resultName = UniqueName("result");
                _locals.Add(new LocalSpec(resultName, ValueKind.Real));
                List<Statement>? body = LowerReturningStatements(statements, resultName, block);
                return (body ?? new List<Statement>(), body is null ? null : new VariableExpression(resultName, ValueKind.Real));
            }

            /// <summary>Statements that end in a return, or in an if/else whose branches do, with each return assigning <paramref name="result"/>.</summary>
            private List<Statement>? LowerReturningStatements(IReadOnlyList<StatementSyntax> statements, string result, SyntaxNode owner)
            {
                StatementSyntax? last = statements.LastOrDefault();
                while (last is BlockSyntax nested && Executed(nested.Statements).Count > 0 && statements.Count == 1)
                {
                    statements = Executed(nested.Statements);
                    last = statements.Last();
                }

                List<Statement> lowered = LowerStatements(statements.Take(statements.Count - 1));
                switch (last)
                {
                    case ReturnStatementSyntax { Expression: { } returned }:
                        lowered.Add(new AssignmentStatement(result, ValueKind.Real, Lower(returned)));
                        return lowered;
                    case IfStatementSyntax { Else: { } otherwise } conditional:
                        List<Statement>? then = LowerReturningStatements(Statements(conditional.Statement), result, conditional.Statement);
                        List<Statement>? elseBranch = LowerReturningStatements(Statements(otherwise.Statement), result, otherwise.Statement);
                        if (then is null || elseBranch is null)
                        {
                            return null;
                        }

                        lowered.Add(new IfStatement(Lower(conditional.Condition), new EquatableArray<Statement>(then.ToArray()), new EquatableArray<Statement>(elseBranch.ToArray())));
                        return lowered;
                    default:
                        Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, (SyntaxNode?)last ?? owner, "A body that does not end in a return",
                            "end the method with 'return value;', or with an if/else whose branches both end in one");
                        return null;
                }
            }

            private static IReadOnlyList<StatementSyntax> Statements(StatementSyntax statement)
                => statement is BlockSyntax block ? Executed(block.Statements) : new[] { statement };

            /// <summary>
            /// The statements that run: local functions only declare (a call of one is reported where it is made), and
            /// are often written after the return.
            /// </summary>
            private static IReadOnlyList<StatementSyntax> Executed(IReadOnlyList<StatementSyntax> statements)
                => statements.Any(s => s is LocalFunctionStatementSyntax) ? statements.Where(s => s is not LocalFunctionStatementSyntax).ToArray() : statements;

            private List<Statement> LowerStatements(IEnumerable<StatementSyntax> statements)
            {
                var lowered = new List<Statement>();
                foreach (StatementSyntax statement in statements)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    LowerStatement(statement, lowered);
                }

                return lowered;
            }

            private void LowerStatement(StatementSyntax statement, List<Statement> output)
            {
                switch (statement)
                {
                    case BlockSyntax block:
                        output.AddRange(LowerStatements(Executed(block.Statements)));
                        break;
                    case LocalDeclarationStatementSyntax declaration:
                        LowerDeclaration(declaration.Declaration, output);
                        break;
                    case ExpressionStatementSyntax { Expression: var expression }:
                        if (LowerAssignment(expression) is { } assignment)
                        {
                            output.Add(assignment);
                        }

                        break;
                    case IfStatementSyntax conditional:
                        output.Add(new IfStatement(
                            Lower(conditional.Condition),
                            new EquatableArray<Statement>(LowerStatements(Statements(conditional.Statement)).ToArray()),
                            new EquatableArray<Statement>(conditional.Else is null ? Array.Empty<Statement>() : LowerStatements(Statements(conditional.Else.Statement)).ToArray())));
                        break;
                    case ForStatementSyntax loop:
                        LowerFor(loop, output);
                        break;
                    case WhileStatementSyntax or DoStatementSyntax:
                        Report(DiagnosticDescriptors.DifferentiableWhileLoop, statement.GetFirstToken(), statement is WhileStatementSyntax ? "while" : "do");
                        break;
                    case EmptyStatementSyntax:
                        break;
                    case ReturnStatementSyntax:
                        Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, statement, "A return before the end of the method",
                            "return only as the last statement, or at the end of both branches of a final if/else");
                        break;
                    default:
                        Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, statement.GetFirstToken(), $"'{statement.GetFirstToken().Text}'",
                            "use locals, assignments, if/else, for loops and return");
                        break;
                }
            }

            private void LowerDeclaration(VariableDeclarationSyntax declaration, List<Statement> output)
            {
                foreach (VariableDeclaratorSyntax variable in declaration.Variables)
                {
                    if (_model.GetDeclaredSymbol(variable, cancellationToken) is not ILocalSymbol local)
                    {
                        continue;
                    }

                    ValueKind? kind = KindOf(local.Type);
                    if (kind is null)
                    {
                        Report(DiagnosticDescriptors.DifferentiableUnsupportedType, declaration.Type, $"Local '{local.Name}'", local.Type.ToDisplayString());
                        continue;
                    }

                    string name = UniqueName(local.Name);
                    _localNames[local] = name;
                    _locals.Add(new LocalSpec(name, kind.Value));
                    Expression value = variable.Initializer is { } initializer
                        ? Lower(initializer.Value)
                        : new ConstantExpression(kind == ValueKind.Boolean ? "false" : "0", kind.Value);
                    output.Add(new AssignmentStatement(name, kind.Value, value));
                }
            }

            private void LowerFor(ForStatementSyntax loop, List<Statement> output)
            {
                var initializers = new List<Statement>();
                if (loop.Declaration is { } declaration)
                {
                    LowerDeclaration(declaration, initializers);
                }

                foreach (ExpressionSyntax initializer in loop.Initializers)
                {
                    if (LowerAssignment(initializer) is { } assignment)
                    {
                        initializers.Add(assignment);
                    }
                }

                if (loop.Condition is null)
                {
                    Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, loop.ForKeyword, "A for loop without a condition", "give the loop a condition that ends it");
                    return;
                }

                var increments = new List<Statement>();
                foreach (ExpressionSyntax incrementor in loop.Incrementors)
                {
                    if (LowerAssignment(incrementor) is { } assignment)
                    {
                        increments.Add(assignment);
                    }
                }

                output.Add(new ForStatement(
                    new EquatableArray<Statement>(initializers.ToArray()),
                    Lower(loop.Condition),
                    new EquatableArray<Statement>(increments.ToArray()),
                    new EquatableArray<Statement>(LowerStatements(Statements(loop.Statement)).ToArray())));
            }

            /// <summary>Assignments, compound assignments and ++/-- of a local or parameter, as an assignment statement.</summary>
            private AssignmentStatement? LowerAssignment(ExpressionSyntax expression)
            {
                (ExpressionSyntax target, string? op, ExpressionSyntax? value) = expression switch
                {
                    AssignmentExpressionSyntax assignment => (assignment.Left, CompoundOperator(assignment.Kind()), assignment.Right),
                    PostfixUnaryExpressionSyntax postfix => (postfix.Operand, postfix.IsKind(SyntaxKind.PostIncrementExpression) ? "+" : "-", null),
                    PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } prefix
                        => (prefix.Operand, prefix.IsKind(SyntaxKind.PreIncrementExpression) ? "+" : "-", null),
                    InvocationExpressionSyntax call => (call, "call", null),
                    _ => (expression, "unsupported", null),
                };

                if (op == "call")
                {
                    Report(DiagnosticDescriptors.DifferentiableUnknownCall, expression, _model.GetSymbolInfo(expression, cancellationToken).Symbol?.ToDisplayString() ?? expression.ToString());
                    return null;
                }

                if (op == "unsupported")
                {
                    Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, expression, $"The statement '{expression}'", "statements assign a local or parameter");
                    return null;
                }

                ISymbol? symbol = _model.GetSymbolInfo(target, cancellationToken).Symbol;
                if (target is not IdentifierNameSyntax || symbol is not (ILocalSymbol or IParameterSymbol))
                {
                    Report(DiagnosticDescriptors.DifferentiableWritesState, target, target.ToString());
                    return null;
                }

                VariableExpression variable = VariableOf(symbol, target)!;
                if (variable.Kind == ValueKind.Real && op is "%" or "%=")
                {
                    Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, expression, "The operator %", "use + − × ÷");
                    return null;
                }

                Expression right = value is null ? new ConstantExpression("1", ValueKind.Integer) : Lower(value);
                Expression assigned = op is null ? right : new BinaryExpression(op, variable, right, variable.Kind);
                return new AssignmentStatement(variable.Name, variable.Kind, assigned);
            }

            private static string? CompoundOperator(SyntaxKind kind) => kind switch
            {
                SyntaxKind.SimpleAssignmentExpression => null,
                SyntaxKind.AddAssignmentExpression => "+",
                SyntaxKind.SubtractAssignmentExpression => "-",
                SyntaxKind.MultiplyAssignmentExpression => "*",
                SyntaxKind.DivideAssignmentExpression => "/",
                SyntaxKind.ModuloAssignmentExpression => "%",
                _ => "unsupported",
            };

            private Expression Lower(ExpressionSyntax expression)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ITypeSymbol? type = _model.GetTypeInfo(expression, cancellationToken).Type;
                ValueKind kind = KindOf(type) ?? (_real == SpecialType.System_Single && type?.SpecialType == SpecialType.System_Double ? ValueKind.WideReal : ValueKind.Real);
                switch (expression)
                {
                    case ParenthesizedExpressionSyntax parenthesized:
                        return Lower(parenthesized.Expression);
                    case LiteralExpressionSyntax literal:
                        return new ConstantExpression(literal.Token.Text, kind);
                    case IdentifierNameSyntax identifier:
                        return LowerName(identifier, kind);
                    case MemberAccessExpressionSyntax member when _model.GetSymbolInfo(member.Expression, cancellationToken).Symbol is IParameterSymbol span && IsRealSpan(span.Type):
                        if (member.Name.Identifier.Text == "Length")
                        {
                            return new LengthExpression(span.Name);
                        }

                        break;
                    case MemberAccessExpressionSyntax member:
                        return LowerName(member, kind);
                    case ElementAccessExpressionSyntax element
                        when _model.GetSymbolInfo(element.Expression, cancellationToken).Symbol is IParameterSymbol span && IsRealSpan(span.Type) && element.ArgumentList.Arguments.Count == 1:
                        return new ElementExpression(span.Name, Lower(element.ArgumentList.Arguments[0].Expression));
                    case PrefixUnaryExpressionSyntax unary when unary.Kind() is SyntaxKind.UnaryMinusExpression or SyntaxKind.UnaryPlusExpression or SyntaxKind.LogicalNotExpression:
                        return new UnaryExpression(unary.OperatorToken.Text, Lower(unary.Operand), kind);
                    case BinaryExpressionSyntax binary:
                        if (binary.IsKind(SyntaxKind.ModuloExpression) && kind is ValueKind.Real or ValueKind.WideReal)
                        {
                            Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, binary.OperatorToken, "The operator % on real values", "use + − × ÷");
                            return new ConstantExpression("0", kind);
                        }

                        return new BinaryExpression(binary.OperatorToken.Text, Lower(binary.Left), Lower(binary.Right), kind);
                    case ConditionalExpressionSyntax conditional:
                        return new ConditionalExpression(Lower(conditional.Condition), Lower(conditional.WhenTrue), Lower(conditional.WhenFalse), kind);
                    case CastExpressionSyntax cast when KindOf(_model.GetTypeInfo(cast.Type, cancellationToken).Type) is { } castKind:
                        // Written as the keyword, since the user's spelling (Single, System.Double) may not resolve in the generated file.
                        string keyword = castKind switch
                        {
                            ValueKind.Integer => "int",
                            ValueKind.Boolean => "bool",
                            _ => _real == SpecialType.System_Double ? "double" : "float",
                        };
                        return new CastExpression(keyword, Lower(cast.Expression), kind);
                    case InvocationExpressionSyntax call:
                        return LowerCall(call, kind);
                }

                Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, expression, $"The expression '{expression}'",
                    "use numbers, locals, parameters, span elements, + − × ÷, comparisons, ?: and calls of Math functions or [Differentiable] methods");
                return new ConstantExpression("0", kind);
            }

            private Expression LowerName(ExpressionSyntax name, ValueKind kind)
            {
                ISymbol? symbol = _model.GetSymbolInfo(name, cancellationToken).Symbol;
                if (symbol is ILocalSymbol or IParameterSymbol)
                {
                    if (symbol is IParameterSymbol parameter && IsRealSpan(parameter.Type))
                    {
                        Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, name, $"Using the span '{parameter.Name}' as a whole",
                            $"read its elements, {parameter.Name}[i], and its Length");
                        return new ConstantExpression("0", kind);
                    }

                    return VariableOf(symbol, name)!;
                }

                if (symbol is IFieldSymbol { IsConst: true } or IFieldSymbol { IsStatic: true, IsReadOnly: true })
                {
                    // Qualified by its type (Math.PI as global::System.Math.PI), so that it resolves in the generated file.
                    return new ConstantExpression(
                        symbol.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Identifier(symbol.Name), kind);
                }

                Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, name, $"Reading '{name}'",
                    "a gradient is a function of the parameters alone; read parameters, locals and constants");
                return new ConstantExpression("0", kind);
            }

            private Expression LowerCall(InvocationExpressionSyntax call, ValueKind kind)
            {
                if (_model.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol target)
                {
                    Report(DiagnosticDescriptors.DifferentiableUnknownCall, call, call.Expression.ToString());
                    return new ConstantExpression("0", kind);
                }

                if (LowerArguments(call, target) is not { } arguments)
                {
                    return new ConstantExpression("0", kind);
                }

                string? mathClass = target.ContainingType.ToDisplayString() switch
                {
                    "System.Math" => "global::System.Math",
                    "System.MathF" => "global::System.MathF",
                    _ => null,
                };
                if (mathClass is not null && MathFunctions.Contains(target.Name))
                {
                    return new MathCallExpression(mathClass, target.Name, arguments, kind);
                }

                // A [Differentiable] local function gets no gradient (NG0109 says so at its attribute), so it cannot be called here.
                bool differentiable = target.MethodKind == MethodKind.Ordinary
                    && target.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableAttributeName);
                if (!differentiable)
                {
                    Report(DiagnosticDescriptors.DifferentiableUnknownCall, call, target.ToDisplayString());
                    return new ConstantExpression("0", kind);
                }

                if (SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, _symbol.OriginalDefinition))
                {
                    Report(DiagnosticDescriptors.DifferentiableRecursion, call, _symbol.Name);
                    return new ConstantExpression("0", kind);
                }

                if (target.Parameters.Any(p => IsRealSpan(p.Type)) || target.ReturnType.SpecialType != _real)
                {
                    Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, call, $"The call of '{target.Name}'",
                        $"a [Differentiable] method called from another must take scalars and return {(_real == SpecialType.System_Double ? "double" : "float")}");
                    return new ConstantExpression("0", kind);
                }

                string callable = SymbolEqualityComparer.Default.Equals(target.ContainingType, _symbol.ContainingType)
                    ? Identifier(target.Name)
                    : target.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Identifier(target.Name);
                return new DifferentiableCallExpression(callable, arguments, new EquatableArray<bool>(target.Parameters.Select(p => p.Type.SpecialType == _real).ToArray()));
            }

            /// <summary>
            /// The arguments in the order of the callee's parameters, whatever order the call names them in
            /// (<c>Math.Pow(y: 2, x: x)</c> is x²), with each omitted optional argument as its default value.
            /// </summary>
            private EquatableArray<Expression>? LowerArguments(InvocationExpressionSyntax call, IMethodSymbol target)
            {
                var bound = new Expression?[target.Parameters.Length];
                if (_model.GetOperation(call, cancellationToken) is not IInvocationOperation invocation)
                {
                    Report(DiagnosticDescriptors.DifferentiableUnknownCall, call, target.ToDisplayString());
                    return null;
                }

                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    if (argument.Parameter is not { } parameter || argument.ArgumentKind == ArgumentKind.ParamArray || parameter.RefKind != RefKind.None)
                    {
                        Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, argument.Syntax, $"The argument '{argument.Syntax}'", "pass each value by itself, by value");
                        return null;
                    }

                    if (argument.ArgumentKind == ArgumentKind.DefaultValue)
                    {
                        if (DefaultValue(parameter) is not { } text)
                        {
                            Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, call, $"Omitting the argument '{parameter.Name}' of '{target.Name}'", "pass it explicitly");
                            return null;
                        }

                        bound[parameter.Ordinal] = new ConstantExpression(text, KindOf(parameter.Type) ?? ValueKind.Real);
                    }
                    else if (argument.Syntax.FirstAncestorOrSelf<ArgumentSyntax>() is { } syntax && syntax.Parent == call.ArgumentList)
                    {
                        // The operation's syntax is the argument, or for some (a parenthesized value) the expression in it.
                        bound[parameter.Ordinal] = Lower(syntax.Expression);
                    }
                }

                if (bound.Any(b => b is null))
                {
                    Report(DiagnosticDescriptors.DifferentiableUnknownCall, call, target.ToDisplayString());
                    return null;
                }

                return new EquatableArray<Expression>(bound!);
            }

            /// <summary>An optional parameter's default as a C# literal, in the invariant culture and round-trip format.</summary>
            private static string? DefaultValue(IParameterSymbol parameter)
            {
                if (!parameter.HasExplicitDefaultValue)
                {
                    return null;
                }

                return parameter.ExplicitDefaultValue switch
                {
                    double value when double.IsNaN(value) => "global::System.Double.NaN",
                    double value when double.IsInfinity(value) => value > 0 ? "global::System.Double.PositiveInfinity" : "global::System.Double.NegativeInfinity",
                    double value => value.ToString("R", CultureInfo.InvariantCulture) + "d",
                    float value when float.IsNaN(value) => "global::System.Single.NaN",
                    float value when float.IsInfinity(value) => value > 0 ? "global::System.Single.PositiveInfinity" : "global::System.Single.NegativeInfinity",
                    float value => value.ToString("R", CultureInfo.InvariantCulture) + "f",
                    int value => value.ToString(CultureInfo.InvariantCulture),
                    bool value => value ? "true" : "false",
                    _ => null,
                };
            }

            private VariableExpression? VariableOf(ISymbol symbol, SyntaxNode at)
            {
                switch (symbol)
                {
                    case ILocalSymbol local when _localNames.TryGetValue(local, out string? name):
                        return new VariableExpression(name, KindOf(local.Type) ?? ValueKind.Real);
                    case IParameterSymbol parameter:
                        return new VariableExpression(parameter.Name, KindOf(parameter.Type) ?? ValueKind.Real);
                    default:
                        Report(DiagnosticDescriptors.DifferentiableUnsupportedConstruct, at, $"'{symbol.Name}'", "declare locals before use in the method itself");
                        return new VariableExpression(symbol.Name, ValueKind.Real);
                }
            }

            private ValueKind? KindOf(ITypeSymbol? type) => type?.SpecialType switch
            {
                SpecialType.System_Int32 => ValueKind.Integer,
                SpecialType.System_Boolean => ValueKind.Boolean,
                { } special when special == _real => ValueKind.Real,
                _ => null,
            };

            private bool IsRealSpan(ITypeSymbol type)
                => type is INamedTypeSymbol { Name: "ReadOnlySpan", TypeArguments.Length: 1 } span
                   && span.ContainingNamespace.ToDisplayString() == "System"
                   && span.TypeArguments[0].SpecialType == _real;

            /// <summary>A name not yet used in the generated method: locals of sibling scopes may share a name, hoisted ones may not.</summary>
            private string UniqueName(string name)
            {
                string unique = name;
                for (int suffix = 2; !_usedNames.Add(unique); suffix++)
                {
                    unique = name + "_" + suffix.ToString(CultureInfo.InvariantCulture);
                }

                return unique;
            }

            private void Report(DiagnosticDescriptor descriptor, SyntaxNode? at, params string[] arguments)
                => diagnostics.Add(DiagnosticInfo.Create(descriptor, at?.GetLocation(), arguments));

            private void Report(DiagnosticDescriptor descriptor, SyntaxToken at, params string[] arguments)
                => diagnostics.Add(DiagnosticInfo.Create(descriptor, at.GetLocation(), arguments));
        }
    }
}
