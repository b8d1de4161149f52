using System.Reflection;
using DslNets.Declarations;

namespace DslNets.Generator.Tests;

/// <summary>
/// The lists that must exist twice because the compiler cannot load the runtime assembly: the runtime's attribute
/// classes and the parser's known names, the declaration model's <see cref="OpKind"/> and the runtime's
/// <see cref="OperationKind"/>, the parser's defaults and the attributes' defaults. Each test fails when they drift.
/// </summary>
public class CatalogTests
{
    private static readonly Assembly Runtime = typeof(NetworkAttribute).Assembly;

    [Fact]
    public void AttributeClasses_KnownNames_OpKind_AndOperationKind_ListTheSameOperations()
    {
        // An operation attribute is one that only a layer property can carry (L1/L2 also go on the class).
        string[] attributeClasses = Runtime.GetExportedTypes()
            .Where(t => typeof(Attribute).IsAssignableFrom(t) && !t.IsAbstract && t.GetCustomAttribute<AttributeUsageAttribute>()?.ValidOn == AttributeTargets.Property)
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();
        // The elementwise activations share OpKind.Activation; the catalog names them.
        string[] activations = Activations.All.Select(a => a.AttributeClassName).ToArray();
        string[] knownNames = KnownNames.OpAttributes.Keys.Concat(activations).Order(StringComparer.Ordinal).ToArray();
        string[] opKinds = Enum.GetNames<OpKind>().Where(n => n != nameof(OpKind.Activation)).Select(n => n + "Attribute")
            .Concat(activations).Order(StringComparer.Ordinal).ToArray();
        string[] operationKinds = Enum.GetNames<OperationKind>().Select(n => n + "Attribute").Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(attributeClasses, knownNames);
        Assert.Equal(attributeClasses, opKinds);
        Assert.Equal(attributeClasses, operationKinds);
        foreach ((string attributeClass, OpKind kind) in KnownNames.OpAttributes)
            Assert.Equal(attributeClass, kind + "Attribute");
        Assert.Equal(Activations.All.Count, activations.Distinct(StringComparer.Ordinal).Count());
    }

    public static TheoryData<string> ActivationNames() => new(Activations.All.Select(a => a.Name));

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void EveryCatalogActivation_HasItsAttributeClass_OperationKind_AndKernelPair(string name)
    {
        Activation activation = Activations.Find(name)!;
        Type? attribute = Runtime.GetType("DslNets." + activation.AttributeClassName);
        Assert.True(attribute is not null, $"The catalog lists {name}, but the runtime has no public class DslNets.{activation.AttributeClassName}.");
        Assert.True(attribute.IsPublic && attribute.IsSealed && typeof(Attribute).IsAssignableFrom(attribute), $"{attribute} must be a public sealed attribute.");
        Assert.Equal(AttributeTargets.Property, attribute.GetCustomAttribute<AttributeUsageAttribute>()?.ValidOn);
        Assert.True(Enum.GetNames<OperationKind>().Any(n => n == name), $"The catalog lists {name}, but OperationKind has no member {name}.");

        // The attribute takes exactly the activation's slope, with the catalog's default, or nothing.
        ParameterInfo[][] constructors = attribute.GetConstructors().Select(c => c.GetParameters()).ToArray();
        ParameterInfo[] parameters = Assert.Single(constructors);
        if (activation.DefaultSlope is double slope)
        {
            ParameterInfo parameter = Assert.Single(parameters);
            Assert.Equal(typeof(double), parameter.ParameterType);
            Assert.Equal(slope, parameter.DefaultValue);
        }
        else
        {
            Assert.Empty(parameters);
        }

        // The kernels the generated code calls, with the signatures it calls them with.
        Type kernels = Runtime.GetType("DslNets.Kernels.ActivationKernels", throwOnError: true)!;
        Type[] slopeArgument = activation.HasSlope ? [typeof(float)] : [];
        Type[] forward = [typeof(Span<float>), typeof(ReadOnlySpan<float>), .. slopeArgument, typeof(int)];
        Type[] backward = [typeof(Span<float>), typeof(ReadOnlySpan<float>), typeof(ReadOnlySpan<float>), .. slopeArgument, typeof(int)];
        Assert.True(
            kernels.GetMethod(activation.KernelStem + "Forward", BindingFlags.Public | BindingFlags.Static, forward) is not null,
            $"ActivationKernels has no public static {activation.KernelStem}Forward({string.Join(", ", forward.Select(t => t.Name))}).");
        Assert.True(
            kernels.GetMethod(activation.KernelStem + "Backward", BindingFlags.Public | BindingFlags.Static, backward) is not null,
            $"ActivationKernels has no public static {activation.KernelStem}Backward({string.Join(", ", backward.Select(t => t.Name))}).");
    }

