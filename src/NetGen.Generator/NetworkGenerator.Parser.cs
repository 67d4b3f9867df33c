using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    /// <summary>Turns one [Network] declaration into a <see cref="NetworkSpec"/> and the diagnostics it deserves.</summary>
    internal static class Parser
    {
        /// <summary>The base class of every layer attribute; a network's layers are these attributes in source order.</summary>
        private const string LayerAttributeBaseName = "NetGen.LayerAttribute";

        /// <summary>The base class of every optimizer attribute; a network may carry one of them.</summary>
        private const string OptimizerAttributeBaseName = "NetGen.OptimizerAttribute";

        /// <summary>The largest number of elements one .NET array may hold (Array.MaxLength).</summary>
        private const long MaxArrayLength = 0x7FFFFFC7;

        /// <summary>The metadata name of every layer attribute, one per layer kind.</summary>
        public static readonly string[] LayerAttributeNames =
        [
            "NetGen.DenseAttribute", "NetGen.Conv1DAttribute", "NetGen.Conv2DAttribute",
            "NetGen.MaxPool1DAttribute", "NetGen.MaxPool2DAttribute", "NetGen.AvgPool1DAttribute", "NetGen.AvgPool2DAttribute",
            "NetGen.DropoutAttribute", "NetGen.BatchNormAttribute", "NetGen.LayerNormAttribute",
        ];

        /// <summary>NG0015 at each layer attribute of a type that has no [Network] attribute; nothing when it has one.</summary>
        public static EquatableArray<DiagnosticInfo> LayersWithoutNetwork(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol.GetAttributes().Any(attribute => attribute.AttributeClass?.ToDisplayString() == NetworkAttributeName))
            {
                return EquatableArray<DiagnosticInfo>.Empty;
            }

            return new EquatableArray<DiagnosticInfo>(context.Attributes
                .Select(attribute => DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayerWithoutNetwork,
                    attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation(),
                    attribute.AttributeClass!.Name.Substring(0, attribute.AttributeClass.Name.Length - "Attribute".Length),
                    context.TargetSymbol.Name))
                .ToArray());
        }

        public static NetworkParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var node = (TypeDeclarationSyntax)context.TargetNode;
            try
            {
                NetworkSpec? spec = ParseNetwork(context, node, diagnostics, cancellationToken);
                return new NetworkParseResult(diagnostics.Count == 0 ? spec : null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InternalError, node.Identifier.GetLocation(), node.Identifier.Text, exception.GetType().Name + ": " + exception.Message));
                return new NetworkParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
            }
        }

        private static NetworkSpec? ParseNetwork(GeneratorAttributeSyntaxContext context, TypeDeclarationSyntax node, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            string name = symbol.Name;
            if (node.Identifier.IsMissing || name.Length == 0)
            {
                // A declaration without a name is a syntax error the compiler reports; there is nothing to generate.
                return null;
            }

            CheckDeclaration(node, symbol, diagnostics);
            EquatableArray<TypeDeclarationSpec> containingTypes = TypeDeclarations.Enclosing(node, diagnostics, DiagnosticDescriptors.NotPartial, name);

            AttributeData networkAttribute = context.Attributes[0];
            AttributeSyntax? networkSyntax = networkAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            if (networkAttribute.AttributeConstructor is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableAttribute, networkSyntax?.GetLocation(), "Network", name));
                return null;
            }

            ReportUnreadableArguments(networkAttribute, networkSyntax, "Network", name, diagnostics);
            Shape inputShape = ParseInputShape(networkAttribute, networkSyntax, diagnostics);
            var loss = (LossKind)ParseEnum(networkAttribute, networkSyntax, "Loss", typeof(LossKind), (int)LossKind.MeanSquaredError, diagnostics);
            var precision = (PrecisionKind)ParseEnum(networkAttribute, networkSyntax, "Precision", typeof(PrecisionKind), (int)PrecisionKind.Single, diagnostics);

            ImmutableArray<AttributeData> attributes = symbol.GetAttributes();
            List<(LayerSpec Layer, AttributeSyntax? Syntax)> layers = ParseLayers(attributes, symbol, precision, inputShape, diagnostics, cancellationToken, out long parameterCount);
            OptimizerSpec optimizer = ParseOptimizer(attributes, name, precision, diagnostics, cancellationToken);

            if (layers.Count == 0)
            {
                // A layer attribute that could not be read has its own diagnostic (NG0012); "no layers" would mislead.
                if (!attributes.Any(IsLayerAttribute))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, networkSyntax?.GetLocation() ?? node.Identifier.GetLocation(), name));
                }

                return null;
            }

            CheckActivations(layers, loss, name, diagnostics);
            CheckMemberNames(symbol, node, layers.Select(entry => entry.Layer.Activation.Custom).OfType<string>().ToArray(), diagnostics);

            // The optimizer keeps its state vectors in one array, so that array bounds the size as well.
            if (inputShape.Elements > 0 && parameterCount * Math.Max(1, optimizer.StateVectors) > MaxArrayLength)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.NetworkTooLarge,
                    networkSyntax?.GetLocation() ?? node.Identifier.GetLocation(),
                    name,
                    (parameterCount * Math.Max(1, optimizer.StateVectors)).ToString("N0", CultureInfo.InvariantCulture),
                    MaxArrayLength.ToString("N0", CultureInfo.InvariantCulture)));
            }

            if (diagnostics.Count > 0)
            {
                return null;
            }

            var spec = new NetworkSpec(
                Namespace: TypeDeclarations.Namespace(symbol),
                ContainingTypes: containingTypes,
                Type: TypeDeclarations.Describe(node),
                HintName: TypeDeclarations.HintName(symbol) + ".g.cs",
                InputShape: inputShape,
                Loss: loss,
                Precision: precision,
                Layers: new EquatableArray<LayerSpec>(layers.Select(entry => entry.Layer).ToArray()),
                Optimizer: optimizer);

            // Checked last, since what the generated code needs depends on the whole declaration.
            return RequiresNewerLanguage(spec, node, networkSyntax, diagnostics) ? null : spec;
        }

        /// <summary>
        /// NG0018 at [Network] when the project's C# is older than what the network's generated code needs: C# 12 for a
        /// cross-entropy network (its label overloads pass an argument by <c>in</c> to ReadOnlySpan's ref readonly
        /// constructor), C# 11 for one that trains in vector lanes (its lane passes live in a file-local class), C# 8 for
        /// any (nullable annotations). Without it the project would get compiler errors inside the generated file.
        /// </summary>
        private static bool RequiresNewerLanguage(NetworkSpec spec, TypeDeclarationSyntax node, AttributeSyntax? networkSyntax, List<DiagnosticInfo> diagnostics)
        {
            if (node.SyntaxTree.Options is not CSharpParseOptions options)
            {
                return false;
            }

            (LanguageVersion required, string reason) = spec.Loss == LossKind.CrossEntropy
                ? (LanguageVersion.CSharp12, "its label overloads pass a label by in to ReadOnlySpan's ref readonly constructor")
                : new NetworkPlan(spec).RunsInLanes
                    ? (LanguageVersion.CSharp11, "its vector-lane passes are a file-local class")
                    : (LanguageVersion.CSharp8, "it is annotated for nullable reference types");
            if (options.LanguageVersion >= required)
            {
                return false;
            }

            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.LanguageVersionTooOld,
                networkSyntax?.GetLocation() ?? node.Identifier.GetLocation(),
                spec.Type.SimpleName,
                required.ToDisplayString(),
                reason,
                options.LanguageVersion.ToDisplayString()));
            return true;
        }

        /// <summary>
        /// NG0014 at each member of the network class whose name the generated code declares (a user method may
        /// overload a public generated one), and at the class for each such member it inherits, which the generated one
        /// would hide.
        /// </summary>
        private static void CheckMemberNames(INamedTypeSymbol symbol, TypeDeclarationSyntax node, string[] customActivations, List<DiagnosticInfo> diagnostics)
        {
            foreach (ISymbol member in symbol.GetMembers())
            {
                if (member.IsImplicitlyDeclared || !GeneratedMembers.Collides(member.Name, member is IMethodSymbol, customActivations))
                {
                    continue;
                }

                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MemberCollision,
                    member.Locations.FirstOrDefault(location => location.IsInSource) ?? node.Identifier.GetLocation(),
                    symbol.Name,
                    member.Name,
                    "declares"));
            }

            for (INamedTypeSymbol? baseType = symbol.BaseType; baseType is { SpecialType: not SpecialType.System_Object }; baseType = baseType.BaseType)
            {
                foreach (ISymbol member in baseType.GetMembers())
                {
                    if (member.DeclaredAccessibility == Accessibility.Private || member.IsImplicitlyDeclared
                        || !GeneratedMembers.Collides(member.Name, member is IMethodSymbol, customActivations))
                    {
                        continue;
                    }

                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.MemberCollision, node.Identifier.GetLocation(), symbol.Name, member.Name, "inherits from " + baseType.Name));
                }
            }
        }

        /// <summary>NG0009 for anything but a non-static class or record class; NG0001 when it is not partial.</summary>
        private static void CheckDeclaration(TypeDeclarationSyntax node, INamedTypeSymbol symbol, List<DiagnosticInfo> diagnostics)
        {
            string? wrongKind = node switch
            {
                StructDeclarationSyntax => "a struct",
                InterfaceDeclarationSyntax => "an interface",
                RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "a record struct",
                _ when symbol.IsStatic => "a static class",
                ClassDeclarationSyntax or RecordDeclarationSyntax => null,
                _ => "not a class",
            };
            if (wrongKind is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAClass, node.Identifier.GetLocation(), symbol.Name, wrongKind));
            }

            if (!node.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, node.Identifier.GetLocation(), symbol.Name, symbol.Name));
            }
        }

        /// <summary>
        /// The input shape from exactly one of <c>Inputs = n</c> (a flat [n]) and <c>InputShape = new[] { … }</c> (rank 1
        /// to 3, every dimension positive). Anything else is reported, and an empty shape stands in for it.
        /// </summary>
        private static Shape ParseInputShape(AttributeData attribute, AttributeSyntax? syntax, List<DiagnosticInfo> diagnostics)
        {
            TypedConstant? inputsValue = NamedArgument(attribute, "Inputs");
            TypedConstant? shapeValue = NamedArgument(attribute, "InputShape");
            if (inputsValue is not null && shapeValue is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidInputShape, ArgumentLocation(syntax, "InputShape", -1), "both Inputs and InputShape are given", "keep one: Inputs = n means InputShape = new[] { n }"));
                return Shape.Features(0);
            }

            if (shapeValue is { } shape)
            {
                int[] dimensions = shape.Kind == TypedConstantKind.Array && !shape.IsNull
                    ? shape.Values.Select(value => value.Value is int dimension ? dimension : 0).ToArray()
                    : Array.Empty<int>();
                string written = "{ " + string.Join(", ", dimensions.Select(dimension => dimension.ToString(CultureInfo.InvariantCulture))) + " }";
                string? problem = dimensions.Length is 0 or > 3
                    ? $"InputShape {written} has {dimensions.Length.ToString(CultureInfo.InvariantCulture)} dimensions"
                    : dimensions.Any(dimension => dimension <= 0)
                        ? $"InputShape {written} has a dimension that is not greater than zero"
                        : null;
                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.InvalidInputShape,
                        ArgumentLocation(syntax, "InputShape", -1),
                        problem,
                        "give { features }, { channels, length } or { channels, height, width }, each greater than zero"));
                    return Shape.Features(0);
                }

                var inputShape = new Shape(new EquatableArray<int>(dimensions));
                if (inputShape.Elements > MaxArrayLength)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.InvalidInputShape,
                        ArgumentLocation(syntax, "InputShape", -1),
                        $"InputShape {written} has {inputShape.Elements.ToString("N0", CultureInfo.InvariantCulture)} values per sample",
                        "more than one array holds; use a smaller input"));
                    return Shape.Features(0);
                }

                return inputShape;
            }

            if (inputsValue is not { Value: int inputs })
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.SizeNotPositive,
                    syntax?.GetLocation(),
                    "Inputs",
                    "missing",
                    "set [Network(Inputs = n)] to the number of values in one input sample"));
                return Shape.Features(0);
            }

            if (inputs <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.SizeNotPositive,
                    ArgumentLocation(syntax, "Inputs", -1),
                    "Inputs",
                    inputs.ToString(CultureInfo.InvariantCulture),
                    "set it to the number of values in one input sample"));
            }

            return Shape.Features(inputs);
        }

        private static bool IsLayerAttribute(AttributeData attribute)
        {
            for (INamedTypeSymbol? type = attribute.AttributeClass?.BaseType; type is not null; type = type.BaseType)
            {
                if (type.ToDisplayString() == LayerAttributeBaseName)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Every layer attribute in source order, each parsed by its kind's method with the shape the layer before gives
        /// it. <paramref name="parameterCount"/> is the total size of their tensors, counted without overflow.
        /// </summary>
        private static List<(LayerSpec Layer, AttributeSyntax? Syntax)> ParseLayers(
            ImmutableArray<AttributeData> attributes,
            INamedTypeSymbol network,
            PrecisionKind precision,
            Shape input,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken,
            out long parameterCount)
        {
            string networkName = network.Name;
            var layers = new List<(LayerSpec, AttributeSyntax?)>();
            SyntaxNode? layersDeclaration = null;
            bool reportedSeveralParts = false;
            long offset = 0;
            int bufferOffset = 0, batchNorms = 0;
            foreach (AttributeData attribute in attributes)
            {
                if (!IsLayerAttribute(attribute))
                {
                    continue;
                }

                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
                SyntaxNode? declaration = syntax?.Parent?.Parent;
                if (layersDeclaration is null)
                {
                    layersDeclaration = declaration;
                }
                else if (declaration is not null && declaration != layersDeclaration && !reportedSeveralParts)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersOnSeveralParts, syntax?.GetLocation(), networkName));
                    reportedSeveralParts = true;
                }

                // Offsets saturate rather than overflow: an oversized network is reported once, by its total (NG0011).
                var context = new LayerContext(network, precision, layers.Count, input, (int)Math.Min(offset, int.MaxValue), syntax, diagnostics);
                LayerSpec? layer = attribute.AttributeClass!.Name switch
                {
                    "DenseAttribute" => ParseDense(attribute, context),
                    "Conv1DAttribute" => ParseConvolution(attribute, context, dimensions: 1),
                    "Conv2DAttribute" => ParseConvolution(attribute, context, dimensions: 2),
                    "MaxPool1DAttribute" => ParsePooling(attribute, context, isMax: true, dimensions: 1),
                    "MaxPool2DAttribute" => ParsePooling(attribute, context, isMax: true, dimensions: 2),
                    "AvgPool1DAttribute" => ParsePooling(attribute, context, isMax: false, dimensions: 1),
                    "AvgPool2DAttribute" => ParsePooling(attribute, context, isMax: false, dimensions: 2),
                    "DropoutAttribute" => ParseDropout(attribute, context),
                    "BatchNormAttribute" => ParseBatchNorm(attribute, context, bufferOffset, batchNorms),
                    "LayerNormAttribute" => ParseLayerNorm(attribute, context),
                    _ => null,
                };
                if (layer is null)
                {
                    continue;
                }

                if (layer is BatchNormLayerSpec batchNorm)
                {
                    bufferOffset += 2 * batchNorm.Channels;
                    batchNorms++;
                }

                layers.Add((layer, syntax));
                offset += layer.Tensors.Sum(tensor => tensor.Shape.Elements);
                input = layer.Output;
            }

            parameterCount = offset;
            return layers;
        }

        /// <summary>What every layer's parser needs: the network, where the layer sits, and where to report.</summary>
        private sealed record LayerContext(
            INamedTypeSymbol Network, PrecisionKind Precision, int Index, Shape Input, int Offset, AttributeSyntax? Syntax, List<DiagnosticInfo> Diagnostics)
        {
            public string NetworkName => Network.Name;
        }

        /// <summary><c>[Dense(units, activation)]</c>: a fully connected layer over the flattened input.</summary>
        private static DenseLayerSpec? ParseDense(AttributeData attribute, LayerContext context)
        {
            AttributeSyntax? syntax = context.Syntax;
            int index = context.Index;
            if (!IsReadable(attribute, context, "Dense", arguments: 2))
            {
                return null;
            }


            int units = attribute.ConstructorArguments[0].Value is int value ? value : 0;
            if (units <= 0)
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.SizeNotPositive,
                    ArgumentLocation(syntax, "units", 0),
                    "units",
                    units.ToString(CultureInfo.InvariantCulture),
                    "give [Dense(units, …)] the number of outputs of layer " + index.ToString(CultureInfo.InvariantCulture)));
            }

            (ActivationSpec activation, InitializerKind initializer) = ParseActivation(attribute, context, activationPosition: 1);
            return new DenseLayerSpec(index, context.Input, units, activation, initializer, context.Offset, HasBias(attribute));
        }

        /// <summary>
        /// <c>[Conv1D(filters, kernelSize, activation)]</c> and <c>[Conv2D(…)]</c>: a convolution over a [channels, length]
        /// or [channels, height, width] input, whose padded size must hold the kernel.
        /// </summary>
        private static ConvolutionLayerSpec? ParseConvolution(AttributeData attribute, LayerContext context, int dimensions)
        {
            AttributeSyntax? syntax = context.Syntax;
            string kind = dimensions == 1 ? "Conv1D" : "Conv2D";
            if (!IsReadable(attribute, context, kind, arguments: 3))
            {
                return null;
            }

            int filters = PositiveSize(attribute.ConstructorArguments[0], "filters", 0, $"give [{kind}(filters, …)] the number of output channels of layer {Int(context.Index)}", context);
            int kernel = PositiveSize(attribute.ConstructorArguments[1], "kernelSize", 1, $"give [{kind}(…, kernelSize)] the kernel's size along each axis", context);
            int stride = NamedArgument(attribute, "Stride") is { Value: int strideValue } ? strideValue : 1;
            if (stride <= 0)
            {
                ReportSize(context, ArgumentLocation(syntax, "Stride", -1), "Stride", stride, "the step between windows is at least 1");
            }

            int padding = NamedArgument(attribute, "Padding") is { Value: int paddingValue } ? paddingValue : 0;
            if (padding < 0)
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidArgumentValue, ArgumentLocation(syntax, "Padding", -1), "Padding", kind, Int(padding), "≥ 0 (the zeros added on every side)"));
            }

            (ActivationSpec activation, InitializerKind initializer) = ParseActivation(attribute, context, activationPosition: 2);
            string layer = $"{kind}({Int(filters)}, {Int(kernel)})";
            if (!HasRank(context, layer, dimensions + 1, dimensions == 1 ? "[channels, length]" : "[channels, height, width]")
                || filters <= 0 || kernel <= 0 || stride <= 0 || padding < 0)
            {
                return null;
            }

            int[] spatial = context.Input.Dimensions.Skip(1).ToArray();
            if (spatial.Any(size => (long)size + 2L * padding < kernel))
            {
                string needed = string.Join("×", spatial.Select(_ => Int(kernel)));
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayerShapeMismatch,
                    syntax?.GetLocation(),
                    $"{layer} needs an input of at least {needed}{(padding > 0 ? $" with padding {Int(padding)}" : string.Empty)}",
                    DescribeInput(context)));
                return null;
            }

            int[] output = new[] { filters }.Concat(spatial.Select(size => (int)(((long)size + 2L * padding - kernel) / stride) + 1)).ToArray();

            // The kernels unfold one sample's windows into scratch: C·K·K values for each output position.
            long positions = output.Skip(1).Aggregate(1L, (product, size) => product * size);
            long window = context.Input.Dimensions[0] * (long)kernel * (dimensions == 2 ? kernel : 1);
            if (window * positions > MaxArrayLength)
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayerShapeMismatch,
                    syntax?.GetLocation(),
                    $"{layer} would unfold {(window * positions).ToString("N0", CultureInfo.InvariantCulture)} values per sample",
                    "more than one array holds; make the input smaller or use a stride"));
                return null;
            }

            return OutputFits(context, layer, output)
                ? new ConvolutionLayerSpec(
                    context.Index, context.Input, new Shape(new EquatableArray<int>(output)), activation, dimensions, filters, kernel, stride, padding, initializer, context.Offset, HasBias(attribute))
                : null;
        }

        /// <summary>
        /// <c>[MaxPool2D(size)]</c> and the other pools: windows of <c>size</c> moved by Stride (the size unless given)
        /// over each channel of a [channels, length] or [channels, height, width] input at least as large as a window.
        /// </summary>
        private static PoolingLayerSpec? ParsePooling(AttributeData attribute, LayerContext context, bool isMax, int dimensions)
        {
            AttributeSyntax? syntax = context.Syntax;
            string kind = (isMax ? "MaxPool" : "AvgPool") + (dimensions == 1 ? "1D" : "2D");
            if (!IsReadable(attribute, context, kind, arguments: 1))
            {
                return null;
            }

            int size = PositiveSize(attribute.ConstructorArguments[0], "size", 0, $"give [{kind}(size)] the window's size along each axis", context);
            int stride = size;
            if (NamedArgument(attribute, "Stride") is { Value: int strideValue })
            {
                stride = strideValue;
                if (stride <= 0)
                {
                    ReportSize(context, ArgumentLocation(syntax, "Stride", -1), "Stride", stride, "the step between windows is at least 1 (leave it out for windows side by side)");
                }
            }

            string layer = $"{kind}({Int(size)})";
            if (!HasRank(context, layer, dimensions + 1, dimensions == 1 ? "[channels, length]" : "[channels, height, width]") || size <= 0 || stride <= 0)
            {
                return null;
            }

            int[] spatial = context.Input.Dimensions.Skip(1).ToArray();
            if (spatial.Any(length => length < size))
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayerShapeMismatch,
                    syntax?.GetLocation(),
                    $"{layer} needs an input of at least {string.Join("×", spatial.Select(_ => Int(size)))}",
                    DescribeInput(context)));
                return null;
            }

            int[] output = new[] { context.Input.Dimensions[0] }.Concat(spatial.Select(length => (length - size) / stride + 1)).ToArray();
            return new PoolingLayerSpec(context.Index, context.Input, new Shape(new EquatableArray<int>(output)), isMax, dimensions, size, stride);
        }

        /// <summary>
        /// Whether a layer attribute can be read: its constructor bound with <paramref name="arguments"/> arguments
        /// (NG0012 at the attribute otherwise); arguments that are not constants are reported too.
        /// </summary>
        private static bool IsReadable(AttributeData attribute, LayerContext context, string kind, int arguments)
        {
            if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != arguments)
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableAttribute, context.Syntax?.GetLocation(), kind, context.NetworkName));
                return false;
            }

            ReportUnreadableArguments(attribute, context.Syntax, kind, context.NetworkName, context.Diagnostics);
            return true;
        }

        /// <summary>The Bias property of a Dense or convolution attribute: true unless it is set to false.</summary>
        private static bool HasBias(AttributeData attribute) => NamedArgument(attribute, "Bias") is not { Value: false };

        /// <summary><c>[Dropout(rate)]</c>: any input, any shape; the rate lies in [0, 1).</summary>
        private static DropoutLayerSpec? ParseDropout(AttributeData attribute, LayerContext context)
        {
            AttributeSyntax? syntax = context.Syntax;
            if (!IsReadable(attribute, context, "Dropout", arguments: 1))
            {
                return null;
            }

            double rate = attribute.ConstructorArguments[0].Value is { } value ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : double.NaN;
            if (!(rate >= 0 && rate < 1))
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidArgumentValue,
                    ArgumentLocation(syntax, "rate", 0),
                    "rate",
                    "Dropout",
                    Format(rate),
                    "in [0, 1): the probability of zeroing each value in training (0.5 is common for hidden layers, 0.1–0.25 after convolutions)"));
                return null;
            }

            return new DropoutLayerSpec(context.Index, context.Input, rate);
        }

        /// <summary>
        /// <c>[BatchNorm(activation)]</c>: per channel of a shaped input, per feature of a flat one. Momentum lies in [0, 1]
        /// and Epsilon is positive (in the network's precision).
        /// </summary>
        private static BatchNormLayerSpec? ParseBatchNorm(AttributeData attribute, LayerContext context, int bufferOffset, int ordinal)
        {
            AttributeSyntax? syntax = context.Syntax;
            if (!IsReadable(attribute, context, "BatchNorm", arguments: 1))
            {
                return null;
            }

            (ActivationSpec activation, _) = ParseActivation(attribute, context, activationPosition: 0);
            double momentum = NamedArgument(attribute, "Momentum") is { Value: { } momentumValue } ? Convert.ToDouble(momentumValue, CultureInfo.InvariantCulture) : 0.1;
            bool valid = true;
            if (!(momentum >= 0 && momentum <= 1))
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidArgumentValue,
                    ArgumentLocation(syntax, "Momentum", -1),
                    "Momentum",
                    "BatchNorm",
                    Format(momentum),
                    "in [0, 1]: the weight of each batch in the running statistics (0.1 is PyTorch's default)"));
                valid = false;
            }

            valid &= ParseEpsilon(attribute, context, "BatchNorm", out double epsilon);
            return valid && context.Input.Elements > 0
                ? new BatchNormLayerSpec(context.Index, context.Input, activation, momentum, epsilon, context.Offset, bufferOffset, ordinal)
                : null;
        }

        /// <summary>
        /// <c>[LayerNorm(activation)]</c>: over all of a sample's values, at least two of them (over one value the layer
        /// would output its bias whatever its input). Epsilon is positive.
        /// </summary>
        private static LayerNormLayerSpec? ParseLayerNorm(AttributeData attribute, LayerContext context)
        {
            AttributeSyntax? syntax = context.Syntax;
            if (!IsReadable(attribute, context, "LayerNorm", arguments: 1))
            {
                return null;
            }

            (ActivationSpec activation, _) = ParseActivation(attribute, context, activationPosition: 0);
            bool valid = ParseEpsilon(attribute, context, "LayerNorm", out double epsilon);
            if (context.Input.Elements == 1)
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayerShapeMismatch,
                    syntax?.GetLocation(),
                    "LayerNorm needs at least two values per sample to normalise, since over one value it outputs its bias whatever the input",
                    DescribeInput(context) + "; remove it, or use BatchNorm, which normalises each feature over the batch"));
                valid = false;
            }

            return valid && context.Input.Elements > 0 ? new LayerNormLayerSpec(context.Index, context.Input, activation, epsilon, context.Offset) : null;
        }

        /// <summary>A normalisation's Epsilon: finite and greater than zero, also when rounded to float for a float network.</summary>
        private static bool ParseEpsilon(AttributeData attribute, LayerContext context, string kind, out double epsilon)
        {
            epsilon = NamedArgument(attribute, "Epsilon") is { Value: { } value } ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : 1e-5;
            string? problem = !(epsilon > 0) || double.IsInfinity(epsilon)
                ? "a finite number greater than zero, added to the variance before its square root (1e-5 is PyTorch's default)"
                : context.Precision == PrecisionKind.Single && ((float)epsilon == 0 || float.IsInfinity((float)epsilon))
                    ? "greater than zero and finite as a float, which it is not; use a value between 1e-38 and 3.4e38, or Precision = Precision.Double"
                    : null;
            if (problem is null)
            {
                return true;
            }

            context.Diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.InvalidArgumentValue, ArgumentLocation(context.Syntax, "Epsilon", -1), "Epsilon", kind, Format(epsilon), problem));
            return false;
        }

        /// <summary>A constructor argument that must be a positive size; NG0002 at it otherwise.</summary>
        private static int PositiveSize(TypedConstant argument, string name, int position, string advice, LayerContext context)
        {
            int value = argument.Value is int number ? number : 0;
            if (value <= 0)
            {
                ReportSize(context, ArgumentLocation(context.Syntax, name, position), name, value, advice);
            }

            return value;
        }

        private static void ReportSize(LayerContext context, Location? location, string name, int value, string advice)
            => context.Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeNotPositive, location, name, Int(value), advice));

        /// <summary>Whether the layer's input has <paramref name="rank"/> dimensions; NG0017 at the layer otherwise.</summary>
        private static bool HasRank(LayerContext context, string layer, int rank, string expected)
        {
            if (context.Input.Rank == rank || context.Input.Elements == 0)
            {
                return context.Input.Rank == rank;
            }

            string advice = rank == 3 && context.Input.Rank == 2
                ? "a 2-D layer cannot follow a 1-D one; use the 1-D layer kinds, or give InputShape = new[] { channels, height, width }"
                : rank == 2 && context.Input.Rank == 3
                    ? "a 1-D layer cannot follow a 2-D one; use the 2-D layer kinds"
                    : $"give the network InputShape = new[] {{ {(rank == 3 ? "channels, height, width" : "channels, length")} }}, or put this layer before the Dense layers (a Dense layer's output is flat)";
            context.Diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.LayerShapeMismatch, context.Syntax?.GetLocation(), $"{layer} needs an input of {expected}", DescribeInput(context) + "; " + advice));
            return false;
        }

        /// <summary>Whether one sample's output fits an array; NG0017 otherwise.</summary>
        private static bool OutputFits(LayerContext context, string layer, int[] output)
        {
            var shape = new Shape(new EquatableArray<int>(output));
            if (shape.Elements <= MaxArrayLength)
            {
                return true;
            }

            context.Diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.LayerShapeMismatch,
                context.Syntax?.GetLocation(),
                $"{layer} would output {shape} = {shape.Elements.ToString("N0", CultureInfo.InvariantCulture)} values per sample",
                "more than one array holds; make the input smaller or use a stride"));
            return false;
        }

        /// <summary>"the layer before outputs 6 × 2 × 2", or "the input is 784".</summary>
        private static string DescribeInput(LayerContext context)
            => (context.Index == 0 ? "the input is " : "the layer before outputs ") + context.Input;

        private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// The activation of a layer that has one (its constructor argument at <paramref name="activationPosition"/>, and
        /// the Slope and CustomActivation properties) and its Init property, each mistake reported at its argument.
        /// </summary>
        private static (ActivationSpec Activation, InitializerKind Initializer) ParseActivation(AttributeData attribute, LayerContext context, int activationPosition)
        {
            AttributeSyntax? syntax = context.Syntax;
            int index = context.Index;
            string kind = attribute.AttributeClass!.Name.Substring(0, attribute.AttributeClass.Name.Length - "Attribute".Length);
            int activationValue = attribute.ConstructorArguments[activationPosition].Value is int activationInt ? activationInt : 0;
            var activation = (ActivationKind)activationValue;
            if (!Enum.IsDefined(typeof(ActivationKind), activation))
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UndefinedEnumValue,
                    ArgumentLocation(syntax, "activation", activationPosition),
                    "activation",
                    activationValue.ToString(CultureInfo.InvariantCulture),
                    "Activation",
                    DefinedNames(typeof(ActivationKind), "Activation")));
            }

            double slope = 0.01;
            if (NamedArgument(attribute, "Slope") is { Value: { } slopeValue })
            {
                slope = Convert.ToDouble(slopeValue, CultureInfo.InvariantCulture);
                if (double.IsNaN(slope) || double.IsInfinity(slope) || slope < 0)
                {
                    context.Diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.InvalidArgumentValue,
                        ArgumentLocation(syntax, "Slope", -1),
                        "Slope",
                        kind,
                        Format(slope),
                        "a finite number ≥ 0 (the leaky ReLU's slope for negative inputs; 0.01 is PyTorch's default)"));
                }
                else if (context.Precision == PrecisionKind.Single && float.IsInfinity((float)slope))
                {
                    context.Diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.InvalidArgumentValue,
                        ArgumentLocation(syntax, "Slope", -1),
                        "Slope",
                        kind,
                        Format(slope),
                        "finite as a float, and it overflows there: use at most 3.4028235E+38, or Precision = Precision.Double"));
                }
            }

            var initializer = InitializerKind.Default;
            if (NamedArgument(attribute, "Init") is { Value: int initValue })
            {
                initializer = (InitializerKind)initValue;
                if (!Enum.IsDefined(typeof(InitializerKind), initializer))
                {
                    context.Diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UndefinedEnumValue,
                        ArgumentLocation(syntax, "Init", -1),
                        "Init",
                        initValue.ToString(CultureInfo.InvariantCulture),
                        "Initializer",
                        DefinedNames(typeof(InitializerKind), "Initializer")));
                }
            }

            string? custom = NamedArgument(attribute, "CustomActivation") is { Value: string customName } ? customName : null;
            if (custom is not null && CustomActivationProblem(context.Network, custom, context.Precision, activation) is { } problem)
            {
                context.Diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidCustomActivation,
                    ArgumentLocation(syntax, "CustomActivation", -1),
                    custom,
                    index.ToString(CultureInfo.InvariantCulture),
                    problem));
            }

            return (new ActivationSpec(activation, slope, custom), initializer);
        }

        /// <summary>Why a custom activation cannot be used, or null when it can.</summary>
        private static string? CustomActivationProblem(INamedTypeSymbol network, string name, PrecisionKind precision, ActivationKind activation)
        {
            string type = precision == PrecisionKind.Double ? "double" : "float";
            SpecialType real = precision == PrecisionKind.Double ? SpecialType.System_Double : SpecialType.System_Single;
            IMethodSymbol[] candidates = network.GetMembers(name).OfType<IMethodSymbol>().ToArray();
            if (candidates.Length == 0)
            {
                return $"'{network.Name}' has no method of that name; declare [Differentiable] static {type} {name}({type} x) in the network class";
            }

            IMethodSymbol? method = candidates.FirstOrDefault(m =>
                m.IsStatic && m.Parameters.Length == 1 && m.Parameters[0].RefKind == RefKind.None
                && m.Parameters[0].Type.SpecialType == real && m.ReturnType.SpecialType == real);
            if (method is null)
            {
                return $"it must be a static method taking one {type} and returning {type}, the network's precision";
            }

            if (!method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableGenerator.DifferentiableAttributeName))
            {
                return "it must be marked [Differentiable], so that NetGen can generate the derivative the backward pass needs";
            }

            return activation == ActivationKind.Identity
                ? null
                : $"it replaces the activation, so leave the activation argument out instead of Activation.{activation}";
        }

        /// <summary>The activation's constructor position: after units for Dense, after filters and kernel size for a convolution, first for a normalisation.</summary>
        private static int ActivationPosition(LayerSpec layer) => layer switch
        {
            ConvolutionLayerSpec => 2,
            BatchNormLayerSpec or LayerNormLayerSpec => 0,
            _ => 1,
        };

        private static void CheckActivations(List<(LayerSpec Layer, AttributeSyntax? Syntax)> layers, LossKind loss, string networkName, List<DiagnosticInfo> diagnostics)
        {
            for (int i = 0; i < layers.Count - 1; i++)
            {
                if (layers[i].Layer.Activation.Kind == ActivationKind.Softmax)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.SoftmaxNotLast,
                        ArgumentLocation(layers[i].Syntax, "activation", ActivationPosition(layers[i].Layer)),
                        i.ToString(CultureInfo.InvariantCulture),
                        networkName));
                }
            }

            (LayerSpec output, AttributeSyntax? outputSyntax) = layers[layers.Count - 1];
            ActivationKind outputActivation = output.Activation.Kind;
            (ActivationKind required, string advice) = loss switch
            {
                LossKind.CrossEntropy => (ActivationKind.Softmax,
                    "make the last layer [Dense(classes, Activation.Softmax)]; cross-entropy is computed from the softmax's logits, which keeps it finite and makes its gradient simply output − target. For any other output, use Loss.MeanSquaredError"),
                LossKind.BinaryCrossEntropy => (ActivationKind.Sigmoid,
                    "make the last layer [Dense(n, Activation.Sigmoid)]; binary cross-entropy is computed from the sigmoid's logits, which keeps it finite and makes its gradient simply output − target. For any other output, use Loss.MeanSquaredError"),
                _ => (outputActivation, string.Empty),
            };
            if (outputActivation != required && Enum.IsDefined(typeof(ActivationKind), outputActivation))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LossNeedsOutputActivation,
                    ArgumentLocation(outputSyntax, "activation", ActivationPosition(output)),
                    loss.ToString(),
                    required.ToString(),
                    networkName,
                    outputActivation.ToString(),
                    advice));
            }
        }

        private static OptimizerSpec ParseOptimizer(
            ImmutableArray<AttributeData> attributes, string networkName, PrecisionKind precision, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            OptimizerSpec? optimizer = null;
            string? firstName = null;
            foreach (AttributeData attribute in attributes)
            {
                if (attribute.AttributeClass?.BaseType?.ToDisplayString() != OptimizerAttributeBaseName)
                {
                    continue;
                }

                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
                string shortName = attribute.AttributeClass.Name.Substring(0, attribute.AttributeClass.Name.Length - "Attribute".Length);
                if (firstName is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleOptimizers, syntax?.GetLocation(), networkName, firstName, shortName));
                    continue;
                }

                firstName = shortName;
                if (attribute.AttributeConstructor is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableAttribute, syntax?.GetLocation(), shortName, networkName));
                    continue;
                }

                ReportUnreadableArguments(attribute, syntax, shortName, networkName, diagnostics);
                var arguments = new OptimizerArguments(attribute, syntax, shortName, precision, diagnostics);
                double clip = arguments.Number("GradientClipNorm", 0, Range.NonNegative);
                optimizer = shortName switch
                {
                    "Sgd" => ParseSgd(arguments, clip),
                    "Adam" => new AdamSpec(
                        arguments.Number("LearningRate", 1e-3, Range.Positive), arguments.Number("Beta1", 0.9, Range.UnitInterval),
                        arguments.Number("Beta2", 0.999, Range.UnitInterval), arguments.Number("Epsilon", 1e-8, Range.Positive),
                        arguments.Number("WeightDecay", 0, Range.NonNegative), arguments.Flag("Amsgrad"), Decoupled: false, clip),
                    "AdamW" => new AdamSpec(
                        arguments.Number("LearningRate", 1e-3, Range.Positive), arguments.Number("Beta1", 0.9, Range.UnitInterval),
                        arguments.Number("Beta2", 0.999, Range.UnitInterval), arguments.Number("Epsilon", 1e-8, Range.Positive),
                        arguments.Number("WeightDecay", 0.01, Range.NonNegative), arguments.Flag("Amsgrad"), Decoupled: true, clip),
                    "RmsProp" => new RmsPropSpec(
                        arguments.Number("LearningRate", 1e-2, Range.Positive), arguments.Number("Alpha", 0.99, Range.UnitInterval),
                        arguments.Number("Epsilon", 1e-8, Range.Positive), arguments.Number("Momentum", 0, Range.UnitInterval),
                        arguments.Number("WeightDecay", 0, Range.NonNegative), arguments.Flag("Centered"), clip),
                    "Adagrad" => new AdagradSpec(
                        arguments.Number("LearningRate", 1e-2, Range.Positive), arguments.Number("Epsilon", 1e-10, Range.Positive),
                        arguments.Number("WeightDecay", 0, Range.NonNegative), arguments.Number("LearningRateDecay", 0, Range.NonNegative), clip),
                    _ => null,
                };
            }

            return optimizer ?? new SgdSpec(0.01, 0, false, 0, 0);
        }

        private static SgdSpec ParseSgd(OptimizerArguments arguments, double clip)
        {
            double momentum = arguments.Number("Momentum", 0, Range.UnitInterval);
            bool nesterov = arguments.Flag("Nesterov");
            if (nesterov && momentum == 0)
            {
                arguments.Report("Nesterov", "true without momentum", "used with a Momentum greater than zero (Nesterov momentum needs momentum), or left false");
            }

            return new SgdSpec(arguments.Number("LearningRate", 0.01, Range.Positive), momentum, nesterov, arguments.Number("WeightDecay", 0, Range.NonNegative), clip);
        }

        /// <summary>The ranges a hyperparameter may be required to lie in.</summary>
        private enum Range
        {
            Positive,
            NonNegative,
            UnitInterval,
        }

        /// <summary>
        /// Reads an optimizer attribute's named arguments, reporting NG0008 at any that is out of range, in the network's
        /// precision: a float network computes with (float)value, so 1e300 is infinite there, ε = 1e-50 is zero and
        /// β = 0.99999999 is 1, each of which would make every parameter NaN at the first step.
        /// </summary>
        private sealed class OptimizerArguments(AttributeData attribute, AttributeSyntax? syntax, string attributeName, PrecisionKind precision, List<DiagnosticInfo> diagnostics)
        {
            public double Number(string name, double defaultValue, Range range)
            {
                if (NamedArgument(attribute, name) is not { Value: { } boxed })
                {
                    return defaultValue;
                }

                double value = Convert.ToDouble(boxed, CultureInfo.InvariantCulture);
                (bool valid, string requirement) = range switch
                {
                    Range.Positive => (value > 0 && !double.IsInfinity(value), "a finite number greater than zero"),
                    Range.NonNegative => (value >= 0 && !double.IsInfinity(value), "a finite number ≥ 0"),
                    _ => (value >= 0 && value < 1, "in [0, 1)"),
                };

                // A float network computes with (float)value: a value valid as a double may be infinite, zero or 1 there.
                if (valid && precision == PrecisionKind.Single)
                {
                    float computed = (float)value;
                    (valid, requirement) = range switch
                    {
                        Range.Positive when computed == 0 => (false, "greater than zero as a float, and it rounds to 0 there: use at least 1.4E-45, or Precision = Precision.Double"),
                        Range.UnitInterval when computed >= 1 => (false, "in [0, 1) as a float, and it rounds to 1 there: use at most 0.99999994, or Precision = Precision.Double"),
                        _ when float.IsInfinity(computed) => (false, "finite as a float, and it overflows there: use at most 3.4028235E+38, or Precision = Precision.Double"),
                        _ => (true, requirement),
                    };
                }

                if (!valid)
                {
                    Report(name, Format(value), requirement);
                }

                return value;
            }

            public bool Flag(string name) => NamedArgument(attribute, name) is { Value: true };

            public void Report(string name, string value, string requirement)
                => diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidArgumentValue, ArgumentLocation(syntax, name, -1), name, attributeName, value, requirement));
        }

        private static int ParseEnum(AttributeData attribute, AttributeSyntax? syntax, string argumentName, Type enumType, int defaultValue, List<DiagnosticInfo> diagnostics)
        {
            if (NamedArgument(attribute, argumentName) is not { Value: int value })
            {
                return defaultValue;
            }

            if (!Enum.IsDefined(enumType, value))
            {
                string typeName = argumentName;
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UndefinedEnumValue,
                    ArgumentLocation(syntax, argumentName, -1),
                    argumentName,
                    value.ToString(CultureInfo.InvariantCulture),
                    typeName,
                    DefinedNames(enumType, typeName)));
                return defaultValue;
            }

            return value;
        }

        private static TypedConstant? NamedArgument(AttributeData attribute, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == name && argument.Value.Kind != TypedConstantKind.Error)
                {
                    return argument.Value;
                }
            }

            return null;
        }

        /// <summary>
        /// The location of one argument of an attribute: the named argument <paramref name="name"/> (property or
        /// constructor parameter) when written so, else the positional one at <paramref name="position"/>; the whole
        /// attribute when the argument is not written (a default value).
        /// </summary>
        private static Location? ArgumentLocation(AttributeSyntax? syntax, string name, int position)
        {
            if (syntax is null)
            {
                return null;
            }

            SeparatedSyntaxList<AttributeArgumentSyntax> arguments = syntax.ArgumentList?.Arguments ?? default;
            int positional = 0;
            foreach (AttributeArgumentSyntax argument in arguments)
            {
                string? argumentName = argument.NameEquals?.Name.Identifier.Text ?? argument.NameColon?.Name.Identifier.Text;
                if (argumentName == name)
                {
                    return argument.GetLocation();
                }

                if (argumentName is null)
                {
                    if (positional == position)
                    {
                        return argument.GetLocation();
                    }

                    positional++;
                }
            }

            return syntax.GetLocation();
        }

        private static string DefinedNames(Type enumType, string typeName)
            => string.Join(", ", Enum.GetNames(enumType).Select(name => typeName + "." + name));

        private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>
        /// NG0012 at each named argument of the attribute that does not compile (<c>Loss = Loss.Inputs</c>,
        /// <c>Slope = "0.1"</c>): the compiler drops its value, and the generator would otherwise use the default silently.
        /// </summary>
        private static void ReportUnreadableArguments(AttributeData attribute, AttributeSyntax? syntax, string attributeName, string networkName, List<DiagnosticInfo> diagnostics)
        {
            if (syntax?.ArgumentList is not { } arguments)
            {
                return;
            }

            foreach (AttributeArgumentSyntax argument in arguments.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText is not { } name)
                {
                    continue;
                }

                bool read = attribute.NamedArguments.Any(named => named.Key == name && named.Value.Kind != TypedConstantKind.Error);
                if (!read)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableAttribute, argument.GetLocation(), attributeName, networkName));
                }
            }
        }
    }
}
