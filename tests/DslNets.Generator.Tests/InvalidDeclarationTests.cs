using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslNets.Generator.Tests;

/// <summary>
/// Hostile declarations: legal C# the generator must handle, invalid networks it must complete without noise, and
/// half-typed code. For every one: no generator exception and no error inside generated code.
/// </summary>
public class InvalidDeclarationTests
{
    private const string Layer = "[Dense(2)] public partial DenseLayer L { get; }";

    /// <summary>Legal declarations: a network is generated and the whole compilation has no error or warning.</summary>
    public static TheoryData<string, string> Legal => new()
    {
        { "keyword namespace part", "namespace Company.@base;\n[Network(InputSize = 2)] public partial class Net { " + Layer + " }" },
        { "keyword class name", "[Network(InputSize = 2)] public partial class @object { " + Layer + " }" },
        { "keyword layer name", "[Network(InputSize = 2)] public partial class Net { [Dense(2)] public partial DenseLayer @class { get; } }" },
        { "contextual keyword names", "namespace record.@var;\n[Network(InputSize = 2)] public partial class async { [Dense(2)] public partial DenseLayer await { get; } }" },
        { "no accessibility modifier", "[Network(InputSize = 2)] public partial class Net { [Dense(3)] partial DenseLayer Out { get; } }" },
        { "protected internal layer", "[Network(InputSize = 2)] public partial class Net { [Dense(3)] protected internal partial DenseLayer Out { get; } }" },
        { "new layer property", "public class Base { public int Out => 1; }\n[Network(InputSize = 2)] public partial class Net : Base { [Dense(3)] public new partial DenseLayer Out { get; } }" },
        { "block namespace", "namespace A.B { [Network(InputSize = 2)] internal sealed partial class Net { " + Layer + " } }" },
        { "nested in generic", "public partial class Outer<T> where T : struct { [Network(InputSize = 2)] public partial class Net { " + Layer + " } }" },
        { "generic network", "[Network(InputSize = 2)] public partial class Net<T, @event> where T : class { " + Layer + " }" },
        { "nested in record, struct and static class", "public static partial class A { public partial record B { public partial struct C { [Network(InputSize = 2)] public partial class Net { " + Layer + " } } } }" },
        { "nested in interface", "public partial interface IModels { [Network(InputSize = 2)] public partial class Net { " + Layer + " } }" },
        { "abstract network", "[Network(InputSize = 2)] public abstract partial class Net { " + Layer + " public abstract int Extra { get; } }" },
        { "same name nested and in a namespace", "namespace A { [Network(InputSize = 2)] public partial class Net { " + Layer + " } }\npublic partial class A2 { [Network(InputSize = 2)] public partial class Net { " + Layer + " } }" },
        { "generic and non-generic of one name", "[Network(InputSize = 2)] public partial class Net { " + Layer + " }\n[Network(InputSize = 2)] public partial class Net<T> { " + Layer + " }" },
        { "same name, two namespaces", "namespace A { [Network(InputSize = 2)] public partial class Net { " + Layer + " } }\nnamespace B { [Network(InputSize = 2)] public partial class Net { " + Layer + " } }" },
        { "non-ASCII names", "namespace Réseau;\n[Network(InputSize = 2)] public partial class Modèle { [Dense(2)] public partial DenseLayer Sortie { get; } }" },
        { "layers spread over two parts", "[Network(InputSize = 2)] public partial class Net { " + Layer + " }\npublic partial class Net { [Dense(3)] public partial DenseLayer M { get; } }" },
    };