    [Fact]
    public void KnownTypeNames_ExistInTheRuntime()
    {
        Assert.Equal(KnownNames.NetworkAttribute, typeof(NetworkAttribute).FullName);
        Assert.Equal(KnownNames.DenseLayer, typeof(DenseLayer).FullName);
        Assert.Equal(KnownNames.L1Attribute, typeof(L1Attribute).Name);
        Assert.Equal(KnownNames.L2Attribute, typeof(L2Attribute).Name);
        Assert.All(new[] { typeof(NetworkAttribute), typeof(DenseLayer), typeof(L1Attribute) }, t => Assert.Equal(KnownNames.Namespace, t.Namespace));
    }

    [Fact]
    public void LossKind_MirrorsTheRuntimesLoss_ByNameAndValue()
    {
        Assert.Equal(
            Enum.GetValues<Loss>().Select(l => (l.ToString(), (int)l)),
            Enum.GetValues<LossKind>().Select(l => (l.ToString(), (int)l)));
    }

    [Fact]
    public void PaddingModeKind_MirrorsTheRuntimesPaddingMode_ByNameAndValue()
    {
        Assert.Equal(
            Enum.GetValues<PaddingMode>().Select(m => (m.ToString(), (int)m)),
            Enum.GetValues<PaddingModeKind>().Select(m => (m.ToString(), (int)m)));
    }

    [Fact]
    public void DenseNormKind_MirrorsTheRuntimesDenseNorm_ByNameAndValue()
    {
        Assert.Equal(
            Enum.GetValues<DenseNorm>().Select(n => (n.ToString(), (int)n)),
            Enum.GetValues<DenseNormKind>().Select(n => (n.ToString(), (int)n)));
    }

    [Fact]
    public void ParserDefaults_AreTheRuntimeAttributesDefaults()
    {
        var network = new NetworkAttribute();
        Assert.Equal(NetworkParser.DefaultMaxBatch, network.MaxBatch);
        Assert.Equal(network.Loss.ToString(), NetworkParser.DefaultLoss.ToString());
        Assert.Equal(NetworkParser.DefaultBias, new DenseAttribute(1).Bias);
        Assert.Equal(NetworkParser.DefaultNorm.ToString(), new DenseAttribute(1).Norm.ToString());
        Assert.Equal(NetworkParser.DefaultMomentum, new BatchNormAttribute().Momentum);
        Assert.Equal(NetworkParser.DefaultEpsilon, new BatchNormAttribute().Epsilon);
        Assert.Equal(NetworkParser.DefaultSync, new BatchNormAttribute().Sync);
        Assert.Equal(NetworkParser.DefaultEpsilon, new LayerNormAttribute().Epsilon);
        ParameterInfo slope = Assert.Single(Assert.Single(typeof(LeakyReLUAttribute).GetConstructors()).GetParameters());
        Assert.Equal(Activations.LeakyReLU.DefaultSlope, slope.DefaultValue);

        var conv = new Conv2DAttribute(8, 3);
        Assert.Equal(NetworkParser.DefaultBias, conv.Bias);
        Assert.Equal(NetworkParser.DefaultStride, conv.Stride);
        Assert.Equal(NetworkParser.DefaultPadding, conv.Padding);
        Assert.Equal(NetworkParser.DefaultPaddingMode.ToString(), conv.PaddingMode.ToString());
        Assert.Equal(NetworkParser.DefaultDilation, conv.Dilation);
        Assert.Equal(NetworkParser.DefaultPadding, new MaxPool2DAttribute(2).Padding);
        Assert.Equal(NetworkParser.DefaultPadding, new AvgPool2DAttribute(2).Padding);
        Assert.Null(new NetworkAttribute().InputShape);
    }

