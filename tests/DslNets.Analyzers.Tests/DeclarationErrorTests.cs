using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using VerifyErrors = DslNets.Analyzers.Tests.Verify<DslNets.Analyzers.DeclarationErrorAnalyzer>;

namespace DslNets.Analyzers.Tests;

/// <summary>The validator's errors as the analyzer reports them: DSL002, DSL003 (error), DSL004, DSL005, DSL010-DSL012.</summary>
public class DeclarationErrorTests
{
    private static DiagnosticResult Error(DiagnosticDescriptor descriptor, int location) =>
        VerifyErrors.Diagnostic(descriptor).WithLocation(location);

    [Fact]
    public Task ValidNetwork_HasNoErrors() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 784, MaxBatch = 128, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
        [L2(1e-4)]
        public partial class FashionMlp
        {
            [Dense(256, Bias = false), BatchNorm(Momentum = 0.05, Epsilon = 1e-3), LeakyReLU(0.1)]
            public partial DenseLayer Hidden1 { get; }

            [Dense(128), LayerNorm, Tanh, Dropout(0), GaussianDropout(0.5), Uout(1)]
            public partial DenseLayer Hidden2 { get; }

            [Dense(10), L2(0), L1(0.5)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task NoiseRates_OutsideTheirRange_AreDsl002_OnTheArgument() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8), Dropout({|#0:1.0|})]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8), GaussianDropout({|#1:p: -0.1|})]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8), Uout({|#2:0|})]
            public partial DenseLayer Hidden3 { get; }

            [Dense(8), Uout({|#3:1.5|})]
            public partial DenseLayer Hidden4 { get; }
        }
        """,
        Error(DiagnosticDescriptors.NoiseRateOutOfRange, 0)
            .WithMessage("Dropout in layer 'Hidden1' is set to 1, outside [0, 1); choose a value in [0, 1)"),
        Error(DiagnosticDescriptors.NoiseRateOutOfRange, 1).WithArguments("Hidden2", "GaussianDropout", "-0.1", "[0, 1)"),
        Error(DiagnosticDescriptors.NoiseRateOutOfRange, 2).WithArguments("Hidden3", "Uout", "0", "(0, 1]"),
        Error(DiagnosticDescriptors.NoiseRateOutOfRange, 3).WithArguments("Hidden4", "Uout", "1.5", "(0, 1]"));

    [Fact]
    public Task RegularizationCoefficients_NegativeNaNOrInfinite_AreDsl003Errors() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        [L2({|#0:-1e-4|})]
        public partial class Net
        {
            [Dense(8), L1({|#1:double.NaN|})]
            public partial DenseLayer Hidden { get; }

            [Dense(2), L2({|#2:double.PositiveInfinity|})]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.InvalidRegularization, 0)
            .WithMessage("L2 coefficient on 'Net' is -0.0001; use a finite constant in [0, 1), typically 1e-5 to 1e-2"),
        Error(DiagnosticDescriptors.InvalidRegularization, 1).WithArguments("Hidden", "L1", "NaN"),
        Error(DiagnosticDescriptors.InvalidRegularization, 2).WithArguments("Output", "L2", "Infinity"));

    [Fact]
    public Task NotPartial_ClassContainingTypeAndProperty_AreDsl004() => VerifyErrors.Analyzer("""
        using DslNets;

        public class {|#1:Outer|}
        {
            [Network(InputSize = 4)]
            public class {|#0:Net|}
            {
                [Dense(8)]
                public partial DenseLayer {|CS0751:Hidden|} { get; }

                [Dense(2)]
                public DenseLayer {|#2:Output|} { get; }
            }
        }
        """,
        Error(DiagnosticDescriptors.NotPartial, 0)
            .WithMessage("The class 'Net' must be partial so the generator can implement the network; add the 'partial' modifier"),
        Error(DiagnosticDescriptors.NotPartial, 1).WithArguments("containing type", "Outer"),
        Error(DiagnosticDescriptors.NotPartial, 2).WithArguments("layer property", "Output"));

    [Fact]
    public Task MissingInputSize_IsDsl005_OnTheNetworkAttribute() => VerifyErrors.Analyzer("""
        using DslNets;

        [{|#0:Network(MaxBatch = 32)|}]
        public partial class Net
        {
            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.InvalidSize, 0)
            .WithMessage("InputSize (or InputShape): missing; sizes must be positive integers and DslNets attribute arguments compile-time constants"));

    [Fact]
    public Task NonPositiveSizes_AreDsl005_OnTheArgument() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network({|#0:InputSize = 0|}, {|#1:MaxBatch = -1|})]
        public partial class Net
        {
            [Dense({|#2:0|})]
            public partial DenseLayer Hidden { get; }

            [Dense({|#3:units: -3|})]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.InvalidSize, 0).WithArguments("InputSize", "0"),
        Error(DiagnosticDescriptors.InvalidSize, 1).WithArguments("MaxBatch", "-1"),
        Error(DiagnosticDescriptors.InvalidSize, 2).WithArguments("Dense units of layer Hidden", "0"),
        Error(DiagnosticDescriptors.InvalidSize, 3).WithArguments("Dense units of layer Output", "-3"));

    [Fact]
    public Task InvalidLayerProperties_AreDsl010() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8)]
            public static partial DenseLayer {|#0:Shared|} { get; }

            [Dense(8)]
            public partial int {|#1:Count|} { get; }

            [Dense(8)]
            public partial DenseLayer {|#2:Settable|} { get; set; }

            [Dense(2)]
            public virtual partial DenseLayer {|#3:Output|} { get; }
        }
        """,
        Error(DiagnosticDescriptors.InvalidLayerProperty, 0)
            .WithMessage("Layer property 'Shared' is invalid because it is static; declare it as a get-only instance property 'public partial DenseLayer Shared { get; }'"),
        Error(DiagnosticDescriptors.InvalidLayerProperty, 1).WithArguments("Count", "its type is int, expected DslNets.DenseLayer", "DenseLayer"),
        Error(DiagnosticDescriptors.InvalidLayerProperty, 2).WithArguments("Settable", "it has a setter", "DenseLayer"),
        Error(DiagnosticDescriptors.InvalidLayerProperty, 3).WithArguments("Output", "it is virtual, abstract or an override", "DenseLayer"));

    [Fact]
    public Task NetworkWithoutLayers_IsDsl011_OnTheClassName() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class {|#0:Empty|}
        {
            public DenseLayer NotALayer { get; }
        }
        """,
        Error(DiagnosticDescriptors.NoLayers, 0)
            .WithMessage("Network 'Empty' declares no layers; add a 'partial DenseLayer' property with layer attributes such as [Dense(10)]"));

    [Fact]
    public Task OperationSettings_OutOfRange_AreDsl012_OnTheArgument() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8), BatchNorm({|#0:Momentum = 1.5|}, {|#1:Epsilon = 0|})]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8), LayerNorm({|#2:Epsilon = -1e-5|})]
            public partial DenseLayer Hidden2 { get; }

            [Dense(2), LeakyReLU({|#3:double.NaN|})]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.InvalidOperationSetting, 0)
            .WithMessage("BatchNorm Momentum of layer 'Hidden1' is 1.5; change it to one of the allowed values: [0, 1]"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 1).WithArguments("Hidden1", "BatchNorm Epsilon", "0", "a positive finite number"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 2).WithArguments("Hidden2", "LayerNorm Epsilon", "-1E-05", "a positive finite number"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 3).WithArguments("Output", "LeakyReLU slope", "NaN", "a finite number"));

    [Fact]
    public Task DenseNorm_NotAValueOfTheEnum_IsDsl012_OnTheArgument() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(2, {|#0:Norm = (DenseNorm)7|})]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.InvalidOperationSetting, 0)
            .WithMessage("Dense Norm of layer 'Output' is 7; change it to one of the allowed values: DenseNorm.None, DenseNorm.Weight, DenseNorm.Cosine, DenseNorm.ScaledCosine"));

    [Fact]
    public Task RecordStaticAndFileLocalNetworks_AreDsl013_OnTheClassName() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial record {|#0:AsRecord|}
        {
            [Dense(2)]
            public partial DenseLayer Output { get; }
        }

        [Network(InputSize = 4)]
        public static partial class {|#1:AsStatic|}
        {
        }

        [Network(InputSize = 4)]
        file partial class {|#2:AsFileLocal|}
        {
        }
        """,
        Error(DiagnosticDescriptors.UnsupportedNetworkType, 0)
            .WithMessage("Network 'AsRecord' is a record, whose compiler-generated equality, ToString and copy constructor would treat the weights as data; declare it as a 'partial class'"),
        Error(DiagnosticDescriptors.UnsupportedNetworkType, 1).WithArguments("AsStatic", "a static class, but a network is an object with weights"),
        Error(DiagnosticDescriptors.NoLayers, 1).WithArguments("AsStatic"),
        Error(DiagnosticDescriptors.UnsupportedNetworkType, 2).WithArguments("AsFileLocal", "file-local, so no other file (the generated one) can add to it"),
        Error(DiagnosticDescriptors.NoLayers, 2).WithArguments("AsFileLocal"));

    [Fact]
    public Task LayersWithTheSameTensorNames_AreDsl014_OnTheLaterLayer() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8)]
            public partial DenseLayer HTTPHead { get; }

            [Dense(2)]
            public partial DenseLayer {|#0:HttpHead|} { get; }
        }
        """,
        Error(DiagnosticDescriptors.TensorNameCollision, 0)
            .WithMessage("Layers 'HTTPHead' and 'HttpHead' both name their tensors 'http_head.*' (the snake_case of the layer name), so Save, Load and ExportOnnx cannot tell them apart; rename layer 'HttpHead'"));

    [Fact]
    public Task LayersNamedLikeGeneratedMembers_AreDsl015_OnTheLayerName() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8)]
            public partial DenseLayer {|#0:Parameters|} { get; }

            [Dense(8)]
            public partial DenseLayer {|#1:Predict|} { get; }

            [Dense(8)]
            public partial DenseLayer {|#2:PredictForward|} { get; }

            [Dense(8)]
            public partial DenseLayer {|#3:Size8|} { get; }

            [Dense(2)]
            public partial DenseLayer {|#4:Parameters_In|} { get; }
        }
        """,
        Error(DiagnosticDescriptors.ReservedName, 0)
            .WithMessage("Layer 'Parameters' collides with the generated member Parameters, which the generator writes into the network class; rename or remove it"),
        Error(DiagnosticDescriptors.ReservedName, 1).WithArguments("Layer 'Predict'", "the generated member Predict"),
        Error(DiagnosticDescriptors.ReservedName, 2).WithArguments("Layer 'PredictForward'", "the method PredictForward of layer Predict"),
        Error(DiagnosticDescriptors.ReservedName, 3).WithArguments("Layer 'Size8'", "the size type Size8"),
        Error(DiagnosticDescriptors.ReservedName, 4).WithArguments("Layer 'Parameters_In'", "the constants Parameters_* of layer Parameters"));

    [Fact]
    public Task MembersNamedLikeGeneratedMembers_AreDsl015_OnTheMember() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            public {|#0:Net|}() { }

            public void {|#1:TrainStep|}() { }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.ReservedName, 0)
            .WithMessage("The parameterless constructor of 'Net' collides with the generated constructor that initializes the weights, which the generator writes into the network class; rename or remove it"),
        Error(DiagnosticDescriptors.ReservedName, 1).WithArguments("Member 'TrainStep'", "the generated member TrainStep"));

    [Fact]
    public Task CountsBeyondAnArray_AreDsl016_WithTheCount() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 100000)]
        public partial class {|#0:Wide|}
        {
            [Dense(100000)]
            public partial DenseLayer Hidden { get; }
        }

        [Network(InputSize = 40000)]
        public partial class {|#1:Deep|}
        {
            [Dense(40000)]
            public partial DenseLayer A { get; }

            [Dense(40000)]
            public partial DenseLayer B { get; }
        }

        [Network(InputSize = 4, MaxBatch = 1000000)]
        public partial class {|#2:Batched|}
        {
            [Dense(4000)]
            public partial DenseLayer Hidden { get; }
        }
        """,
        Error(DiagnosticDescriptors.NetworkTooLarge, 0)
            .WithMessage("In network 'Wide', ParameterCount (weights, biases and normalization gains and shifts) is 10,000,100,000, more than the 2,147,483,591 elements an array can hold; use narrower layers or a smaller MaxBatch"),
        Error(DiagnosticDescriptors.NetworkTooLarge, 1).WithArguments("Deep", "ParameterCount (weights, biases and normalization gains and shifts)", "3,200,080,000"),
        Error(DiagnosticDescriptors.NetworkTooLarge, 2).WithArguments("Batched", "the activation count (MaxBatch times every operation's width)", "4,000,000,000"));

    [Fact]
    public Task AttributeGivenTwice_IsDsl017_OnTheSecond() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        [L2(1e-4), {|#1:{|CS0579:L2|}(1e-3)|}]
        public partial class Net
        {
            [Dense(8), {|#0:{|CS0579:Dense|}(8)|}]
            public partial DenseLayer Hidden { get; }
        }
        """,
        Error(DiagnosticDescriptors.DuplicateAttribute, 1)
            .WithMessage("[L2] is given more than once on 'Net', and each DslNets attribute may appear once per declaration; keep one, and put a second operation of the same kind in a new layer property"),
        Error(DiagnosticDescriptors.DuplicateAttribute, 0).WithArguments("Hidden", "Dense"));

    [Fact]
    public Task ValidConvolutionalNetwork_HasNoErrors() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 3, 32, 32 }, MaxBatch = 32, Seed = 1)]
        [L2(1e-4)]
        public partial class Cnn
        {
            [Conv2D(16, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU, SpatialDropout(0.1), MaxPool2D(2)]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(32, 5, Stride = 2, Padding = 2, Dilation = 1), ReLU, AvgPool2D(3, Stride = 1, Padding = 1)]
            public partial DenseLayer Conv2 { get; }

            [Conv2D(32, 3, Dilation = 2, PaddingMode = PaddingMode.Same), ReLU, GlobalAvgPool2D, Flatten, Dropout(0.2)]
            public partial DenseLayer Conv3 { get; }

            [Dense(10)]
            public partial DenseLayer Output { get; }
        }

        [Network(InputShape = new[] { 12 })]
        public partial class FlatByShape
        {
            [Flatten, Dense(3)]
            public partial DenseLayer Output { get; }
        }

        [Network(InputShape = new[] { 1, 5, 5 })]
        public partial class ExactFit
        {
            [Conv2D(2, 5), MaxPool2D(1)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task InputShape_WithInputSize_WrongRank_OrNonPositive_IsDsl019_OnTheArgument() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 784, {|#0:InputShape = new[] { 1, 28, 28 }|})]
        public partial class Both
        {
            [Dense(2)]
            public partial DenseLayer Output { get; }
        }

        [Network({|#1:InputShape = new[] { 28, 28 }|})]
        public partial class Rank2
        {
            [Dense(2)]
            public partial DenseLayer Output { get; }
        }

        [Network({|#2:InputShape = new[] { 1, 0, 28 }|})]
        public partial class ZeroHeight
        {
            [Conv2D(4, 3)]
            public partial DenseLayer Output { get; }
        }

        [{|#3:Network(InputShape = null)|}]
        public partial class NullShape
        {
            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.InvalidInputShape, 0)
            .WithMessage("InputShape and InputSize are both given; keep InputShape for an image input ([channels, height, width]) or InputSize for a flat one, not both"),
        Error(DiagnosticDescriptors.InvalidInputShape, 1)
            .WithMessage("InputShape [28, 28] has 2 dimensions; give 3, new[] { channels, height, width }, for an image, or 1 (or InputSize) for a flat input"),
        Error(DiagnosticDescriptors.InvalidInputShape, 2).WithArguments("InputShape [1, 0, 28] has 0 at index 1", "every dimension must be at least 1"),
        Error(DiagnosticDescriptors.InvalidSize, 3).WithArguments("InputSize (or InputShape)", "missing"));

    [Fact]
    public Task KernelOrWindow_LargerThanItsPaddedInput_IsDsl020_OnTheAttribute() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 1, 12, 12 })]
        public partial class Net
        {
            [Conv2D(8, 3), MaxPool2D(2)]
            public partial DenseLayer Down1 { get; }

            [MaxPool2D(2)]
            public partial DenseLayer Down2 { get; }

            [{|#0:Conv2D(8, 5)|}, ReLU]
            public partial DenseLayer TooLarge { get; }
        }

        [Network(InputShape = new[] { 2, 6, 4 })]
        public partial class Dilated
        {
            [{|#1:Conv2D(8, 3, Dilation = 2, Padding = 0)|}]
            public partial DenseLayer Conv { get; }
        }

        [Network(InputShape = new[] { 2, 3, 3 })]
        public partial class Average
        {
            [{|#2:AvgPool2D(5)|}]
            public partial DenseLayer Pool { get; }
        }

        [Network(InputShape = new[] { 2, 1, 1 })]
        public partial class Max
        {
            [{|#3:MaxPool2D(4, Padding = 1)|}]
            public partial DenseLayer Pool { get; }
        }
        """,
        Error(DiagnosticDescriptors.WindowLargerThanInput, 0)
            .WithMessage("Conv2D in layer 'TooLarge' has a kernel 5x5 larger than its padded input 2x2, so it has no output; use a smaller window, more padding, or fewer downsampling layers before it"),
        Error(DiagnosticDescriptors.WindowLargerThanInput, 1).WithArguments("Conv", "Conv2D", "kernel 3x3 (dilated extent 5x5)", "6x4"),
        Error(DiagnosticDescriptors.WindowLargerThanInput, 2).WithArguments("Pool", "AvgPool2D", "window 5x5", "3x3"),
        Error(DiagnosticDescriptors.WindowLargerThanInput, 3).WithArguments("Pool", "MaxPool2D", "window 4x4", "3x3 (1x1 padded by 1)"));

    [Fact]
    public Task StrideOrDilation_BelowOne_IsDsl021_OnTheArgument() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class Net
        {
            [Conv2D(4, 3, {|#0:Stride = 0|}), ReLU]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(4, 3, {|#1:Dilation = -1|})]
            public partial DenseLayer Conv2 { get; }

            [MaxPool2D(2, {|#2:Stride = 0|})]
            public partial DenseLayer Pool { get; }
        }
        """,
        Error(DiagnosticDescriptors.EmptyOutput, 0)
            .WithMessage("Conv2D in layer 'Conv1' has Stride = 0, which leaves no output; use 1 or more"),
        Error(DiagnosticDescriptors.EmptyOutput, 1).WithArguments("Conv2", "Conv2D", "Dilation", "-1"),
        Error(DiagnosticDescriptors.EmptyOutput, 2).WithArguments("Pool", "MaxPool2D", "Stride", "0"));

    [Fact]
    public Task ANetworkEndingOnAnImage_IsDsl023_OnItsLastOperation_ButOneChannelOrOnePixelIsNot() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class Tagger
        {
            [Conv2D(8, 3)]
            public partial DenseLayer Conv { get; }

            [ReLU, {|#0:MaxPool2D(2)|}]
            public partial DenseLayer Pool { get; }
        }

        [Network(InputShape = new[] { 3, 8, 8 })]
        public partial class OneChannelOut
        {
            [Conv2D(1, 3)]
            public partial DenseLayer Conv { get; }
        }

        [Network(InputShape = new[] { 3, 8, 8 })]
        public partial class PooledToOnePixel
        {
            [Conv2D(4, 3), GlobalAvgPool2D]
            public partial DenseLayer Conv { get; }
        }

        [Network(InputShape = new[] { 3, 8, 8 })]
        public partial class Flattened
        {
            [Conv2D(4, 3), Flatten]
            public partial DenseLayer Conv { get; }
        }
        """,
        Error(DiagnosticDescriptors.ImageOutput, 0)
            .WithMessage("Network 'Tagger' ends on a [8, 3, 3] image after MaxPool2D in layer 'Pool'; end it with Flatten, GlobalAvgPool2D or a Dense so that its outputs are flat"));

    [Fact]
    public Task ImageOperations_OnAFlatInput_AreDsl022_OnTheAttribute() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputSize = 784)]
        public partial class FlatInput
        {
            [{|#0:Conv2D(8, 3)|}]
            public partial DenseLayer Conv { get; }
        }

        [Network(InputShape = new[] { 1, 28, 28 })]
        public partial class AfterDense
        {
            [Conv2D(8, 3), ReLU]
            public partial DenseLayer Conv { get; }

            [Dense(128), ReLU, {|#1:SpatialDropout(0.2)|}]
            public partial DenseLayer Hidden { get; }

            [Dense(10)]
            public partial DenseLayer Output { get; }
        }

        [Network(InputShape = new[] { 1, 28, 28 })]
        public partial class AfterFlatten
        {
            [Flatten, {|#2:MaxPool2D(2)|}]
            public partial DenseLayer Pool { get; }
        }

        [Network(InputShape = new[] { 16 })]
        public partial class GlobalPoolOnFlat
        {
            [{|#3:GlobalAvgPool2D|}, Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.NeedsImageInput, 0)
            .WithMessage("Conv2D in layer 'Conv' needs a [channels, height, width] input but reads [784]; give the network InputShape = new[] { channels, height, width } and put Conv2D before any Dense or Flatten"),
        Error(DiagnosticDescriptors.NeedsImageInput, 1).WithArguments("Hidden", "SpatialDropout", "[128]"),
        Error(DiagnosticDescriptors.NeedsImageInput, 2).WithArguments("Pool", "MaxPool2D", "[784]"),
        Error(DiagnosticDescriptors.NeedsImageInput, 3).WithArguments("Output", "GlobalAvgPool2D", "[16]"));

    [Fact]
    public Task ADenseAfterAConv2DInOneLayer_IsDsl024_OnTheDense() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class ConvThenDense
        {
            [Conv2D(4, 3, Bias = false), BatchNorm, ReLU, MaxPool2D(2), Flatten, {|#0:Dense(10)|}]
            public partial ConvLayer Block { get; }
        }

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class ImplicitFlatten
        {
            [Conv2D(4, 3), ReLU, {|#1:Dense(16)|}, Tanh]
            public partial ConvLayer Features { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class OneWeightOperationPerLayer
        {
            [Conv2D(4, 3, Bias = false), BatchNorm, ReLU, MaxPool2D(2), Flatten]
            public partial ConvLayer Block { get; }

            [Dense(10)]
            public partial DenseLayer Output { get; }
        }
        """,
        Error(DiagnosticDescriptors.SecondWeightOperation, 0)
            .WithMessage("Dense in layer 'Block' follows Conv2D in the same layer, and both would name their tensors 'block.weight' and 'block.bias'; move Dense to a new layer property"),
        Error(DiagnosticDescriptors.SecondWeightOperation, 1).WithArguments("Features", "Dense", "Conv2D", "features"));

    [Fact]
    public Task ConvolutionSizesAndSettings_OutOfRange_AreDsl005_Dsl002_AndDsl012() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class Net
        {
            [Conv2D({|#0:0|}, {|#1:kernel: -3|})]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(4, 3, {|#2:Padding = -1|}), SpatialDropout({|#3:1|})]
            public partial DenseLayer Conv2 { get; }

            [MaxPool2D({|#4:0|}), AvgPool2D(2, {|#5:Padding = 2|})]
            public partial DenseLayer Pool { get; }
        }

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class Same
        {
            [Conv2D(4, 3, PaddingMode = PaddingMode.Same, {|#6:Padding = 1|})]
            public partial DenseLayer A { get; }

            [Conv2D(4, 3, PaddingMode = PaddingMode.Same, {|#7:Stride = 2|})]
            public partial DenseLayer B { get; }

            [Conv2D(4, 4, {|#8:PaddingMode = PaddingMode.Same|})]
            public partial DenseLayer C { get; }

            [Conv2D(4, 3, {|#9:PaddingMode = (PaddingMode)7|})]
            public partial DenseLayer D { get; }
        }
        """,
        Error(DiagnosticDescriptors.InvalidSize, 0).WithArguments("Conv2D filters of layer Conv1", "0"),
        Error(DiagnosticDescriptors.InvalidSize, 1).WithArguments("Conv2D kernel of layer Conv1", "-3"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 2).WithArguments("Conv2", "Conv2D Padding", "-1", "0 or more"),
        Error(DiagnosticDescriptors.NoiseRateOutOfRange, 3).WithArguments("Conv2", "SpatialDropout", "1", "[0, 1)"),
        Error(DiagnosticDescriptors.InvalidSize, 4).WithArguments("MaxPool2D size of layer Pool", "0"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 5).WithArguments("Pool", "AvgPool2D Padding", "2", "0 to half the window size (1)"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 6).WithArguments("A", "Conv2D Padding with PaddingMode.Same", "1", "0 (PaddingMode.Same computes the padding), or remove PaddingMode.Same to pad explicitly"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 7).WithArguments("B", "Conv2D Stride with PaddingMode.Same", "2", "1 (as in PyTorch, 'same' padding is for unstrided convolutions; pad explicitly for a strided one)"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 8).WithArguments("C", "Conv2D kernel with PaddingMode.Same", "4", "an odd kernel (an odd dilated extent), so the padding is the same on both sides; for an even kernel pad explicitly"),
        Error(DiagnosticDescriptors.InvalidOperationSetting, 9).WithArguments("D", "Conv2D PaddingMode", "7", "PaddingMode.Explicit or PaddingMode.Same"));

    [Fact]
    public Task ImageSamplesLargerThanAnArray_AreDsl016_NotAnOverflow() => VerifyErrors.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 50000, 50000, 50000 })]
        public partial class {|#0:HugeInput|}
        {
            [Conv2D(4, 3)]
            public partial DenseLayer Conv { get; }
        }

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class {|#1:HugePadding|}
        {
            [Conv2D(4, 1, Padding = 1000000000)]
            public partial DenseLayer Conv { get; }
        }
        """,
        Error(DiagnosticDescriptors.NetworkTooLarge, 0)
            .WithMessage("In network 'HugeInput', the input's values per sample is 125,000,000,000,000, more than the 2,147,483,591 elements an array can hold; use narrower layers or a smaller MaxBatch"),
        Error(DiagnosticDescriptors.NetworkTooLarge, 1).WithArguments("HugePadding", "the values per sample after Conv2D in layer Conv", "16,000,000,128,000,000,256"));
}
