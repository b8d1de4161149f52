using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using DslNets.Declarations;
using DslNets.Kernels;
using DslNets.Onnx.Protobuf;
using Google.Protobuf;

namespace DslNets.Onnx;

/// <summary>
/// Turns a network's <see cref="INetwork.Operations"/> and weights into an ONNX <see cref="ModelProto"/>: one node
/// per computing operation, chained through named values, in the order <c>Predict</c> runs them.
/// </summary>
internal sealed class OnnxModelBuilder
{
    private const int FloatElementType = (int)TensorProto.Types.DataType.Float;

    private readonly INetwork _network;
    private readonly Dictionary<string, TensorInfo> _tensors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal) { OnnxNetworkExtensions.InputName };
    private readonly HashSet<string> _initializerNames = new(StringComparer.Ordinal);
    private readonly GraphProto _graph = new();

    // The value the next node reads, its width in features, and whether it is an image [N, C, H, W] (else [N, F]).
    private string _current = OnnxNetworkExtensions.InputName;
    private int _width;
    private bool _image;

    private OnnxModelBuilder(INetwork network)
    {
        _network = network;
        _width = network.InputSize;
        foreach (TensorInfo tensor in network.Tensors)
        {
            if (!_tensors.TryAdd(tensor.Name, tensor))
                throw Inconsistent($"lists the tensor '{tensor.Name}' twice");
        }
    }

    public static ModelProto Build(INetwork network, OnnxExportOptions options)
    {
        var builder = new OnnxModelBuilder(network);
        string outputLink = builder.AddOperations(options.IncludeOutputLink);
        return builder.CreateModel(outputLink);
    }

    /// <summary>Adds every operation and the output link; returns the link's name for the metadata.</summary>
    private string AddOperations(bool includeOutputLink)
    {
        IReadOnlyList<OperationInfo> operations = _network.Operations;
        bool softmaxLink = includeOutputLink && _network.Loss == Loss.SoftmaxCrossEntropy;
        bool sigmoidLink = includeOutputLink && _network.Loss == Loss.BinaryCrossEntropy;

        // Softmax cross-entropy fuses a trailing Softmax into the loss: training stops before it and Predict applies
        // the softmax once, as the output link. The graph does the same (and leaves it out entirely for logits).
        int fusedSoftmax = operations.Count > 0
            && operations[^1].Kind == OperationKind.Softmax
            && _network.Loss == Loss.SoftmaxCrossEntropy
            ? operations.Count - 1
            : -1;

        for (int i = 0; i < operations.Count; i++)
        {
            OperationInfo op = operations[i];
            if (op.InFeatures != _width)
                throw Inconsistent($"operation {i} ({op.Layer} {op.Kind}) reads {op.InFeatures} features, but the previous one gives {_width}");

            // The graph input is one row per sample; an image operation reads it as [N, C, H, W] (PyTorch's order).
            if (op.InputShape.Count == 3 && !_image)
                AddReshapeToImage(op);
            if (i != fusedSoftmax)
                AddOperation(op);
            _width = op.OutFeatures;
        }

        // The graph output is one row per sample: an image left at the end ([N, C, 1, 1] after global pooling) is flattened.
        if (_image)
            AddFlatten("Output");

        if (_width != _network.OutputSize)
            throw Inconsistent($"the last operation gives {_width} features, but OutputSize is {_network.OutputSize}");

        if (softmaxLink)
            AddNode("Softmax", "OutputLink", [_current], IntAttribute("axis", -1));
        else if (sigmoidLink)
            AddNode("Sigmoid", "OutputLink", [_current]);

        if (_graph.Node.Count == 0)
        {
            // Only noise operations (or none): the graph still needs a node that produces the output.
            AddNode("Identity", "Output", [_current]);
        }

        // The last node writes the graph output directly, so no Identity copy is needed.
        NodeProto last = _graph.Node[^1];
        last.Output[0] = OnnxNetworkExtensions.OutputName;
        return softmaxLink ? "softmax" : sigmoidLink ? "sigmoid" : "none";
    }

    private void AddOperation(OperationInfo op)
    {
        switch (op.Kind)
        {
            case OperationKind.Dense:
            {
                // An image input is flattened in PyTorch's nn.Flatten order first (the network does the same).
                if (_image)
                    AddFlatten(op.Layer);

                // Gemm with transB = 1: y = x W^T + b with W stored [out, in] as PyTorch stores it. The two
                // normalizations compute their matrix (and cosine also the input) from standard nodes first.
                string weight = op.Norm switch
                {
                    DenseNorm.None => AddInitializer(op, ".weight", op.OutFeatures, op.InFeatures),
                    DenseNorm.Weight => AddWeightNormWeight(op),
                    DenseNorm.Cosine or DenseNorm.ScaledCosine => AddCosineOperands(op),
                    _ => throw new InvalidOperationException($"Network {_network.Name}: Dense(Norm = {op.Norm}) of {op.Layer} has no ONNX mapping."),
                };
                if (op.HasBias)
                {
                    string bias = AddInitializer(op, ".bias", op.OutFeatures);
                    AddNode("Gemm", op.Layer, [_current, weight, bias], IntAttribute("transB", 1));
                }
                else
                {
                    AddNode("Gemm", op.Layer, [_current, weight], IntAttribute("transB", 1));
                }

                break;
            }

            case OperationKind.BatchNorm:
            {
                // Inference mode (training_mode = 0, the default): normalizes with the running statistics. ONNX's
                // momentum weighs the old running value (PyTorch's weighs the batch), hence 1 - momentum; inference
                // ignores it, it is written so the node states the layer as declared.
                // Over an image: per channel (axis 1), as BatchNorm2d.
                int features = op.InputShape.Count == 3 ? op.InputShape[0] : op.OutFeatures;
                string gamma = AddInitializer(op, ".weight", features);
                string beta = AddInitializer(op, ".bias", features);
                string mean = AddInitializer(op, ".running_mean", features);
                string variance = AddInitializer(op, ".running_var", features);
                AddNode(
                    "BatchNormalization",
                    op.Layer,
                    [_current, gamma, beta, mean, variance],
                    FloatAttribute("epsilon", op.Epsilon),
                    FloatAttribute("momentum", 1f - op.Momentum));
                break;
            }

            case OperationKind.LayerNorm:
            {
                // Over an image: over [C, H, W] from axis 1, with gain and shift of that shape (LayerNorm([C, H, W])).
                int[] shape = op.InputShape.Count == 3 ? [op.InputShape[0], op.InputShape[1], op.InputShape[2]] : [op.OutFeatures];
                string gamma = AddInitializer(op, ".weight", shape);
                string beta = AddInitializer(op, ".bias", shape);
                AddNode(
                    "LayerNormalization",
                    op.Layer,
                    [_current, gamma, beta],
                    IntAttribute("axis", _image ? 1 : -1),
                    FloatAttribute("epsilon", op.Epsilon));
                break;
            }

            case OperationKind.Conv2D:
            {
                string weight = AddInitializer(op, ".weight", op.OutputShape[0], op.InputShape[0], op.KernelHeight, op.KernelWidth);
                string[] inputs = op.HasBias ? [_current, weight, AddInitializer(op, ".bias", op.OutputShape[0])] : [_current, weight];
                AddNode(
                    "Conv",
                    op.Layer,
                    inputs,
                    IntsAttribute("kernel_shape", op.KernelHeight, op.KernelWidth),
                    IntsAttribute("strides", op.StrideHeight, op.StrideWidth),
                    IntsAttribute("pads", op.PaddingHeight, op.PaddingWidth, op.PaddingHeight, op.PaddingWidth),
                    IntsAttribute("dilations", op.Dilation, op.Dilation));
                break;
            }

            case OperationKind.MaxPool2D:
                AddNode(
                    "MaxPool",
                    op.Layer,
                    [_current],
                    IntsAttribute("kernel_shape", op.KernelHeight, op.KernelWidth),
                    IntsAttribute("strides", op.StrideHeight, op.StrideWidth),
                    IntsAttribute("pads", op.PaddingHeight, op.PaddingWidth, op.PaddingHeight, op.PaddingWidth));
                break;
            case OperationKind.AvgPool2D:
                // PyTorch's default count_include_pad=True: padded zeros count in the average.
                AddNode(
                    "AveragePool",
                    op.Layer,
                    [_current],
                    IntsAttribute("kernel_shape", op.KernelHeight, op.KernelWidth),
                    IntsAttribute("strides", op.StrideHeight, op.StrideWidth),
                    IntsAttribute("pads", op.PaddingHeight, op.PaddingWidth, op.PaddingHeight, op.PaddingWidth),
                    IntAttribute("count_include_pad", 1));
                break;
            case OperationKind.GlobalAvgPool2D:
                AddNode("GlobalAveragePool", op.Layer, [_current]);
                break;
            case OperationKind.Flatten:
                AddFlatten(op.Layer);
                break;

            case OperationKind kind when Activations.Find(kind.ToString()) is { } activation:
                _current = AddTerm(op, activation.Onnx, _current);
                break;
            case OperationKind.Softmax:
                AddNode("Softmax", op.Layer, [_current], IntAttribute("axis", -1));
                break;
            case OperationKind.Dropout or OperationKind.GaussianDropout or OperationKind.Uout or OperationKind.SpatialDropout:
                // Identity at inference: no node, the next operation reads the same value.
                break;
            default:
                throw new InvalidOperationException($"Network {_network.Name}: the operation {op.Kind} of {op.Layer} has no ONNX mapping.");
        }
    }

    /// <summary>Reshape of the [N, C * H * W] rows to [N, C, H, W] before the first image operation.</summary>
    private void AddReshapeToImage(OperationInfo op)
    {
        string name = "input_shape";
        if (!_initializerNames.Add(name))
            throw Inconsistent("reshapes its input to an image twice");
        byte[] bytes = new byte[4 * sizeof(long)];
        long[] values = [-1L, op.InputShape[0], op.InputShape[1], op.InputShape[2]];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        var shape = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
        shape.Dims.Add(4);
        _graph.Initializer.Add(shape);
        AddNode("Reshape", "Input", [_current, name]);
        _image = true;
    }

    /// <summary>[N, C, H, W] to [N, C * H * W], channel by channel (PyTorch's nn.Flatten).</summary>
    private void AddFlatten(string layer)
    {
        AddNode("Flatten", layer, [_current], IntAttribute("axis", 1));
        _image = false;
    }

    /// <summary>
    /// Weight normalization, as PyTorch's <c>weight_norm</c> exports it: <c>w = weight_g * weight_v / ||weight_v||</c>
    /// per row (ReduceSumSquare, Sqrt, Div, Mul; no epsilon). Returns the value holding <c>w</c>; the node chain's
    /// input (<see cref="_current"/>) is left as it was.
    /// </summary>
    private string AddWeightNormWeight(OperationInfo op)
    {
        string input = _current;
        string gain = AddInitializer(op, ".weight_g", op.OutFeatures, 1);
        string direction = AddInitializer(op, ".weight_v", op.OutFeatures, op.InFeatures);
        string norm = AddNode("Sqrt", op.Layer, [AddNode("ReduceSumSquare", op.Layer, [direction], IntsAttribute("axes", 1), IntAttribute("keepdims", 1))]);
        string weight = AddNode("Mul", op.Layer, [gain, AddNode("Div", op.Layer, [direction, norm])]);
        _current = input;
        return weight;
    }

    /// <summary>
    /// Cosine normalization: divides the input rows and the weight rows by <c>sqrt(|.|^2 + eps)</c> (ReduceSumSquare,
    /// Add, Sqrt, Div), multiplies the weight by the learned scale for <see cref="DenseNorm.ScaledCosine"/>, and leaves
    /// the normalized input as <see cref="_current"/> for the Gemm. Returns the value holding the normalized weight.
    /// </summary>
    private string AddCosineOperands(OperationInfo op)
    {
        string input = _current;
        string epsilon = AddNode("Constant", op.Layer, [], FloatAttribute("value_float", RowNormalizationKernels.CosineEpsilon));
        string weight = AddInitializer(op, ".weight", op.OutFeatures, op.InFeatures);
        string unitWeight = AddUnitRows(op, weight, epsilon);
        if (op.Norm == DenseNorm.ScaledCosine)
            unitWeight = AddNode("Mul", op.Layer, [AddInitializer(op, ".scale", 1), unitWeight]);
        _current = AddUnitRows(op, input, epsilon);
        return unitWeight;
    }

    /// <summary><c>x / sqrt(ReduceSumSquare(x, axis 1) + eps)</c>: each row of a 2-D value at unit length.</summary>
    private string AddUnitRows(OperationInfo op, string value, string epsilon)
    {
        string squares = AddNode("ReduceSumSquare", op.Layer, [value], IntsAttribute("axes", 1), IntAttribute("keepdims", 1));
        string norm = AddNode("Sqrt", op.Layer, [AddNode("Add", op.Layer, [squares, epsilon])]);
        return AddNode("Div", op.Layer, [value, norm]);
    }

    /// <summary>
    /// Writes the nodes of an activation's ONNX expression (its catalog entry's <see cref="Activation.Onnx"/>) over
    /// <paramref name="input"/>, inputs before the operator that reads them; returns the value holding the result.
    /// </summary>
    private string AddTerm(OperationInfo op, OnnxTerm term, string input)
    {
        if (term.IsInput)
            return input;
        if (term.IsScalar)
            return AddNode("Constant", op.Layer, [], FloatAttribute("value_float", term.Value));

        string[] inputs = new string[term.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = AddTerm(op, term.Inputs[i], input);
        return term.SlopeAttribute is null
            ? AddNode(term.OpType!, op.Layer, inputs)
            : AddNode(term.OpType!, op.Layer, inputs, FloatAttribute(term.SlopeAttribute, op.NegativeSlope));
    }

    /// <summary>
    /// Appends a node reading <paramref name="inputs"/> and writing a new value named <c>{Layer}/{OpType}</c>
    /// (numbered when a layer repeats an operator), which becomes the input of the next node.
    /// </summary>
    private string AddNode(string opType, string layer, string[] inputs, params AttributeProto[] attributes)
    {
        string name = layer + "/" + opType;
        for (int n = 2; !_valueNames.Add(name); n++)
            name = layer + "/" + opType + "_" + n.ToString(CultureInfo.InvariantCulture);

        var node = new NodeProto { Name = name, OpType = opType };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        _current = name;
        return name;
    }

    /// <summary>
    /// Adds the tensor <c>{TensorPrefix}{suffix}</c> as a FLOAT initializer (raw little-endian data) under its
    /// state-dict name, after checking it has the shape the operation needs; returns the name.
    /// </summary>
    private string AddInitializer(OperationInfo op, string suffix, params int[] shape)
    {
        string name = op.TensorPrefix + suffix;
        if (!_tensors.TryGetValue(name, out TensorInfo? info))
            throw Inconsistent($"{op.Layer} {op.Kind} needs the tensor '{name}', which Tensors does not list");
        if (!info.Shape.AsSpan().SequenceEqual(shape))
            throw Inconsistent($"the tensor '{name}' has shape [{string.Join(", ", info.Shape)}], but {op.Layer} {op.Kind} needs [{string.Join(", ", shape)}]");

        if (!_initializerNames.Add(name))
            throw Inconsistent($"the tensor '{name}' is used by two operations");

        ReadOnlySpan<float> buffer = info.IsParameter ? _network.Parameters : _network.Buffers;
        if (info.Offset < 0 || info.Offset > buffer.Length - info.Length)
            throw Inconsistent($"the tensor '{name}' (offset {info.Offset}, {info.Length} values) lies outside its buffer of {buffer.Length}");

        ReadOnlySpan<float> values = buffer.Slice(info.Offset, info.Length);
        byte[] bytes = new byte[checked(values.Length * sizeof(float))];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);

        var tensor = new TensorProto
        {
            Name = name,
            DataType = FloatElementType,
            RawData = UnsafeByteOperations.UnsafeWrap(bytes),
        };
        foreach (int dimension in info.Shape)
            tensor.Dims.Add(dimension);
        _graph.Initializer.Add(tensor);
        return name;
    }

    private ModelProto CreateModel(string outputLink)
    {
        _graph.Name = _network.Name;
        _graph.Input.Add(BatchOf(OnnxNetworkExtensions.InputName, _network.InputSize));
        _graph.Output.Add(BatchOf(OnnxNetworkExtensions.OutputName, _network.OutputSize));

        var model = new ModelProto
        {
            IrVersion = OnnxNetworkExtensions.IrVersion,
            ProducerName = OnnxNetworkExtensions.ProducerName,
            ProducerVersion = typeof(OnnxModelBuilder).Assembly.GetName().Version?.ToString(3) ?? string.Empty,
            DocString = $"{_network.Name}: the DslNets inference graph (batch norm on running statistics, dropout and noise omitted), output link {outputLink}.",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxNetworkExtensions.OpsetVersion });
        model.MetadataProps.Add(Entry(NetworkMetadata.NetworkKey, _network.Name));
        model.MetadataProps.Add(Entry(NetworkMetadata.FingerprintKey, _network.Fingerprint));
        model.MetadataProps.Add(Entry(OnnxNetworkExtensions.LossKey, _network.Loss.ToString()));
        model.MetadataProps.Add(Entry(OnnxNetworkExtensions.OutputLinkKey, outputLink));
        return model;
    }

    /// <summary>A FLOAT value of shape <c>[batch, features]</c> with a symbolic batch dimension.</summary>
    private static ValueInfoProto BatchOf(string name, int features)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = OnnxNetworkExtensions.BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = features });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatElementType, Shape = shape } },
        };
    }

    private static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };

    private InvalidOperationException Inconsistent(string what) =>
        new($"Network {_network.Name} cannot be exported to ONNX: {what}.");
}
