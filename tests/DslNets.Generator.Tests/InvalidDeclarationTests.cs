using Microsoft.CodeAnalysis;

namespace DslNets.Generator.Tests;

/// <summary>Invalid or half-typed declarations produce no code, no generator diagnostic and no exception.</summary>
public class InvalidDeclarationTests
{
    public static TheoryData<string, string> Declarations => new()
    {
        { "class not partial", "[Network(InputSize = 2)] public class N { [Dense(2)] public partial DenseLayer L { get; } }" },
        { "property not partial", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public DenseLayer L { get; } }" },
        { "missing InputSize", "[Network] public partial class N { [Dense(2)] public partial DenseLayer L { get; } }" },
        { "zero units", "[Network(InputSize = 2)] public partial class N { [Dense(0)] public partial DenseLayer L { get; } }" },
        { "negative MaxBatch", "[Network(InputSize = 2, MaxBatch = -1)] public partial class N { [Dense(2)] public partial DenseLayer L { get; } }" },
        { "dropout rate 1", "[Network(InputSize = 2)] public partial class N { [Dense(2), Dropout(1.0)] public partial DenseLayer L { get; } }" },
        { "uout beta 0", "[Network(InputSize = 2)] public partial class N { [Dense(2), Uout(0)] public partial DenseLayer L { get; } }" },
        { "negative L2", "[Network(InputSize = 2)] [L2(-1)] public partial class N { [Dense(2)] public partial DenseLayer L { get; } }" },
        { "NaN L1", "[Network(InputSize = 2)] public partial class N { [Dense(2), L1(double.NaN)] public partial DenseLayer L { get; } }" },
        { "no layers", "[Network(InputSize = 2)] public partial class N { }" },
        { "wrong property type", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial int L { get; } }" },
        { "static layer", "[Network(InputSize = 2)] public partial class N { [Dense(2)] public static partial DenseLayer L { get; } }" },
        { "missing argument", "[Network(InputSize = 2)] public partial class N { [Dense] public partial DenseLayer L { get; } }" },
        { "unclosed argument list", "[Network(InputSize = 2)] public partial class N { [Dense(] public partial DenseLayer L { get; } }" },
        { "non-constant argument", "[Network(InputSize = System.Environment.ProcessorCount)] public partial class N { [Dense(2)] public partial DenseLayer L { get; } }" },
        { "bad momentum", "[Network(InputSize = 2)] public partial class N { [Dense(2), BatchNorm(Momentum = 2)] public partial DenseLayer L { get; } }" },
        { "containing type not partial", "public class Outer { [Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer L { get; } } }" },
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void InvalidDeclaration_ProducesNoCode_AndNoGeneratorDiagnostic(string name, string declaration)
    {
        var (result, _) = GeneratorHarness.Run("using DslNets;\n" + declaration);

        GeneratorRunResult run = Assert.Single(result.Results);
        Assert.True(run.Exception is null, $"{name}: {run.Exception}");
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.GeneratedSources);
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

    [Fact]
    public void ValidTwin_OfTheInvalidDeclarations_DoesProduceCode()
    {
        var (result, diagnostics) = GeneratorHarness.Run("using DslNets;\n[Network(InputSize = 2)] public partial class N { [Dense(2)] public partial DenseLayer L { get; } }");

        Assert.Single(Assert.Single(result.Results).GeneratedSources);
        Assert.Empty(diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }
}
