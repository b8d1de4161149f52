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

        foreach (ParsedLayer layer in network.Layers)
        {
            CheckLayerProperty(layer, problems);
            CheckDuplicateAttributes(layer.Attributes, layer.Name, problems);
            CheckRegularizer(layer.L1, "L1", layer.Name, problems);
            CheckRegularizer(layer.L2, "L2", layer.Name, problems);
            foreach (ParsedOp op in layer.Ops)
                CheckOp(layer, op, problems);
        }

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
        if (network.InputSize is not int inputSize)
            return System.Array.Empty<(string, long)>();
        long maxBatch = network.MaxBatch;
        long width = inputSize, maxWidth = 1;
        long parameters = 0, buffers = 0, activations = 0, saved = 0, inference = 0;
        List<(ParsedLayer Layer, ParsedOp Op)> ops = network.AllOps().ToList();
        bool softmaxFused = ops.Count > 0 && ops[ops.Count - 1].Op.Kind == OpKind.Softmax && network.Loss == LossKind.SoftmaxCrossEntropy;
        for (int i = 0; i < ops.Count; i++)
        {
            ParsedOp op = ops[i].Op;
            long features = op.Kind == OpKind.Dense ? op.Units : width;
            maxWidth = System.Math.Max(maxWidth, features);
            switch (op.Kind)
            {
                case OpKind.Dense:
                    parameters += (width * features) + (op.Bias ? features : 0);
                    inference = ((inference + 15) / 16 * 16) + (width * features) + features; // each packed matrix starts on a 16-float line
                    break;
                case OpKind.BatchNorm:
                    parameters += 2 * features;
                    buffers += 2 * features;
                    saved += (maxBatch * features) + (2 * features);
                    break;
                case OpKind.LayerNorm:
                    parameters += 2 * features;
                    saved += (maxBatch * features) + maxBatch;
                    break;
                case OpKind.Dropout or OpKind.GaussianDropout or OpKind.Uout:
                    saved += maxBatch * features;
                    break;
            }

            // A Softmax fused into the loss has no activation slot; if it is the only operation, the loss gradient
            // takes one the size of the inputs.
            if (!(softmaxFused && i == ops.Count - 1))
                activations += maxBatch * features;
            else if (ops.Count == 1)
                activations += maxBatch * inputSize;
            width = features;
        }

        return new (string What, long Count)[]
        {
            ("ParameterCount (weights, biases and normalization gains and shifts)", parameters),
            ("BufferCount (running statistics)", buffers),
            ("the activation count (MaxBatch times every operation's width)", activations),
            ("the saved-value count (masks and normalized values kept for the backward pass)", saved),
            ("the packed inference weights", inference),
            ("the inference scratch (MaxBatch times the input and twice the widest layer)", (maxBatch * inputSize) + (2 * maxBatch * maxWidth)),
        };
    }

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

        if (network.InputSize is not int inputSize)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.Location, "InputSize", "missing"));
        else if (inputSize <= 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("InputSize"), "InputSize", Text(inputSize)));

        if (network.MaxBatch <= 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("MaxBatch"), "MaxBatch", Text(network.MaxBatch)));
    }

    private static void CheckLayerProperty(ParsedLayer layer, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        IPropertySymbol property = layer.Property;
        string? reason =
            property.IsStatic ? "it is static" :
            property.Type.ToDisplayString() != KnownNames.DenseLayer ? $"its type is {property.Type.ToDisplayString()}, expected DslNets.DenseLayer" :
            property.SetMethod is not null ? "it has a setter" :
            property.IsVirtual || property.IsOverride || property.IsAbstract ? "it is virtual, abstract or an override" :
            property.PartialImplementationPart is { } implementation && !NetworkParser.IsGenerated(implementation)
                ? "it already has an implementation part (the generator writes it)" :
            null;
        if (reason is not null)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidLayerProperty, layer.Location, layer.Name, reason));
    }

    private static void CheckOp(ParsedLayer layer, ParsedOp op, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        ParsedAttribute attribute = op.Attribute;
        if (!op.ArgumentsBound)
        {
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.Location, $"{op.Kind} of layer {layer.Name}", "not constant"));
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
            case OpKind.Dropout or OpKind.GaussianDropout when !(op.DropProbability >= 0 && op.DropProbability < 1):
                problems.Add(new DeclarationProblem(DiagnosticIds.NoiseRateOutOfRange, attribute.ArgumentLocation("p", 0), layer.Name, op.Kind.ToString(), Text(op.DropProbability), "[0, 1)"));
                break;
            case OpKind.Uout when !(op.Beta > 0 && op.Beta <= 1):
                problems.Add(new DeclarationProblem(DiagnosticIds.NoiseRateOutOfRange, attribute.ArgumentLocation("beta", 0), layer.Name, op.Kind.ToString(), Text(op.Beta), "(0, 1]"));
                break;
            case OpKind.LeakyReLU when double.IsNaN(op.NegativeSlope) || double.IsInfinity(op.NegativeSlope):
                problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("slope", 0), layer.Name, "LeakyReLU slope", Text(op.NegativeSlope), "a finite number"));
                break;
            case OpKind.BatchNorm or OpKind.LayerNorm:
                if (op.Kind == OpKind.BatchNorm && !(op.Momentum >= 0 && op.Momentum <= 1))
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Momentum"), layer.Name, "BatchNorm Momentum", Text(op.Momentum), "[0, 1]"));
                if (!(op.Epsilon > 0) || double.IsInfinity(op.Epsilon))
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Epsilon"), layer.Name, $"{op.Kind} Epsilon", Text(op.Epsilon), "a positive finite number"));
                break;
        }
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
