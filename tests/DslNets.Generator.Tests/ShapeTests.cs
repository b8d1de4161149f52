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

    public const string FashionCnn = """
        using DslNets;

        [Network(InputShape = new[] { 1, 28, 28 }, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
        [L2(1e-4)]
        public partial class FashionCnn
        {
            [Conv2D(32, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU, MaxPool2D(2)]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(64, 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool2D(2), SpatialDropout(0.1)]
            public partial DenseLayer Conv2 { get; }

            [Conv2D(64, 3, Stride = 2, Dilation = 2), AvgPool2D(2, Stride = 1, Padding = 1), GlobalAvgPool2D, Flatten]
            public partial DenseLayer Head { get; }

            [Dense(10)]
            public partial DenseLayer Output { get; }
        }
        """;

    [Fact]
    public void ConvolutionsAndPools_ComputeTheirOutputShape_WithPyTorchsFormula()
    {
        NetworkSpec spec = IncrementalTests.ParseSpec(FashionCnn);

        Assert.Equal(Shape.Of(1, 28, 28), spec.InputShape);
        Assert.Equal(784, spec.InputSize);
        Shape shape = spec.InputShape;
        foreach (OpSpec op in spec.Layers.SelectMany(l => l.Ops))
        {
            Assert.Equal(shape, op.Input);
            shape = op.Output;
        }

        // torch: Conv2d(1, 32, 3, padding='same') -> [32, 28, 28]; MaxPool2d(2) -> 14; Conv2d(32, 64, 3, padding=1) -> 14;
        // MaxPool2d(2) -> 7; Conv2d(64, 64, 3, stride=2, dilation=2): floor((7 - 4 - 1) / 2) + 1 = 2;
        // AvgPool2d(2, stride=1, padding=1): floor((2 + 2 - 2) / 1) + 1 = 3; AdaptiveAvgPool2d(1) -> 1; Flatten -> 64.
        Assert.Equal(
            ["[32, 28, 28]", "[32, 28, 28]", "[32, 28, 28]", "[32, 14, 14]",
             "[64, 14, 14]", "[64, 14, 14]", "[64, 14, 14]", "[64, 7, 7]", "[64, 7, 7]",
             "[64, 2, 2]", "[64, 3, 3]", "[64, 1, 1]", "[64]",
             "[10]"],
            spec.Layers.SelectMany(l => l.Ops).Select(o => o.Output.ToString()));

        var conv1 = Assert.IsType<ConvSpec>(spec.Layers[0].Ops[0]);
        Assert.Equal((1, 32, 3, 3, 1, 1, 1, 1, 1, false), (conv1.InChannels, conv1.Filters, conv1.KernelH, conv1.KernelW, conv1.StrideH, conv1.StrideW, conv1.PadH, conv1.PadW, conv1.Dilation, conv1.Bias));
        Assert.Equal(32 * 1 * 3 * 3, conv1.WeightCount);
        Assert.Equal(32, Assert.IsType<NormSpec>(spec.Layers[0].Ops[1]).Features);
        var head = Assert.IsType<ConvSpec>(spec.Layers[2].Ops[0]);
        Assert.Equal((2, 2, 0, 2, true), (head.StrideH, head.StrideW, head.PadH, head.Dilation, head.Bias));
        var avg = Assert.IsType<PoolSpec>(spec.Layers[2].Ops[1]);
        Assert.Equal((OpKind.AvgPool2D, 2, 1, 1), (avg.Kind, avg.SizeH, avg.StrideH, avg.PadH));
        var max = Assert.IsType<PoolSpec>(spec.Layers[1].Ops[3]);
        Assert.Equal((OpKind.MaxPool2D, 64, 2, 2, 0, 7, 7), (max.Kind, max.Channels, max.SizeH, max.StrideH, max.PadH, max.OutHeight, max.OutWidth));
        Assert.Equal(new NoiseSpec(OpKind.SpatialDropout, Shape.Of(64, 7, 7), 0.1, 0), spec.Layers[1].Ops[4]);
        Assert.Equal(Shape.Of(64, 1, 1), Assert.IsType<PoolSpec>(spec.Layers[2].Ops[2]).Output);
        Assert.Equal(64, Assert.IsType<DenseSpec>(spec.Layers[3].Ops[0]).InFeatures);
    }

    [Theory]
    [InlineData(28, 3, 1, 1, 1, 28)]
    [InlineData(28, 3, 2, 0, 1, 13)]
    [InlineData(7, 3, 2, 0, 2, 2)]
    [InlineData(5, 5, 1, 0, 1, 1)]
    [InlineData(4, 5, 1, 0, 1, 0)]
    [InlineData(8, 1, int.MaxValue, int.MaxValue, 1, 3)] // 8 + 2 * (2^31 - 1) - 1 overflows an int on the way to 3
    public void OutputLength_IsPyTorchsFormula_InWideArithmetic(int input, int kernel, int stride, int padding, int dilation, int expected)
    {
        Assert.Equal(expected, ConvSpec.OutputLength(input, kernel, stride, padding, dilation));
    }

    [Fact]
    public void ConvolutionalOps_DescribeTheirShapes_InTheFingerprint()
    {
        NetworkSpec spec = IncrementalTests.ParseSpec(FashionCnn);

        Assert.Equal(
            "in [1, 28, 28]; loss SoftmaxCrossEntropy"
            + "; conv1: Conv2D [1, 28, 28] -> [32, 28, 28] (kernel 3, stride 1, padding 1, no bias), BatchNorm (momentum 0.1, eps 1E-05), ReLU, MaxPool2D [32, 28, 28] -> [32, 14, 14] (size 2, stride 2), L2 0.0001"
            + "; conv2: Conv2D [32, 14, 14] -> [64, 14, 14] (kernel 3, stride 1, padding 1, no bias), BatchNorm (momentum 0.1, eps 1E-05), ReLU, MaxPool2D [64, 14, 14] -> [64, 7, 7] (size 2, stride 2), SpatialDropout(p 0.1), L2 0.0001"
            + "; head: Conv2D [64, 7, 7] -> [64, 2, 2] (kernel 3, stride 2, padding 0, dilation 2), AvgPool2D [64, 2, 2] -> [64, 3, 3] (size 2, stride 1, padding 1), GlobalAvgPool2D [64, 3, 3] -> [64, 1, 1], Flatten [64, 1, 1] -> [64], L2 0.0001"
            + "; output: Dense 64 -> 10, L2 0.0001",
            spec.Fingerprint());
        Assert.Equal(["Conv2D", "Conv2D", "Conv2D", "Dense"], spec.Layers.SelectMany(l => l.PenalizedWeights).Select(o => o.Kind.ToString()));
    }

    [Fact]
    public void ShapePreservingOps_KeepAChannelsHeightWidthShape_AndDenseReadsItFlattened()
    {
        Shape image = Shape.Of(8, 4, 4);

        Assert.Equal(image, ActivationSpec.Elementwise(Activations.ReLU, image, 0).Output);
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
    public void PerChannelBatchNorm_NormalizesChannelsLastRows_OneRowPerPixel()
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

        // PyTorch BatchNorm2d: gamma, beta and the running statistics per channel (2), statistics over batch x 3 x 3.
        string source = NetworkEmitter.Emit(spec);
        Assert.Contains("1E-05f, batchSize * 9, 2);", source);
        Assert.Contains("new(\"norm.bn.running_var\", global::DslNets.TensorRole.RunningVariance, Norm_BatchNorm_RunningVar, 2),", source);
        Assert.StartsWith("in [2, 3, 3]; loss MeanSquaredError", spec.Fingerprint());
    }
}
