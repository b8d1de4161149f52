using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslNets.Declarations;

/// <summary>
/// The declaration rules whose breach makes a network impossible to generate (errors). The generator emits
/// nothing for a network with any of them; the analyzers report them. Design warnings (DSL001, DSL006-DSL009)
/// are not here: they do not stop generation and live in the analyzers alone.
/// </summary>
internal static class NetworkValidator
{
    public static ImmutableArray<DeclarationProblem> Validate(ParsedNetwork network)
    {
        var problems = ImmutableArray.CreateBuilder<DeclarationProblem>();
        CheckPartial(network, problems);
        CheckNetworkType(network, problems);
        CheckDuplicateAttributes(network.Attributes, network.Type.Name, problems);
        CheckNetworkArguments(network, problems);
        CheckRegularizer(network.L1, "L1", network.Type.Name, problems);
        CheckRegularizer(network.L2, "L2", network.Type.Name, problems);

        if (network.Layers.Count == 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.NoLayers, network.Location, network.Type.Name));

        var invalidOps = new HashSet<ParsedOp>();
        foreach (ParsedLayer layer in network.Layers)
        {
            CheckLayerProperty(layer, problems);
            CheckDuplicateAttributes(layer.Attributes, layer.Name, problems);
            CheckRegularizer(layer.L1, "L1", layer.Name, problems);
            CheckRegularizer(layer.L2, "L2", layer.Name, problems);
            CheckWeightOperations(layer, problems);
            foreach (ParsedOp op in layer.Ops)
            {
                int before = problems.Count;
                CheckOp(layer, op, problems);
                if (problems.Count != before)
                    invalidOps.Add(op);
            }
        }