    [Theory]
    [MemberData(nameof(Legal))]
    public void LegalDeclaration_IsGenerated_AndCompilesWithoutDiagnostics(string name, string declaration)
    {
        var (result, diagnostics, generatorDiagnostics) = GeneratorHarness.RunReportingErrors("using DslNets;\n" + declaration);

        GeneratorRunResult run = Assert.Single(result.Results);
        Assert.True(run.Exception is null, $"{name}: {run.Exception}");
        Assert.Empty(generatorDiagnostics);
        Assert.NotEmpty(run.GeneratedSources);
        Assert.All(run.GeneratedSources, source => Assert.DoesNotContain("throw new global::System.InvalidOperationException(\"The declaration", source.SourceText.ToString()));
        Assert.True(!diagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning), $"{name}:\n{string.Join("\n", diagnostics)}");
    }

    /// <summary>
    /// Invalid or half-typed declarations, with the IDs the generator must report itself (those whose compiler error
    /// in the user's own code stops a command-line build before the analyzers); empty when the analyzers report them.
    /// </summary>
    public static TheoryData<string, string, string> Invalid => new()
    {
        { "class not partial", "[Network(InputSize = 2)] public class N { " + Layer + " }", "DSL004" },
        { "class and properties not partial", "[Network(InputSize = 2)] public class N { [Dense(2)] public DenseLayer L { get; } }", "" },
        { "property not partial", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public DenseLayer L { get; } [Dense(2)] public partial DenseLayer M { get; } }", "" },
        { "containing type not partial", "public class Outer { [Network(InputSize = 2)] public partial class N { " + Layer + " } }", "DSL004" },
        { "missing InputSize", "[Network] public partial class N { " + Layer + " }", "" },
        { "zero units", "[Network(InputSize = 2)] public partial class N { [Dense(0)] public partial DenseLayer L { get; } }", "" },
        { "negative MaxBatch", "[Network(InputSize = 2, MaxBatch = -1)] public partial class N { " + Layer + " }", "" },
        { "dropout rate 1.5", "[Network(InputSize = 2)] public partial class N { [Dense(2), Dropout(1.5)] public partial DenseLayer L { get; } }", "" },
        { "uout beta 0", "[Network(InputSize = 2)] public partial class N { [Dense(2), Uout(0)] public partial DenseLayer L { get; } }", "" },
        { "negative class L2", "[Network(InputSize = 2)] [L2(-1)] public partial class N { " + Layer + " }", "" },
        { "NaN L1", "[Network(InputSize = 2)] public partial class N { [Dense(2), L1(double.NaN)] public partial DenseLayer L { get; } }", "" },
        { "no layers", "[Network(InputSize = 2)] public partial class N { }", "" },
        { "wrong property type", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial int L { get; } }", "" },
        { "nullable layer type", "#nullable enable\n[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer? L { get; } }", "" },
        { "generic property type", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial System.Collections.Generic.List<int[]> L { get; } }", "" },
        { "static layer", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public static partial DenseLayer L { get; } }", "" },
        { "layer with a private setter", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer L { get; private set; } }", "" },
        { "layer with init", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer L { get; init; } }", "" },
        { "virtual layer", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public virtual partial DenseLayer L { get; } }", "" },
        { "bad momentum", "[Network(InputSize = 2)] public partial class N { [Dense(2), BatchNorm(Momentum = 2)] public partial DenseLayer L { get; } }", "" },
        { "partial record", "[Network(InputSize = 2)] public partial record N { " + Layer + " }", "" },
        { "partial record class", "[Network(InputSize = 2)] public partial record class N { " + Layer + " }", "" },
        { "static network class", "[Network(InputSize = 2)] public static partial class N { [Dense(2)] public static partial DenseLayer L { get; } }", "" },
        { "static network class with an instance layer", "[Network(InputSize = 2)] public static partial class N { " + Layer + " }", "DSL013" },
        { "file-local network", "[Network(InputSize = 2)] file partial class N { " + Layer + " }", "DSL013" },
        { "layer named Parameters", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer Parameters { get; } }", "" },
        { "layer named Predict", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer Predict { get; } }", "" },
        { "layer named Save", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer Save { get; } }", "" },
        { "layer named like the class", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer N { get; } }", "" },
        { "layer named like a size type", "[Network(InputSize = 2)] public partial class N { [Dense(8)] public partial DenseLayer Size8 { get; } }", "" },
        { "layer named like another layer's method", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer Hidden { get; } [Dense(2)] public partial DenseLayer HiddenForward { get; } }", "" },
        { "layer named like another layer's constant", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer Hidden { get; } [Dense(2)] public partial DenseLayer Hidden_In { get; } }", "" },
        { "tensor names collide", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer HTTPHead { get; } [Dense(2)] public partial DenseLayer HttpHead { get; } }", "" },
        { "parameter count overflows", "[Network(InputSize = 100000)] public partial class N { [Dense(100000)] public partial DenseLayer L { get; } }", "" },
        { "parameter count wraps negative", "[Network(InputSize = 40000)] public partial class N { [Dense(40000)] public partial DenseLayer A { get; } [Dense(40000)] public partial DenseLayer B { get; } }", "" },
        { "activation count overflows", "[Network(InputSize = 2, MaxBatch = 1000000)] public partial class N { [Dense(4000)] public partial DenseLayer L { get; } }", "" },
        { "Dense twice in one property", "[Network(InputSize = 2)] public partial class N { [Dense(8), Dense(8)] public partial DenseLayer L { get; } }", "DSL017" },
        { "L2 twice on the class", "[Network(InputSize = 2)] [L2(1e-4)] [L2(1e-3)] public partial class N { " + Layer + " }", "DSL017" },
        { "Network on two parts", "[Network(InputSize = 2)] public partial class N { " + Layer + " }\n[Network(InputSize = 3)] public partial class N { }", "DSL017" },
        { "own parameterless constructor", "[Network(InputSize = 2)] public partial class N { public N() { } " + Layer + " }", "" },
        { "own Predict method", "[Network(InputSize = 2)] public partial class N { public void Predict() { } " + Layer + " }", "" },
        { "own field named like a generated one", "[Network(InputSize = 2)] public partial class N { private float[] _parameters = new float[1]; " + Layer + " }", "" },
        { "layer implemented by hand", "[Network(InputSize = 2)] public partial class N { " + Layer + " public partial DenseLayer L => null!; }", "" },
        { "missing argument", "[Network(InputSize = 2)] public partial class N { [Dense] public partial DenseLayer L { get; } }", "" },
        { "unclosed argument list", "[Network(InputSize = 2)] public partial class N { [Dense(] public partial DenseLayer L { get; } }", "" },
        { "missing InputSize value", "[Network(InputSize = )] public partial class N { " + Layer + " }", "" },
        { "non-constant argument", "[Network(InputSize = System.Environment.ProcessorCount)] public partial class N { " + Layer + " }", "" },
        { "misspelled layer type", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayr L { get; } }", "" },
        { "layer without a name", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer { get; } }", "" },
        { "class without a name", "[Network(InputSize = 2)] public partial class { " + Layer + " }", "" },
        { "unclosed class", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer L { get; ", "" },
        { "attribute without a property", "[Network(InputSize = 2)] public partial class N { [Dense(2)] }", "" },
        { "Conv2D without its kernel", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(8)] public partial DenseLayer L { get; } }", "" },
        { "MaxPool2D without its size", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [MaxPool2D] public partial DenseLayer L { get; } }", "" },
        { "Conv2D stride without a value", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(8, 3, Stride = )] public partial DenseLayer L { get; } }", "" },
        { "unclosed InputShape", "[Network(InputShape = new[] { 1, 8 )] public partial class N { [Conv2D(8, 3)] public partial DenseLayer L { get; } }", "" },
        { "InputShape of strings", "[Network(InputShape = new[] { \"1\" })] public partial class N { " + Layer + " }", "" },
        { "Conv2D twice in one property", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(8, 3), Conv2D(8, 3), Flatten] public partial DenseLayer L { get; } }", "DSL017" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidDeclaration_IsCompletedWithoutNoise_AndNothingFailsInGeneratedCode(string name, string declaration, string reportedByGenerator)
    {
        var (result, diagnostics, generatorDiagnostics) = GeneratorHarness.RunReportingErrors("using DslNets;\n" + declaration);

        GeneratorRunResult run = Assert.Single(result.Results);
        Assert.True(run.Exception is null, $"{name}: {run.Exception}");
        bool halfTyped = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && (d.Id == "CS0246" || d.Id.StartsWith("CS1", StringComparison.Ordinal)));
        if (!halfTyped)
            Assert.DoesNotContain(run.GeneratedSources, s => s.SourceText.ToString().Contains("DenseKernels"));
        string[] inGenerated = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
            .Select(d => d.ToString()).ToArray();
        Assert.True(inGenerated.Length == 0, $"{name}: errors in generated code:\n{string.Join("\n", inGenerated)}");
        Assert.Equal(
            reportedByGenerator.Split(',', StringSplitOptions.RemoveEmptyEntries),
            generatorDiagnostics.Select(d => d.Id).Distinct().Order());

        // An unimplemented partial member or a mismatched implementation is noise from our side, unless no part can
        // be added to the class at all (it, or a type around it, is not partial, static or file-local), or the user's
        // code does not parse or bind yet (a property of an unknown type cannot be completed without repeating it).
        if (!reportedByGenerator.Contains("DSL004") && !reportedByGenerator.Contains("DSL013") && !halfTyped)
            Assert.DoesNotContain(diagnostics, d => d.Id is "CS9248" or "CS8799" or "CS0102" or "CS0111" or "CS8785");
    }

    /// <summary>Convolutional mistakes (issue 15), each with the one error the validator must find.</summary>
    public static TheoryData<string, string, string> InvalidConvolutional => new()
    {
        { "InputShape and InputSize", "[Network(InputSize = 784, InputShape = new[] { 1, 28, 28 })] public partial class N { [Conv2D(4, 3)] public partial DenseLayer L { get; } }", "DSL019" },
        { "InputShape of rank 2", "[Network(InputShape = new[] { 28, 28 })] public partial class N { [Conv2D(4, 3)] public partial DenseLayer L { get; } }", "DSL019" },
        { "InputShape of rank 4", "[Network(InputShape = new[] { 1, 1, 28, 28 })] public partial class N { [Dense(2)] public partial DenseLayer L { get; } }", "DSL019" },
        { "InputShape with a zero", "[Network(InputShape = new[] { 1, 0, 28 })] public partial class N { [Conv2D(4, 3)] public partial DenseLayer L { get; } }", "DSL019" },
        { "empty InputShape", "[Network(InputShape = new int[0])] public partial class N { [Dense(2)] public partial DenseLayer L { get; } }", "DSL019" },
        { "neither InputShape nor InputSize", "[Network(MaxBatch = 8)] public partial class N { [Conv2D(4, 3)] public partial DenseLayer L { get; } }", "DSL005" },
        { "kernel larger than the input", "[Network(InputShape = new[] { 1, 4, 4 })] public partial class N { [Conv2D(4, 5)] public partial DenseLayer L { get; } }", "DSL020" },
        { "dilated kernel larger than the input", "[Network(InputShape = new[] { 1, 4, 4 })] public partial class N { [Conv2D(4, 3, Dilation = 2)] public partial DenseLayer L { get; } }", "DSL020" },
        { "pool window larger than the input after downsampling", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 3, Stride = 2)] public partial DenseLayer A { get; } [MaxPool2D(4)] public partial DenseLayer B { get; } }", "DSL020" },
        { "zero stride", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 3, Stride = 0)] public partial DenseLayer L { get; } }", "DSL021" },
        { "negative pool stride", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [AvgPool2D(2, Stride = -2)] public partial DenseLayer L { get; } }", "DSL021" },
        { "zero dilation", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 3, Dilation = 0)] public partial DenseLayer L { get; } }", "DSL021" },
        { "Conv2D on InputSize", "[Network(InputSize = 784)] public partial class N { [Conv2D(4, 3)] public partial DenseLayer L { get; } }", "DSL022" },
        { "SpatialDropout after Dense", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Dense(8), SpatialDropout(0.1)] public partial DenseLayer A { get; } [Dense(2)] public partial DenseLayer B { get; } }", "DSL022" },
        { "GlobalAvgPool2D after Flatten", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Flatten, GlobalAvgPool2D] public partial DenseLayer L { get; } }", "DSL022" },
        { "ends on a convolution's image", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 3)] public partial DenseLayer L { get; } }", "DSL023" },
        { "ends on a pooled image", "[Network(InputShape = new[] { 3, 8, 8 })] public partial class N { [MaxPool2D(2)] public partial DenseLayer L { get; } }", "DSL023" },
        { "zero filters", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(0, 3)] public partial DenseLayer L { get; } }", "DSL005" },
        { "zero pool size", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [MaxPool2D(0)] public partial DenseLayer L { get; } }", "DSL005" },
        { "same padding with an even kernel", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 2, PaddingMode = PaddingMode.Same)] public partial DenseLayer L { get; } }", "DSL012" },
        { "same padding with a stride", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 3, Stride = 2, PaddingMode = PaddingMode.Same)] public partial DenseLayer L { get; } }", "DSL012" },
        { "pool padding over half the window", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [MaxPool2D(2, Padding = 2)] public partial DenseLayer L { get; } }", "DSL012" },
        { "SpatialDropout rate 1", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 3), SpatialDropout(1)] public partial DenseLayer L { get; } }", "DSL002" },
        { "input larger than an array", "[Network(InputShape = new[] { 50000, 50000, 50000 })] public partial class N { [Conv2D(4, 3)] public partial DenseLayer L { get; } }", "DSL016" },
        { "padding near int.MaxValue", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 1, Padding = int.MaxValue / 2)] public partial DenseLayer L { get; } }", "DSL016" },
        { "dilation near int.MaxValue", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 3, Dilation = int.MaxValue)] public partial DenseLayer L { get; } }", "DSL020" },
        { "Dense after Conv2D in one layer", "[Network(InputShape = new[] { 1, 8, 8 })] public partial class N { [Conv2D(4, 3), Flatten, Dense(2)] public partial ConvLayer L { get; } }", "DSL024" },
        { "non-constant InputShape entry", "[Network(InputShape = new[] { 1, System.Environment.ProcessorCount, 8 })] public partial class N { [Conv2D(4, 3)] public partial DenseLayer L { get; } }", "DSL005" },
    };

    [Theory]
    [MemberData(nameof(InvalidConvolutional))]
    public void InvalidConvolutionalDeclaration_HasItsError_AndGeneratesNoNetwork_WithoutAGeneratorException(string name, string declaration, string id)
    {
        string source = "using DslNets;\n" + declaration;
        var (result, diagnostics, generatorDiagnostics) = GeneratorHarness.RunReportingErrors(source);

        GeneratorRunResult run = Assert.Single(result.Results);
        Assert.True(run.Exception is null, $"{name}: {run.Exception}");
        Assert.Empty(generatorDiagnostics);
        Assert.DoesNotContain(diagnostics, d => d.Id is "CS8785" or "CS9248" || (d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
        // Only the completed layer properties (each throws): no constants, no kernels, no Predict.
        string generated = string.Concat(run.GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.Contains("throw new global::System.InvalidOperationException(\"The declaration", generated);
        Assert.DoesNotContain("InputSize =", generated);
        Assert.DoesNotContain("Predict", generated);

        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        INamedTypeSymbol type = compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type).OfType<INamedTypeSymbol>()
            .Single(t => Declarations.NetworkParser.FindNetworkAttribute(t) is not null);
        Declarations.ParsedNetwork network = Declarations.NetworkParser.Parse(type, Declarations.NetworkParser.FindNetworkAttribute(type)!, default);
        Assert.Equal([id], network.Problems.Select(p => p.Id).Distinct());
        Assert.Null(Declarations.NetworkParser.ToSpec(network));
    }

    [Theory]
    [InlineData("public N() { }", "DSL015", "The parameterless constructor of 'N'")]
    [InlineData("public void Predict(int sample) { }", "DSL015", "Member 'Predict'")]
    [InlineData("public int LForward => 1;", "DSL015", "Member 'LForward'")]
    [InlineData("private struct Size2 { }", "DSL015", "Member 'Size2'")]
    [InlineData("public partial DenseLayer L => null!;", "DSL010", "L")]
    public void UserMembers_ThatWouldCollideWithGeneratedCode_AreErrors(string member, string id, string subject)
    {
        string source = "using DslNets;\n[Network(InputSize = 2)] public partial class N { " + Layer + " " + member + " }";
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = GeneratorHarness.Compile(source);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("N")!;
        DslNets.Declarations.DeclarationProblem problem = Assert.Single(
            DslNets.Declarations.NetworkParser.Parse(type, DslNets.Declarations.NetworkParser.FindNetworkAttribute(type)!, default).Problems);

        Assert.Equal(id, problem.Id);
        Assert.Equal(subject, problem.MessageArguments[0]);
    }

    [Fact]
    public void BlockingError_MakesTheGeneratorReportTheErrorsOfEveryNetwork()
    {
        var (_, diagnostics, generatorDiagnostics) = GeneratorHarness.RunReportingErrors("""
            using DslNets;
            [Network(InputSize = 2)] public partial class A { [Dense(8), Dense(8)] public partial DenseLayer L { get; } }
            [Network(InputSize = 2)] public partial class B { [Dense(0)] public partial DenseLayer L { get; } }
            [Network(InputSize = 2)] public partial class C { [Dense(2)] public partial DenseLayer L { get; } }
            """);

        Assert.Equal(["DSL005", "DSL017"], generatorDiagnostics.Select(d => d.Id).Order());
        Diagnostic dsl005 = generatorDiagnostics.Single(d => d.Id == "DSL005");
        Assert.Equal(new Microsoft.CodeAnalysis.Text.LinePosition(2, 57), dsl005.Location.GetLineSpan().StartLinePosition);
        Assert.Equal("Dense units of layer L: 0; sizes must be positive integers and DslNets attribute arguments compile-time constants", dsl005.GetMessage());
        Assert.Contains(diagnostics, d => d.Id == "CS0579");
        Assert.DoesNotContain(diagnostics, d => d.Id == "CS9248");
    }

    [Fact]
    public void InvalidNetwork_GetsItsPartialPropertiesWithTheDeclaredSignature()
    {
        var (result, diagnostics) = GeneratorHarness.Run("""
            using DslNets;
            [Network(InputSize = 2)]
            public partial class N
            {
                [Dense(0)] partial DenseLayer Hidden { get; }
                [Dense(2)] internal partial DenseLayer Output { get; private set; }
            }
            """);

        string source = Assert.Single(Assert.Single(result.Results).GeneratedSources).SourceText.ToString();
        Assert.Contains("    partial global::DslNets.DenseLayer Hidden\n    {\n        get => throw", source);
        Assert.Contains("    internal partial global::DslNets.DenseLayer Output\n    {\n        get => throw", source);
        Assert.Contains("        private set => throw", source);
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void UnknownAttribute_IsLeftToTheCompiler_AndTheKnownLayersAreGenerated()
    {
        var (result, diagnostics) = GeneratorHarness.Run("using DslNets;\n[Network(InputSize = 2)] public partial class N { [Dense(2), Swish] public partial DenseLayer L { get; } }");

        GeneratorRunResult run = Assert.Single(result.Results);
        Assert.Null(run.Exception);
        Assert.Empty(run.Diagnostics);
        Assert.Contains("DenseKernels.Forward", Assert.Single(run.GeneratedSources).SourceText.ToString());
        Assert.Contains(diagnostics, d => d.Id == "CS0246");
    }
}
