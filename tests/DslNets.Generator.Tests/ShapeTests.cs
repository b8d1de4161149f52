using DslNets.Declarations;

namespace DslNets.Generator.Tests;

/// <summary>A sample's shape flows through the ops: each op computes its output shape from its input shape.</summary>
public class ShapeTests
{
    [Fact]
    public void EachOp_ReadsThePreviousOpsOutputShape()
    {
        NetworkSpec spec = IncrementalTests.ParseSpec(SnapshotTests.FashionMlp);

        Shape shape = spec.InputShape;
        Assert.Equal(Shape.Of(784), shape);
        foreach (OpSpec op in spec.Layers.SelectMany(l => l.Ops))
        {
            Assert.Equal(shape, op.Input);
            shape = op.Output;
        }

        Assert.Equal(Shape.Of(10), shape);
        Assert.Equal(
            ["[256]", "[256]", "[256]", "[128]", "[128]", "[128]", "[128]", "[10]"],
            spec.Layers.SelectMany(l => l.Ops).Select(o => o.Output.ToString()));
    }

    [Fact]
    public void ShapePreservingOps_KeepAChannelsHeightWidthShape_AndDenseReadsItFlattened()
    {
        Shape image = Shape.Of(8, 4, 4);

        Assert.Equal(image, new ActivationSpec(OpKind.ReLU, image).Output);
        Assert.Equal(image, new NoiseSpec(OpKind.Dropout, image, 0.5, 0).Output);
        var dense = new DenseSpec(image, 10, Bias: true);
        Assert.Equal(Shape.Of(10), dense.Output);
        Assert.Equal(128, dense.InFeatures);
        Assert.Equal("Dense 128 -> 10", dense.Describe());
    }

    [Fact]
    public void BatchNorm_HasOneGainPerChannel_LayerNorm_OnePerValue()
    {
        Shape image = Shape.Of(8, 4, 4);

        Assert.Equal(8, new NormSpec(OpKind.BatchNorm, image, 0.1, 1e-5).Features);
        Assert.Equal(128, new NormSpec(OpKind.LayerNorm, image, 0, 1e-5).Features);
        Assert.Equal(16, new NormSpec(OpKind.BatchNorm, Shape.Of(16), 0.1, 1e-5).Features);
    }

    [Fact]
    public void PerChannelBatchNorm_IsRefusedByTheGenerator_UntilItsKernelsExist()
    {
        NetworkSpec spec = new(
            null,
            EquatableArray<ContainingTypeSpec>.Empty,
            "class",
            "ImageNet",
            EquatableArray<string>.Empty,
            Shape.Of(2, 3, 3),
            MaxBatch: 8,
            LossKind.MeanSquaredError,
            Seed: 1,
            new EquatableArray<LayerSpec>([new LayerSpec("Norm", "public", "norm", new EquatableArray<OpSpec>([new NormSpec(OpKind.BatchNorm, Shape.Of(2, 3, 3), 0.1, 1e-5)]), 0, 0)]));

        NotSupportedException exception = Assert.Throws<NotSupportedException>(() => NetworkEmitter.Emit(spec));
        Assert.Contains("per channel", exception.Message);
        Assert.StartsWith("in [2, 3, 3]; loss MeanSquaredError", spec.Fingerprint());
    }
}