        CheckShapes(network, invalidOps, problems);
        CheckNames(network, problems);
        if (problems.Count == 0)
            CheckCounts(network, problems);
        return problems.ToImmutable();
    }

    /// <summary>
    /// With a partial layer property, a class that cannot take the generated part leaves the user's own code with a
    /// compiler error (CS0751, CS9248, CS0708) that stops the command-line build before the analyzers run.
    /// </summary>
    private static bool BlocksAnalyzers(ParsedNetwork network) => network.Layers.Exists(l => l.IsPartial);

    private static void CheckPartial(ParsedNetwork network, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        bool blocks = BlocksAnalyzers(network);
        if (!NetworkParser.IsPartial(network.Type, CancellationToken.None))
            problems.Add(new DeclarationProblem(DiagnosticIds.NotPartial, network.Location, "class", network.Type.Name) { ReportedByGenerator = blocks });

        for (INamedTypeSymbol? outer = network.Type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!NetworkParser.IsPartial(outer, CancellationToken.None))
                problems.Add(new DeclarationProblem(DiagnosticIds.NotPartial, outer.Locations.FirstOrDefault(), "containing type", outer.Name) { ReportedByGenerator = blocks });
        }

        foreach (ParsedLayer layer in network.Layers)
        {
            if (!layer.IsPartial)
                problems.Add(new DeclarationProblem(DiagnosticIds.NotPartial, layer.Location, "layer property", layer.Name));
        }
    }

    /// <summary>DSL013: a network is an instance class the generator can add a part to, from its own file.</summary>
    private static void CheckNetworkType(ParsedNetwork network, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        INamedTypeSymbol type = network.Type;
        string? what =
            type.IsRecord ? "a record, whose compiler-generated equality, ToString and copy constructor would treat the weights as data" :
            type.IsStatic ? "a static class, but a network is an object with weights" :
            type.IsFileLocal ? "file-local, so no other file (the generated one) can add to it" :
            null;
        for (INamedTypeSymbol? outer = type.ContainingType; what is null && outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsFileLocal)
                what = $"nested in the file-local type '{outer.Name}', so no other file (the generated one) can add to it";
        }

        // A record, and a static class with static layers, can take the generated placeholder and the build reaches
        // the analyzers; an instance layer in a static class (CS0708) or any partial layer in a file-local class
        // (CS9248) leaves a compiler error in the user's code.
        bool blocks = !type.IsRecord && (type.IsStatic ? network.Layers.Exists(l => l.IsPartial && !l.Property.IsStatic) : BlocksAnalyzers(network));
        if (what is not null)
            problems.Add(new DeclarationProblem(DiagnosticIds.UnsupportedNetworkType, network.Location, type.Name, what) { ReportedByGenerator = blocks });
    }

    /// <summary>
    /// DSL017: every DslNets attribute is single-use (the compiler's CS0579), and the generator must not guess what a
    /// second <c>Dense</c> or <c>L2</c> on the same declaration meant. The compiler's error stops the command-line
    /// build before the analyzers, so the generator reports this one.
    /// </summary>
    private static void CheckDuplicateAttributes(List<(string ClassName, ParsedAttribute Attribute)> attributes, string where, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        var seen = new HashSet<string>();
        foreach ((string className, ParsedAttribute attribute) in attributes)
        {
            if (!seen.Add(className))
            {
                string name = className.EndsWith("Attribute", System.StringComparison.Ordinal) ? className.Substring(0, className.Length - "Attribute".Length) : className;
                problems.Add(new DeclarationProblem(DiagnosticIds.DuplicateAttribute, attribute.Location, where, name) { ReportedByGenerator = true });
            }
        }
    }

    /// <summary>
    /// DSL014 and DSL015: every layer gets its own tensor names (the snake_case PyTorch module name) and its own
    /// generated members, and no layer or member the user declares collides with a member the generator writes.
    /// </summary>
    private static void CheckNames(ParsedNetwork network, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        var prefixes = new Dictionary<string, string>(System.StringComparer.Ordinal);
        List<string> layerNames = network.Layers.ConvertAll(l => l.Name);
        foreach (ParsedLayer layer in network.Layers)
        {
            string prefix = NetworkParser.ToSnakeCase(layer.Name);
            if (prefixes.TryGetValue(prefix, out string? earlier))
                problems.Add(new DeclarationProblem(DiagnosticIds.TensorNameCollision, layer.Location, layer.Name, earlier, prefix));
            else
                prefixes.Add(prefix, layer.Name);

            if (GeneratedMembers.ReservedBy(layer.Name, network.Type.Name, layerNames) is { } member)
                problems.Add(new DeclarationProblem(DiagnosticIds.ReservedName, layer.Location, $"Layer '{layer.Name}'", member));
        }

        // The user's own members of the class, outside the generated parts.
        foreach (ISymbol symbol in network.Type.GetMembers())
        {
            if (symbol.IsImplicitlyDeclared || symbol.Locations.IsDefaultOrEmpty || !symbol.Locations[0].IsInSource
                || symbol.DeclaringSyntaxReferences.All(NetworkParser.IsGenerated) || network.Layers.Exists(l => SymbolEqualityComparer.Default.Equals(l.Property, symbol)))
            {
                continue;
            }

            if (symbol is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false, Parameters.Length: 0 })
                problems.Add(new DeclarationProblem(DiagnosticIds.ReservedName, symbol.Locations[0], $"The parameterless constructor of '{network.Type.Name}'", "the generated constructor that initializes the weights"));
            else if (symbol is not IMethodSymbol { MethodKind: not MethodKind.Ordinary } && symbol.Name != network.Type.Name
                && GeneratedMembers.ReservedBy(symbol.Name, network.Type.Name, layerNames) is { } member)
                problems.Add(new DeclarationProblem(DiagnosticIds.ReservedName, symbol.Locations[0], $"Member '{symbol.Name}'", member));
        }
    }

    /// <summary>
    /// DSL016: the buffers the generated network allocates, summed in 64-bit arithmetic and compared with the
    /// largest array .NET allows, so no size wraps around into a wrong <c>ParameterCount</c> or a constant the
    /// compiler rejects inside the generated code (CS0220). Mirrors the generator's layout, one bound per buffer.
    /// </summary>
    private static void CheckCounts(ParsedNetwork network, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        foreach ((string what, long count) in Counts(network))
        {
            if (count > MaxArrayLength)
            {
                problems.Add(new DeclarationProblem(DiagnosticIds.NetworkTooLarge, network.Location, network.Type.Name, what, count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
                return;
            }
        }
    }

    /// <summary>
    /// The element count of every buffer the generated network allocates, in the order ParameterCount, BufferCount,
    /// activations, saved values, packed inference weights, inference scratch (a generator test compares them with
    /// the emitted constants). Empty without an InputSize.
    /// </summary>
    public static (string What, long Count)[] Counts(ParsedNetwork network)
    {
        if (network.ResolvedInputShape is not { } inputShape)
            return System.Array.Empty<(string, long)>();
        long maxBatch = network.MaxBatch;
        long inputSize = inputShape.Elements;
        long maxWidth = 1;
        long parameters = 0, buffers = 0, activations = 0, saved = 0, inference = 0, columns = 0;
        bool spare = false;
        ParsedLayer? layer = null;
        bool laterInLayer = false; // whether an op of this layer already runs in inference (later ones work on its output)
        List<(ParsedLayer Layer, ParsedOp Op)> ops = network.AllOps().ToList();
        bool softmaxFused = ops.Count > 0 && ops[ops.Count - 1].Op.Kind == OpKind.Softmax && network.Loss == LossKind.SoftmaxCrossEntropy;
        Shape shape = inputShape;
        for (int i = 0; i < ops.Count; i++)
        {
            // Only called on a network whose shapes CheckShapes accepted: every op has a spec.
            OpSpec spec = NetworkParser.ToSpec(ops[i].Op, shape);
            long width = spec.InFeatures, features = spec.OutFeatures;
            maxWidth = System.Math.Max(maxWidth, features);
            if (!ReferenceEquals(ops[i].Layer, layer))
            {
                layer = ops[i].Layer;
                laterInLayer = false;
            }

            // Mirrors the generator's WorksInPlace: these ops read a copy of their input when not first in the layer.
            bool needsDistinctInput = spec switch
            {
                DenseSpec => true,
                ConvSpec conv => IsPointwise(conv),
                PoolSpec pool => pool.PadH != 0 || pool.PadW != 0,
                FlattenSpec => ReordersChannels(spec.Input),
                _ => false,
            };
            spare |= laterInLayer && needsDistinctInput;
            laterInLayer |= !(spec is NoiseSpec || (spec is FlattenSpec && !ReordersChannels(spec.Input)));
            switch (spec)
            {
                case DenseSpec dense:
                    parameters += (width * features) + (dense.Bias ? features : 0);
                    inference = ((inference + 15) / 16 * 16) + (width * features) + features; // each packed matrix starts on a 16-float line
                    if (ReordersChannels(spec.Input))
                    {
                        saved += 2 * maxBatch * width; // the input and its gradient in PyTorch's flatten order
                        inference += width * features; // the packing scratch
                    }

                    break;
                case ConvSpec conv:
                    long taps = (long)conv.KernelH * conv.KernelW * conv.InChannels, kernel = taps * conv.Filters;
                    parameters += kernel + (conv.Bias ? conv.Filters : 0);
                    if (!IsPointwise(conv))
                    {
                        long unfolded = maxBatch * conv.OutHeight * conv.OutWidth * taps;
                        saved += 2 * unfolded; // the columns and their gradient
                        columns = System.Math.Max(columns, unfolded);
                    }

                    saved += (2 * kernel) + conv.Filters + (8 * kernel); // reordered and packed kernel, packed bias, weight-gradient blocks
                    bool winograd = WinogradSizes.Suits(conv.KernelH, conv.KernelW, conv.StrideH, conv.StrideW, conv.Dilation, conv.Dilation);
                    inference = ((inference + 15) / 16 * 16) + WinogradSizes.PackedWeightLength((int)taps, conv.InChannels, conv.Filters, winograd) + conv.Filters + kernel;
                    break;
                case PoolSpec pool:
                    if (pool.Kind == OpKind.MaxPool2D)
                        saved += maxBatch * features; // the positions of the maxima
                    break;
                case NormSpec { Kind: OpKind.BatchNorm } norm:
                    parameters += 2 * norm.Features;
                    buffers += 2 * norm.Features;
                    saved += (maxBatch * features) + (2 * norm.Features);
                    break;
                case NormSpec norm:
                    parameters += 2 * norm.Features;
                    saved += (maxBatch * features) + maxBatch;
                    if (ReordersChannels(spec.Input))
                    {
                        saved += 4 * norm.Features; // gain, shift and their gradients in channels-last order
                        inference += 2 * norm.Features;
                    }

                    break;
                case NoiseSpec { Kind: OpKind.SpatialDropout }:
                    saved += maxBatch * spec.Input.Dimensions[0]; // one mask entry per channel
                    break;
                case NoiseSpec:
                    saved += maxBatch * features;
                    break;
            }

            // A Softmax fused into the loss has no activation slot; if it is the only operation, the loss gradient
            // takes one the size of the inputs.
            if (!(softmaxFused && i == ops.Count - 1))
                activations += maxBatch * features;
            else if (ops.Count == 1)
                activations += maxBatch * inputSize;
            shape = spec.Output;
        }

        long scratch = (maxBatch * inputSize) + (2 * maxBatch * maxWidth) + (spare ? maxBatch * maxWidth : 0) + columns;
        return new (string What, long Count)[]
        {
            ("ParameterCount (weights, biases and normalization gains and shifts)", parameters),
            ("BufferCount (running statistics)", buffers),
            ("the activation count (MaxBatch times every operation's width)", activations),
            ("the saved-value count (masks, normalized values and unfolded convolution inputs kept for the backward pass)", saved),
            ("the packed inference weights", inference),
            ("the inference scratch (MaxBatch times the input, two or three times the widest layer, and the widest unfolded convolution input)", scratch),
        };
    }

    /// <summary>
    /// Mirrors the generator's channels-last rule (<c>ChannelsLast.Reorders</c>): a <c>[C, H, W]</c> sample with more
    /// than one channel and one pixel is stored in another order than PyTorch's.
    /// </summary>
    private static bool ReordersChannels(Shape shape) =>
        shape.Rank == 3 && shape.Dimensions[0] > 1 && (long)shape.Dimensions[1] * shape.Dimensions[2] > 1;

    /// <summary>Mirrors <c>ConvKernels.IsPointwise</c>: a 1 x 1 convolution reading its input as its columns.</summary>
    private static bool IsPointwise(ConvSpec conv) =>
        conv.KernelH == 1 && conv.KernelW == 1 && conv.StrideH == 1 && conv.StrideW == 1 && conv.PadH == 0 && conv.PadW == 0;

    /// <summary><c>Array.MaxLength</c>: the most elements a single-dimensional array can hold.</summary>
    public const long MaxArrayLength = 0x7FFFFFC7;

    private static void CheckNetworkArguments(ParsedNetwork network, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        ParsedAttribute attribute = network.NetworkAttribute;
        if (!network.ArgumentsBound)
        {
            // The compiler reports the broken argument; nothing is generated until it is fixed.
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.Location, "the [Network] arguments", "not constant"));
            return;
        }

        if (network.InputSize is null && network.InputShape is null)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.Location, "InputSize (or InputShape)", "missing"));
        else if (network.InputSize is int size && network.InputShape is not null)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidInputShape, attribute.ArgumentLocation("InputShape"), "InputShape and InputSize are both given", "keep InputShape for an image input ([channels, height, width]) or InputSize for a flat one, not both"));
        else if (network.InputSize is int inputSize && inputSize <= 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("InputSize"), "InputSize", Text(inputSize)));
        else if (network.InputShape is { } shape)
        {
            if (shape.Length is not (1 or 3))
                problems.Add(new DeclarationProblem(DiagnosticIds.InvalidInputShape, attribute.ArgumentLocation("InputShape"), $"InputShape {Shape.Of(shape)} has {shape.Length} dimensions", "give 3, new[] { channels, height, width }, for an image, or 1 (or InputSize) for a flat input"));
            else if (System.Array.FindIndex(shape, d => d <= 0) is int index and >= 0)
                problems.Add(new DeclarationProblem(DiagnosticIds.InvalidInputShape, attribute.ArgumentLocation("InputShape"), $"InputShape {Shape.Of(shape)} has {Text(shape[index])} at index {Text(index)}", "every dimension must be at least 1"));
        }

        if (network.MaxBatch <= 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("MaxBatch"), "MaxBatch", Text(network.MaxBatch)));
    }

    private static void CheckLayerProperty(ParsedLayer layer, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        IPropertySymbol property = layer.Property;
        string? reason =
            property.IsStatic ? "it is static" :
            property.Type.ToDisplayString() is not (KnownNames.DenseLayer or KnownNames.ConvLayer) ? $"its type is {property.Type.ToDisplayString()}, expected {SuggestedView(layer)}" :
            property.SetMethod is not null ? "it has a setter" :
            property.IsVirtual || property.IsOverride || property.IsAbstract ? "it is virtual, abstract or an override" :
            property.PartialImplementationPart is { } implementation && !NetworkParser.IsGenerated(implementation)
                ? "it already has an implementation part (the generator writes it)" :
            null;
        if (reason is not null)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidLayerProperty, layer.Location, layer.Name, reason, ViewTypeName(SuggestedView(layer))));
    }

    /// <summary>
    /// The view type to suggest: <c>ConvLayer</c> for a layer with a convolution (its view shows the kernel as
    /// <c>[out, in, kh, kw]</c>), else <c>DenseLayer</c>. Either type is accepted for any layer.
    /// </summary>
    private static string SuggestedView(ParsedLayer layer) =>
        layer.Ops.Exists(op => op.Kind == OpKind.Conv2D) ? KnownNames.ConvLayer : KnownNames.DenseLayer;

    /// <summary><c>DslNets.DenseLayer</c> -&gt; <c>DenseLayer</c>, as the user writes it after <c>using DslNets;</c>.</summary>
    private static string ViewTypeName(string metadataName) => metadataName.Substring(KnownNames.Namespace.Length + 1);

    private static void CheckOp(ParsedLayer layer, ParsedOp op, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        ParsedAttribute attribute = op.Attribute;
        if (!op.ArgumentsBound)
        {
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.Location, $"{op.Name} of layer {layer.Name}", "not constant"));
            return;
        }

        switch (op.Kind)
        {
            case OpKind.Dense when op.Units <= 0:
                problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("units", 0), $"Dense units of layer {layer.Name}", Text(op.Units)));
                break;
            case OpKind.Dense when !Enum.IsDefined(typeof(DenseNormKind), op.Norm):
                problems.Add(new DeclarationProblem(
                    DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Norm"), layer.Name, "Dense Norm", Text((int)op.Norm),
                    string.Join(", ", Enum.GetNames(typeof(DenseNormKind)).Select(n => "DenseNorm." + n))));
                break;
            case OpKind.Conv2D:
                if (op.Filters <= 0)
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("filters", 0), $"Conv2D filters of layer {layer.Name}", Text(op.Filters)));
                if (op.Kernel <= 0)
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("kernel", 1), $"Conv2D kernel of layer {layer.Name}", Text(op.Kernel)));
                CheckStepping(layer, op, "Stride", op.Stride, problems);
                CheckStepping(layer, op, "Dilation", op.Dilation, problems);
                if (op.Padding < 0)
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Padding"), layer.Name, "Conv2D Padding", Text(op.Padding), "0 or more"));
                if (op.PaddingMode is not (PaddingModeKind.Explicit or PaddingModeKind.Same))
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("PaddingMode"), layer.Name, "Conv2D PaddingMode", Text((int)op.PaddingMode), "PaddingMode.Explicit or PaddingMode.Same"));
                if (op.PaddingMode == PaddingModeKind.Same)
                    CheckSamePadding(layer, op, problems);
                break;
            case OpKind.MaxPool2D or OpKind.AvgPool2D:
                if (op.Kernel <= 0)
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("size", 0), $"{op.Name} size of layer {layer.Name}", Text(op.Kernel)));
                else
                    CheckStepping(layer, op, "Stride", op.Stride, problems); // an unwritten stride is the size, reported above
                // PyTorch: "pad should be at most half of effective kernel size"; more would make windows of padding only.
                if (op.Padding < 0 || (op.Kernel > 0 && op.Padding > op.Kernel / 2))
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Padding"), layer.Name, $"{op.Name} Padding", Text(op.Padding), $"0 to half the window size ({Text(System.Math.Max(op.Kernel, 0) / 2)})"));
                break;
            case OpKind.Dropout or OpKind.GaussianDropout or OpKind.SpatialDropout when !(op.DropProbability >= 0 && op.DropProbability < 1):
                problems.Add(new DeclarationProblem(DiagnosticIds.NoiseRateOutOfRange, attribute.ArgumentLocation("p", 0), layer.Name, op.Name, Text(op.DropProbability), "[0, 1)"));
                break;
            case OpKind.Uout when !(op.Beta > 0 && op.Beta <= 1):
                problems.Add(new DeclarationProblem(DiagnosticIds.NoiseRateOutOfRange, attribute.ArgumentLocation("beta", 0), layer.Name, op.Name, Text(op.Beta), "(0, 1]"));
                break;
            case OpKind.Activation when op.Activation!.HasSlope && (double.IsNaN(op.NegativeSlope) || double.IsInfinity(op.NegativeSlope)):
                problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("slope", 0), layer.Name, $"{op.Name} slope", Text(op.NegativeSlope), "a finite number"));
                break;
            case OpKind.BatchNorm or OpKind.LayerNorm:
                if (op.Kind == OpKind.BatchNorm && !(op.Momentum >= 0 && op.Momentum <= 1))
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Momentum"), layer.Name, "BatchNorm Momentum", Text(op.Momentum), "[0, 1]"));
                if (!(op.Epsilon > 0) || double.IsInfinity(op.Epsilon))
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Epsilon"), layer.Name, $"{op.Name} Epsilon", Text(op.Epsilon), "a positive finite number"));
                break;
        }
    }

    /// <summary>
    /// DSL024: a layer names its tensors after itself (<c>hidden.weight</c>, <c>hidden.bias</c>), so it holds at most
    /// one operation with weights. A second one of the same kind is DSL017 already; one of the other kind
    /// (<c>[Conv2D(..), Flatten, Dense(..)]</c>) would list the same tensor names twice in the state dict.
    /// </summary>
    private static void CheckWeightOperations(ParsedLayer layer, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        ParsedOp? first = null;
        foreach (ParsedOp op in layer.Ops)
        {
            if (op.Kind is not (OpKind.Dense or OpKind.Conv2D))
                continue;
            if (first is null)
                first = op;
            else if (op.Kind != first.Kind)
                problems.Add(new DeclarationProblem(DiagnosticIds.SecondWeightOperation, op.Attribute.Location, layer.Name, op.Kind.ToString(), first.Kind.ToString(), NetworkParser.ToSnakeCase(layer.Name)));
        }
    }

    /// <summary>DSL021: a stride or dilation below 1 has no output (PyTorch refuses it too).</summary>
    private static void CheckStepping(ParsedLayer layer, ParsedOp op, string setting, int value, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        if (value < 1)
            problems.Add(new DeclarationProblem(DiagnosticIds.EmptyOutput, op.Attribute.ArgumentLocation(setting), layer.Name, op.Name, setting, Text(value)));
    }

    /// <summary>
    /// DSL012: "same" padding as PyTorch allows it: stride 1 (PyTorch raises for strided convolutions) and an odd
    /// dilated extent, so the padding is symmetric. PyTorch pads an even extent with one more zero at the bottom and
    /// right; DslNets refuses it rather than carry an uneven padding through every kernel and the ONNX export.
    /// </summary>
    private static void CheckSamePadding(ParsedLayer layer, ParsedOp op, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        ParsedAttribute attribute = op.Attribute;
        if (op.Padding != 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Padding"), layer.Name, "Conv2D Padding with PaddingMode.Same", Text(op.Padding), "0 (PaddingMode.Same computes the padding), or remove PaddingMode.Same to pad explicitly"));
        if (op.Stride != 1)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Stride"), layer.Name, "Conv2D Stride with PaddingMode.Same", Text(op.Stride), "1 (as in PyTorch, 'same' padding is for unstrided convolutions; pad explicitly for a strided one)"));
        else if (op.Kernel > 0 && op.Dilation > 0 && op.Dilation * (op.Kernel - 1) % 2 != 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("PaddingMode"), layer.Name, "Conv2D kernel with PaddingMode.Same", Text(op.Kernel), "an odd kernel (an odd dilated extent), so the padding is the same on both sides; for an even kernel pad explicitly"));
    }

    /// <summary>
    /// DSL020 and DSL022: walks the layers in order from the input shape, each operation computing its output shape
    /// from its input shape as its spec will (<see cref="NetworkParser.ToSpec(ParsedNetwork)"/>). An operation that
    /// needs <c>[channels, height, width]</c> and gets a flat input, or whose window does not fit its padded input,
    /// is reported once; the walk stops there (the shapes after it are unknown, and reporting them would repeat the
    /// same mistake). Sizes are computed in 64-bit arithmetic first: a sample larger than an array (a huge
    /// <c>InputShape</c> or padding) is DSL016, never an overflow inside the spec records.
    /// </summary>
    private static void CheckShapes(ParsedNetwork network, HashSet<ParsedOp> invalidOps, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        // An input shape the network arguments check refused has no shapes to walk.
        if (!network.ArgumentsBound || network.ResolvedInputShape is not { } shape || shape.Rank is not (1 or 3) || shape.Dimensions.Any(d => d <= 0))
            return;
        if (TooLarge(network, "the input's values per sample", shape.Dimensions.Aggregate(1m, (product, d) => product * d), problems))
            return;
        (ParsedLayer Layer, ParsedOp Op)? last = null;
        foreach ((ParsedLayer layer, ParsedOp op) in network.AllOps())
        {
            if (invalidOps.Contains(op))
                return;
            last = (layer, op);
            if (op.NeedsImageInput && shape.Rank != 3)
            {
                problems.Add(new DeclarationProblem(DiagnosticIds.NeedsImageInput, op.Attribute.Location, layer.Name, op.Name, shape.ToString()));
                return;
            }

            if (op.Kind is OpKind.Conv2D or OpKind.MaxPool2D or OpKind.AvgPool2D)
            {
                long padding = op.ResolvedPadding;
                long dilation = op.Kind == OpKind.Conv2D ? op.Dilation : 1;
                long extent = (dilation * (op.Kernel - 1)) + 1;
                long height = shape.Dimensions[1] + (2 * padding), width = shape.Dimensions[2] + (2 * padding);
                if (extent > height || extent > width)
                {
                    string window = op.Kind == OpKind.Conv2D
                        ? $"kernel {Text(op.Kernel)}x{Text(op.Kernel)}" + (op.Dilation != 1 ? $" (dilated extent {Text(extent)}x{Text(extent)})" : string.Empty)
                        : $"window {Text(op.Kernel)}x{Text(op.Kernel)}";
                    string input = $"{Text(height)}x{Text(width)}" + (padding != 0 ? $" ({Text(shape.Dimensions[1])}x{Text(shape.Dimensions[2])} padded by {Text(padding)})" : string.Empty);
                    problems.Add(new DeclarationProblem(DiagnosticIds.WindowLargerThanInput, op.Attribute.Location, layer.Name, op.Name, window, input));
                    return;
                }

                long channels = op.Kind == OpKind.Conv2D ? op.Filters : shape.Dimensions[0];
                long stride = op.Stride;
                long outHeight = ConvSpec.OutputLength(shape.Dimensions[1], op.Kernel, stride, padding, dilation);
                long outWidth = ConvSpec.OutputLength(shape.Dimensions[2], op.Kernel, stride, padding, dilation);
                if (TooLarge(network, $"the values per sample after {op.Name} in layer {layer.Name}", (decimal)channels * outHeight * outWidth, problems))
                    return;
            }

            shape = NetworkParser.ToSpec(op, shape).Output;
        }

        // DSL023: the kernels hold an image channels last; only a flat output (or one channel, or one pixel, where
        // both orders agree) reaches the loss and Predict in PyTorch's order.
        if (last is { } end && shape.Rank == 3 && shape.Dimensions[0] > 1 && (long)shape.Dimensions[1] * shape.Dimensions[2] > 1)
            problems.Add(new DeclarationProblem(DiagnosticIds.ImageOutput, end.Op.Attribute.Location, network.Type.Name, shape.ToString(), end.Op.Name, end.Layer.Name));
    }

    /// <summary>
    /// DSL016 for one sample's value count beyond an array (the spec records compute shapes in int). The count is a
    /// decimal: three dimensions of up to about 2^32 each overflow a long.
    /// </summary>
    private static bool TooLarge(ParsedNetwork network, string what, decimal count, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        if (count <= MaxArrayLength)
            return false;
        problems.Add(new DeclarationProblem(DiagnosticIds.NetworkTooLarge, network.Location, network.Type.Name, what, count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
        return true;
    }

    private static void CheckRegularizer(ParsedRegularizer? regularizer, string name, string where, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        if (regularizer is null)
            return;
        if (regularizer.Alpha is not double alpha)
        {
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidRegularization, regularizer.Attribute.Location, where, name, "not constant"));
            return;
        }

        if (double.IsNaN(alpha) || double.IsInfinity(alpha) || alpha < 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidRegularization, regularizer.Attribute.ArgumentLocation("alpha", 0), where, name, Text(alpha)));
    }

    private static string Text(double value) => OpSpec.Format(value);

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
