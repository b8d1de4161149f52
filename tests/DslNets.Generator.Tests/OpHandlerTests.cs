using DslNets.Declarations;
using DslNets.Generator.Ops;

namespace DslNets.Generator.Tests;

/// <summary>Every op kind has one handler under <c>Ops/</c>; a kind without one stops the generator with a message, not a guessed kernel name.</summary>
public class OpHandlerTests
{
    [Fact]
    public void EveryOpKind_HasAHandler()
    {
        LayerSpec layer = Layer(new DenseSpec(Shape.Of(4), 4, Bias: true));
        foreach (OpKind kind in Enum.GetValues<OpKind>())
            Assert.NotNull(OpHandler.For(new FakeSpec(kind, Shape.Of(4)), layer));
    }

    [Fact]
    public void OpKindWithoutAHandler_FailsTheEmitter_NamingTheKindTheLayerAndWhereToAddIt()
    {
        var fake = new FakeSpec((OpKind)99, Shape.Of(4));
        NetworkSpec spec = new(
            "Samples",
            EquatableArray<ContainingTypeSpec>.Empty,
            "class",
            "FakeNet",
            EquatableArray<string>.Empty,
            Shape.Of(3),
            MaxBatch: 8,
            LossKind.MeanSquaredError,
            Seed: 1,
            new EquatableArray<LayerSpec>([Layer(new DenseSpec(Shape.Of(3), 4, Bias: true), fake)]));

        NotSupportedException exception = Assert.Throws<NotSupportedException>(() => NetworkEmitter.Emit(spec));

        Assert.Contains("operation kind '99'", exception.Message);
        Assert.Contains("layer Hidden", exception.Message);
        Assert.Contains("generator/DslNets.Generator/Ops/", exception.Message);
    }

    private static LayerSpec Layer(params OpSpec[] ops) =>
        new("Hidden", "public", "hidden", new EquatableArray<OpSpec>(ops), L1: 0, L2: 0);

    /// <summary>An op the declaration model could grow before the generator learns it.</summary>
    private sealed record FakeSpec(OpKind Kind, Shape Shape) : OpSpec(Kind, Shape, Shape)
    {
        public override string Describe() => "Fake";
    }
}
