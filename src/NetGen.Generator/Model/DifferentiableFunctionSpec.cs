namespace NetGen.Generator.Model;

/// <summary>What a value in a differentiable body is: a real (float or double, differentiated), an integer or a flag.</summary>
internal enum ValueKind
{
    /// <summary>A value of the method's real type.</summary>
    Real,

    /// <summary>An int.</summary>
    Integer,

    /// <summary>A bool.</summary>
    Boolean,

    /// <summary>
    /// A double inside a float method, e.g. <c>Math.Sin(x)</c> under <c>(float)</c>: differentiated like a real, with its
    /// adjoint contributions narrowed back to float.
    /// </summary>
    WideReal,
}

/// <summary>The kinds of parameter a differentiable method may take.</summary>
internal enum ParameterKind
{
    Real,
    Integer,
    RealSpan,
}

/// <summary>A parameter of a differentiable method.</summary>
internal sealed record ParameterSpec(string Name, ParameterKind Kind);

/// <summary>A local of the body, hoisted to the top of the generated method under a name unique in it.</summary>
internal sealed record LocalSpec(string Name, ValueKind Kind);

/// <summary>
/// A [Differentiable] method lowered to a small intermediate form: locals, statements and the returned expression,
/// with every name already resolved. Equatable, so the pipeline caches it.
/// </summary>
internal sealed record DifferentiableFunctionSpec(
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    string HintName,
    string Name,
    string Modifiers,
    string RealType,
    EquatableArray<ParameterSpec> Parameters,
    EquatableArray<LocalSpec> Locals,
    EquatableArray<Statement> Body,
    Expression Result);

/// <summary>The result of parsing one [Differentiable] method.</summary>
internal sealed record DifferentiableParseResult(DifferentiableFunctionSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>An expression of the intermediate form.</summary>
internal abstract record Expression(ValueKind Kind);

/// <summary>A literal or constant, printed as written.</summary>
internal sealed record ConstantExpression(string Text, ValueKind Kind) : Expression(Kind);

/// <summary>A parameter or local.</summary>
internal sealed record VariableExpression(string Name, ValueKind Kind) : Expression(Kind);

/// <summary>An element of a span parameter, <c>Span[Index]</c>.</summary>
internal sealed record ElementExpression(string Span, Expression Index) : Expression(ValueKind.Real);

/// <summary><c>Span.Length</c>.</summary>
internal sealed record LengthExpression(string Span) : Expression(ValueKind.Integer);

/// <summary>A prefix operator: -, +, !.</summary>
internal sealed record UnaryExpression(string Operator, Expression Operand, ValueKind Kind) : Expression(Kind);

/// <summary>An infix operator: arithmetic, comparison or logical.</summary>
internal sealed record BinaryExpression(string Operator, Expression Left, Expression Right, ValueKind Kind) : Expression(Kind);

/// <summary><c>Condition ? WhenTrue : WhenFalse</c>.</summary>
internal sealed record ConditionalExpression(Expression Condition, Expression WhenTrue, Expression WhenFalse, ValueKind Kind) : Expression(Kind);

/// <summary>A cast, e.g. <c>(double)i</c>.</summary>
internal sealed record CastExpression(string Type, Expression Operand, ValueKind Kind) : Expression(Kind);

/// <summary>A call of a Math or MathF function, by its simple name (Sin, Pow, Max…), with the class that holds it.</summary>
internal sealed record MathCallExpression(string Class, string Function, EquatableArray<Expression> Arguments, ValueKind Kind) : Expression(Kind);

/// <summary>
/// A call of another [Differentiable] method: <see cref="Target"/> is its name as callable from here, and the reverse
/// sweep calls <c>Target + "Gradient"</c>, which has an out parameter for each real parameter
/// (<see cref="RealParameters"/>).
/// </summary>
internal sealed record DifferentiableCallExpression(string Target, EquatableArray<Expression> Arguments, EquatableArray<bool> RealParameters)
    : Expression(ValueKind.Real);

/// <summary>A statement of the intermediate form.</summary>
internal abstract record Statement;

/// <summary><c>Variable = Value</c>; declarations and compound assignments are lowered to it.</summary>
internal sealed record AssignmentStatement(string Variable, ValueKind Kind, Expression Value) : Statement;

/// <summary><c>if (Condition) Then else Else</c>.</summary>
internal sealed record IfStatement(Expression Condition, EquatableArray<Statement> Then, EquatableArray<Statement> Else) : Statement;

/// <summary><c>for (Initializers; Condition; Increments) Body</c>.</summary>
internal sealed record ForStatement(EquatableArray<Statement> Initializers, Expression Condition, EquatableArray<Statement> Increments, EquatableArray<Statement> Body) : Statement;
