using Microsoft.CodeAnalysis;

namespace NetGen.Generator;

/// <summary>
/// Every diagnostic NetGen reports. Ids are stable: a user may suppress one by id, and docs/diagnostics.md describes
/// each. Every message says what to change.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NetGen";

    public static readonly DiagnosticDescriptor NotPartial = new(
        id: "NG0001",
        title: "A network class and every type containing it must be partial",
        messageFormat: "'{0}' must be declared partial, because NetGen adds the generated members of network '{1}' in another part of it; add the 'partial' modifier",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SizeNotPositive = new(
        id: "NG0002",
        title: "Inputs and layer units must be greater than zero",
        messageFormat: "{0} must be greater than zero, but is {1}; {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NoLayers = new(
        id: "NG0003",
        title: "A network needs at least one Dense layer",
        messageFormat: "Network '{0}' declares no layers; add at least one [Dense(units, activation)] attribute to the class, the last one being the output layer",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SoftmaxNotLast = new(
        id: "NG0004",
        title: "Softmax is only allowed on the last layer",
        messageFormat: "Layer {0} of '{1}' uses Softmax, which is only allowed on the last (output) layer; use another activation here, or make Softmax the activation of the last [Dense]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LossNeedsOutputActivation = new(
        id: "NG0005",
        title: "The loss does not fit the output layer's activation",
        messageFormat: "Loss.{0} needs a {1} output layer, but the last layer of '{2}' uses {3}; {4}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MultipleOptimizers = new(
        id: "NG0006",
        title: "A network has at most one optimizer",
        messageFormat: "'{0}' declares more than one optimizer ([{1}] and [{2}]); keep exactly one optimizer attribute",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayersOnSeveralParts = new(
        id: "NG0007",
        title: "Layers must be declared on one part of a partial class",
        messageFormat: "The layers of '{0}' are declared on more than one part of the partial class; move every [Dense] onto one declaration, so that their order is the order written",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidArgumentValue = new(
        id: "NG0008",
        title: "A numeric argument is out of range",
        messageFormat: "{0} of [{1}] is {2}; it must be {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotAClass = new(
        id: "NG0009",
        title: "A network must be a non-static class",
        messageFormat: "'{0}' is {1}; [Network] goes on a non-static partial class or record class, which holds the network's parameters and buffers",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UndefinedEnumValue = new(
        id: "NG0010",
        title: "An enum argument has no defined value",
        messageFormat: "{0} is {1}, which is not a defined {2} value; use one of {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTooLarge = new(
        id: "NG0011",
        title: "The network has too many parameters",
        messageFormat: "'{0}' needs an array of {1} values for its parameters (or for its optimizer's state vectors, which share one array), more than one array can hold ({2}); make the layers smaller",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnreadableAttribute = new(
        id: "NG0012",
        title: "A NetGen attribute could not be read",
        messageFormat: "[{0}] could not be read, so '{1}' is not generated; fix the errors in this attribute's arguments",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableNotStatic = new(
        id: "NG0100",
        title: "A [Differentiable] method must be static",
        messageFormat: "'{0}' is not static; [Differentiable] differentiates static functions of their parameters, so make it static",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableTypeNotPartial = new(
        id: "NG0101",
        title: "The type holding a [Differentiable] method must be partial",
        messageFormat: "'{0}' must be declared partial, because NetGen adds the gradient of '{1}' in another part of it; add the 'partial' modifier",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableUnsupportedType = new(
        id: "NG0102",
        title: "A [Differentiable] method computes in float or double",
        messageFormat: "{0} has type '{1}'; a [Differentiable] method returns float or double and takes values of that type, int, or ReadOnlySpan of that type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableWhileLoop = new(
        id: "NG0103",
        title: "while and do loops cannot be differentiated",
        messageFormat: "'{0}' loops are not supported in a [Differentiable] method; write a for loop (for example over a ReadOnlySpan parameter's Length)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableUnknownCall = new(
        id: "NG0104",
        title: "Only Math functions and [Differentiable] methods can be called",
        messageFormat: "'{0}' cannot be differentiated; call Math or MathF functions (Sin, Cos, Tan, Exp, Log, Log10, Sqrt, Pow, Abs, Tanh, Sinh, Cosh, Atan, Asin, Acos, Max, Min) or methods marked [Differentiable]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableWritesState = new(
        id: "NG0105",
        title: "A [Differentiable] method may only assign its locals and parameters",
        messageFormat: "Assigning '{0}' is not supported in a [Differentiable] method: a gradient is a function of the parameters, so write only to locals and parameters",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableRefParameter = new(
        id: "NG0106",
        title: "ref, out and in parameters cannot be differentiated",
        messageFormat: "Parameter '{0}' is passed by reference ({1}); a [Differentiable] method takes its inputs by value and returns its result",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableRecursion = new(
        id: "NG0107",
        title: "A [Differentiable] method cannot call itself",
        messageFormat: "'{0}' calls itself; recursion cannot be differentiated at compile time, so write it as a for loop",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableUnsupportedConstruct = new(
        id: "NG0108",
        title: "A construct in a [Differentiable] method is not supported",
        messageFormat: "{0} is not supported in a [Differentiable] method; {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DifferentiableNotAMethod = new(
        id: "NG0109",
        title: "[Differentiable] applies to static methods of a type, not to local functions or lambdas",
        messageFormat: "{0} is marked [Differentiable], but NetGen generates gradients only for static methods of a partial type; move it to a static method of the type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidCustomActivation = new(
        id: "NG0013",
        title: "A custom activation must be a [Differentiable] function of one value",
        messageFormat: "CustomActivation '{0}' of layer {1} cannot be used: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MemberCollision = new(
        id: "NG0014",
        title: "A member of the network class has a name the generated code uses",
        messageFormat: "'{0}' {2} a member named '{1}', which NetGen generates for the network; rename it (or, for a base class, derive from another class)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerWithoutNetwork = new(
        id: "NG0015",
        title: "A layer attribute on a class without [Network]",
        messageFormat: "[{0}] declares a layer, but '{1}' has no [Network] attribute; add [Network(Inputs = n)] (or InputShape = …) to the class, or remove the layer",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidInputShape = new(
        id: "NG0016",
        title: "The network's input shape is not valid",
        messageFormat: "{0}; {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerShapeMismatch = new(
        id: "NG0017",
        title: "A layer does not fit the shape it is given",
        messageFormat: "{0}; {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LanguageVersionTooOld = new(
        id: "NG0018",
        title: "The project's C# is older than the network's generated code needs",
        messageFormat: "'{0}' needs C# {1} or later ({2}), but the project compiles C# {3}; set <LangVersion>{1}</LangVersion> or later in the project file, or remove LangVersion to use the SDK's default",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InternalError = new(
        id: "NG0999",
        title: "NetGen failed unexpectedly",
        messageFormat: "NetGen could not generate '{0}' because of an internal error ({1}); please report it with this declaration",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