    [Fact]
    public void AttributesWrittenWithoutSettings_ParseToTheRuntimeAttributesDefaults()
    {
        NetworkSpec spec = IncrementalTests.ParseSpec("""
            using DslNets;

            [Network(InputSize = 4)]
            public partial class Defaults
            {
                [Dense(3), BatchNorm, LeakyReLU, LayerNorm]
                public partial DenseLayer Hidden { get; }
            }
            """);

        var network = new NetworkAttribute();
        Assert.Equal(network.MaxBatch, spec.MaxBatch);
        Assert.Equal(network.Loss.ToString(), spec.Loss.ToString());
        Assert.Equal(network.Seed, spec.Seed);
        OpSpec[] ops = spec.Layers[0].Ops.ToArray();
        Assert.Equal(new DenseAttribute(3).Bias, Assert.IsType<DenseSpec>(ops[0]).Bias);
        var batchNorm = Assert.IsType<NormSpec>(ops[1]);
        Assert.Equal(new BatchNormAttribute().Momentum, batchNorm.Momentum);
        Assert.Equal(new BatchNormAttribute().Epsilon, batchNorm.Epsilon);
        Assert.Equal(new BatchNormAttribute().Sync, batchNorm.Sync);
        Assert.Equal(new LeakyReLUAttribute().Slope, Assert.IsType<ActivationSpec>(ops[2]).NegativeSlope);
        Assert.Equal(new LayerNormAttribute().Epsilon, Assert.IsType<NormSpec>(ops[3]).Epsilon);
    }

    [Fact]
    public void ConvolutionalAttributesWrittenWithoutSettings_ParseToTheRuntimeAttributesDefaults()
    {
        NetworkSpec spec = IncrementalTests.ParseSpec("""
            using DslNets;

            [Network(InputShape = new[] { 2, 16, 16 })]
            public partial class Defaults
            {
                [Conv2D(4, 3), MaxPool2D(3), AvgPool2D(2), SpatialDropout(0.25), Flatten]
                public partial DenseLayer Hidden { get; }
            }
            """);

        OpSpec[] ops = spec.Layers[0].Ops.ToArray();
        var attribute = new Conv2DAttribute(4, 3);
        var conv = Assert.IsType<ConvSpec>(ops[0]);
        Assert.Equal(
            (attribute.Filters, attribute.Kernel, attribute.Kernel, attribute.Stride, attribute.Stride, attribute.Padding, attribute.Padding, attribute.Dilation, attribute.Bias),
            (conv.Filters, conv.KernelH, conv.KernelW, conv.StrideH, conv.StrideW, conv.PadH, conv.PadW, conv.Dilation, conv.Bias));
        var max = new MaxPool2DAttribute(3);
        var maxSpec = Assert.IsType<PoolSpec>(ops[1]);
        Assert.Equal((max.Size, max.Stride, max.Padding), (maxSpec.SizeH, maxSpec.StrideH, maxSpec.PadH));
        var avg = new AvgPool2DAttribute(2);
        var avgSpec = Assert.IsType<PoolSpec>(ops[2]);
        Assert.Equal((OpKind.AvgPool2D, avg.Size, avg.Stride, avg.Padding), (avgSpec.Kind, avgSpec.SizeW, avgSpec.StrideW, avgSpec.PadW));
        Assert.Equal(new SpatialDropoutAttribute(0.25).P, Assert.IsType<NoiseSpec>(ops[3]).DropProbability);
    }
}
