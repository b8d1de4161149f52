#!/usr/bin/python3
"""PyTorch reference fixtures for DslNets.

Run with Debian's interpreter and python3-torch (1.13):

    /usr/bin/python3 tools/reference/make_fixtures.py tests/DslNets.Reference.Tests/Fixtures

For every network in NETWORKS (the same declarations as tests/DslNets.Reference.Tests/ReferenceNetworks.cs) it
writes two safetensors files:

  <Name>.weights.safetensors   the initial state dict, exactly as PyTorch names it (num_batches_tracked included),
                               which DslNets must `Load`;
  <Name>.expected.safetensors  what PyTorch computes from it: per batch size B, the inputs and targets, eval-mode
                               outputs (Predict) and logits (PredictLogits), train-mode outputs (TrainingForward),
                               data loss, regularization loss (the library's L1/L2 convention written out),
                               every parameter gradient and the running statistics after one training step; and a
                               10-step trace (learning rate, loss, every tensor after each step) for each optimizer.

PyTorch computes in float64 from float32 weights and inputs, so the fixtures are the exact answer rounded once to
float32 and any difference the tests see is DslNets' own float32 rounding. Noise layers in training use masks drawn
by a port of DslNets' generator (xoshiro128**) from a state stored in the fixture: the test sets the network's
NoiseState to it, so both sides multiply by the same masks.

There is no `safetensors` package in Debian: the format is written by hand below (8-byte little-endian header
length, a JSON header padded with spaces to a multiple of 8, raw little-endian data, tensors ordered by name).
"""

import json
import warnings
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)  # one thread: the same sums in the same order on every run
# SequentialLR in torch 1.13 steps the next scheduler with an explicit epoch at the milestone and warns about it.
warnings.filterwarnings("ignore", message="The epoch parameter in `scheduler.step\\(\\)`")


def f32(x):
    """The float32 value DslNets compiles a declared double into."""
    return float(np.float32(x))


# ---------------------------------------------------------------------------------------------------------------
# Networks: one entry per class in ReferenceNetworks.cs. A layer is (property name, ops, per-layer penalties).

def dense(units, bias=True, norm="None"):
    return ("Dense", units, bias, norm)


# docs/normalization.md: the epsilon inside each norm of cosine normalization (RowNormalizationKernels.CosineEpsilon).
COSINE_EPSILON = 1e-8


def cosine_linear(x, weight, bias, scale):
    """DslNets' cosine normalization (Luo et al. 2017), which PyTorch has no module for:
    y = s * cos(w_o, x) + b with cos(w, x) = w.x / (sqrt(|w|^2 + eps) * sqrt(|x|^2 + eps)), s = 1 without a scale."""
    eps = f32(COSINE_EPSILON)
    x_unit = x / torch.sqrt((x * x).sum(dim=1, keepdim=True) + eps)
    w_unit = weight / torch.sqrt((weight * weight).sum(dim=1, keepdim=True) + eps)
    y = F.linear(x_unit, w_unit)
    if scale is not None:
        y = scale * y
    return y if bias is None else y + bias


def conv(filters, kernel, stride=1, padding=0, dilation=1, bias=True):
    return ("Conv2D", filters, kernel, stride, padding, dilation, bias)


NETWORKS = [
    dict(name="BatchNormClassifier", input=6, max_batch=16, loss="SoftmaxCrossEntropy", l1=0.0, l2=1e-3,
         layers=[("Hidden1", [dense(8, False), ("BatchNorm", 0.3, 1e-3), ("ReLU",)], {}),
                 ("Hidden2", [dense(7), ("LeakyReLU", 0.1)], {"l1": 2e-3}),
                 ("Output", [dense(4)], {"l2": 0.0})]),
    dict(name="LayerNormRegressor", input=5, max_batch=7, loss="MeanSquaredError", l1=1e-3, l2=0.0,
         layers=[("Hidden1", [dense(6), ("LayerNorm", 1e-3), ("Tanh",)], {}),
                 ("Hidden2", [dense(5, False), ("LayerNorm", 1e-5), ("Sigmoid",)], {"l2": 5e-3}),
                 ("Output", [dense(3)], {"l1": 0.0})]),
    dict(name="MultiLabelClassifier", input=4, max_batch=12, loss="BinaryCrossEntropy", l1=0.0, l2=0.0,
         layers=[("Hidden", [dense(6), ("Sigmoid",)], {}),
                 ("Output", [dense(3)], {})]),
    dict(name="SoftmaxRegressor", input=4, max_batch=8, loss="MeanSquaredError", l1=0.0, l2=0.0,
         layers=[("Hidden", [dense(5), ("Tanh",)], {}),
                 ("Output", [dense(3), ("Softmax",)], {"l2": 1e-2})]),
    dict(name="FusedSoftmaxClassifier", input=5, max_batch=9, loss="SoftmaxCrossEntropy", l1=1e-3, l2=1e-3,
         layers=[("Hidden", [dense(6), ("ReLU",)], {}),
                 ("Output", [dense(3), ("Softmax",)], {})]),
    dict(name="NoisyRegressor", input=5, max_batch=10, loss="MeanSquaredError", l1=0.0, l2=1e-3,
         layers=[("Hidden1", [dense(8), ("ReLU",), ("Dropout", 0.25)], {}),
                 ("Hidden2", [dense(8), ("Tanh",), ("GaussianDropout", 0.2)], {}),
                 ("Hidden3", [dense(6), ("LeakyReLU", 0.05), ("Uout", 0.3)], {}),
                 ("Output", [dense(2)], {})]),
    dict(name="DeepBatchNormTagger", input=6, max_batch=32, loss="BinaryCrossEntropy", l1=0.0, l2=0.0,
         layers=[("Hidden1", [dense(8, False), ("BatchNorm", 0.1, 1e-5), ("Tanh",)], {}),
                 ("Hidden2", [dense(8, False), ("BatchNorm", 0.05, 1e-4), ("ReLU",), ("Dropout", 0.1)], {}),
                 ("Output", [dense(3)], {})]),
    # Weight normalization as torch.nn.utils.weight_norm(nn.Linear, dim=0) computes it (weight_g, weight_v), one
    # layer folded with a batch norm in inference; L1/L2 on weight_v. A batch norm cancels the gain g up to its
    # epsilon (DSL018): with eps 1e-5 g's gradient is float noise, so this one has eps 0.5 and g a real gradient.
    dict(name="WeightNormClassifier", input=6, max_batch=9, loss="SoftmaxCrossEntropy", l1=0.0, l2=1e-3,
         layers=[("Hidden1", [dense(8, norm="Weight"), ("ReLU",)], {}),
                 ("Hidden2", [dense(7, False, norm="Weight"), ("BatchNorm", 0.2, 0.5), ("Tanh",)], {"l1": 2e-3}),
                 ("Output", [dense(4)], {})]),
    # Cosine normalization behind a plain layer (the gradient through |x| reaches it), then scaled cosine logits.
    # Sigmoid, not ReLU, between the two: a sample whose ReLUs all die feeds the next cosine a zero vector, whose
    # norm is then sqrt(eps) and whose gradients are float noise on both sides.
    dict(name="CosineRegressor", input=5, max_batch=8, loss="MeanSquaredError", l1=0.0, l2=0.0,
         layers=[("Hidden", [dense(6), ("Tanh",)], {}),
                 ("Cosine", [dense(5, norm="Cosine"), ("Sigmoid",)], {"l2": 1e-2}),
                 ("Output", [dense(3, norm="ScaledCosine")], {"l1": 1e-3})]),
    # Convolutional networks: "input" is [channels, height, width]; a sample is one row of C*H*W values (NCHW).
    dict(name="ConvClassifier", input=(1, 8, 8), max_batch=16, loss="SoftmaxCrossEntropy", l1=0.0, l2=1e-3,
         layers=[("Block1", [conv(4, 3, padding=1, bias=False), ("BatchNorm", 0.1, 1e-5), ("ReLU",), ("MaxPool2D", 2, 2, 0)], {}),
                 ("Block2", [conv(6, 3, padding=1), ("Tanh",), ("AvgPool2D", 2, 2, 0)], {"l1": 2e-3}),
                 ("Output", [dense(5)], {})]),
    dict(name="ConvTagger", input=(3, 7, 6), max_batch=12, loss="MeanSquaredError", l1=0.0, l2=0.0,
         layers=[("Conv1", [conv(5, 3, stride=2, padding=1, bias=False), ("BatchNorm", 0.2, 1e-3), ("ReLU",), ("SpatialDropout", 0.25)], {}),
                 ("Conv2", [conv(8, 1), ("LayerNorm", 1e-5), ("Sigmoid",), ("Dropout", 0.2)], {"l2": 1e-3}),
                 ("Head", [("MaxPool2D", 3, 1, 1), ("GlobalAvgPool2D",), ("Flatten",), dense(2)], {})]),
]

# Optimizers of the 10-step traces, each with a learning-rate schedule; the test builds the same from this metadata.
OPTIMIZERS = [
    dict(name="sgd_momentum", kind="SGD", lr=0.1, momentum=0.9, nesterov=False, weight_decay=0.0,
         schedule=dict(kind="StepLR", step_size=3, gamma=0.5)),
    dict(name="sgd_nesterov", kind="SGD", lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3,
         schedule=dict(kind="CosineAnnealingLR", t_max=10)),
    dict(name="adam", kind="Adam", lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-3,
         schedule=dict(kind="LinearLR", start_factor=1.0 / 3.0, end_factor=1.0, total_iters=4)),
    # The PyTorch a user would write for DslNets' Keras-style L2(alpha): no penalty in the loss, SGD's weight_decay =
    # 2 * alpha on the dense weights only (a parameter group each). DslNets runs the same Sgd as sgd_momentum.
    dict(name="sgd_l2_as_weight_decay", kind="SGD", lr=0.1, momentum=0.9, nesterov=False, weight_decay=0.0,
         l2_as_weight_decay=True, schedule=dict(kind="StepLR", step_size=3, gamma=0.5)),
    # DslNets' Cosine stays at the minimum after its period; PyTorch's CosineAnnealingLR climbs back. The PyTorch
    # equivalent is a LambdaLR with the step clamped to the period.
    dict(name="sgd_cosine_past_period", kind="SGD", lr=0.1, momentum=0.0, nesterov=False, weight_decay=0.0,
         schedule=dict(kind="ClampedCosine", t_max=6, eta_min=0.01)),
    dict(name="adamw", kind="AdamW", lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1,
         schedule=dict(kind="SequentialLR", milestone=3,
                       first=dict(kind="LinearLR", start_factor=1.0 / 3.0, end_factor=1.0, total_iters=3),
                       second=dict(kind="CosineAnnealingLR", t_max=7))),
]

TRACE_STEPS = 10
TRACE_BATCH = 7


def snake_case(name):
    """The state-dict name of a layer property, as DslNets derives it (Hidden1 -> hidden1, OutputLayer -> output_layer)."""
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i > 0 and (name[i - 1].islower() or name[i - 1].isdigit()
                                      or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# DslNets' noise generator (runtime/DslNets/SeededRandom.cs) and mask kernels (Kernels/NoiseKernels.cs), so the
# masks here are the masks the network draws from the same state.

M32 = 0xFFFFFFFF


class Xoshiro128:
    def __init__(self, state):
        self.s = [int(v) for v in state]

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        rot = ((s1 * 5) & M32)
        result = ((((rot << 7) | (rot >> 25)) & M32) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 11) | (s3 >> 21)) & M32
        self.s = [s0, s1, s2, s3]
        return result


def dropout_mask(rng, p, count):
    p = np.float32(p)
    threshold = math.ceil(float(p * np.float32(16777216)))
    scale = np.float32(1) / (np.float32(1) - p)
    return np.array([scale if (rng.next_uint32() >> 8) >= threshold else np.float32(0) for _ in range(count)],
                    dtype=np.float32)


def gaussian_dropout_mask(rng, p, count):
    p = np.float32(p)
    std = np.sqrt(p / (np.float32(1) - p))
    mask = np.empty(count, dtype=np.float32)
    for i in range(count):
        u1 = ((rng.next_uint32() >> 8) + 1) * (1.0 / 16777216.0)
        u2 = (rng.next_uint32() >> 8) * (1.0 / 16777216.0)
        g = np.float32(math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2))
        mask[i] = np.float32(1) + std * g
    return mask


def uout_mask(rng, beta, count):
    low, high = np.float32(-beta), np.float32(beta)
    mask = np.empty(count, dtype=np.float32)
    for i in range(count):
        u = np.float32((rng.next_uint32() >> 8) * (1.0 / 16777216.0))
        mask[i] = np.float32(1) + (low + (high - low) * u)
    return mask


MASKS = {"Dropout": dropout_mask, "GaussianDropout": gaussian_dropout_mask, "Uout": uout_mask}
NOISE = set(MASKS) | {"SpatialDropout"}


def features_of(shape):
    return int(np.prod(shape))


def output_length(size, kernel, stride, padding, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def shape_after(op, shape):
    """The sample shape after `op` (an int for a flat sample, (C, H, W) for an image)."""
    kind = op[0]
    if kind == "Dense":
        return op[1]
    if kind == "Conv2D":
        _, filters, kernel, stride, padding, dilation, _ = op
        return (filters, output_length(shape[1], kernel, stride, padding, dilation), output_length(shape[2], kernel, stride, padding, dilation))
    if kind in ("MaxPool2D", "AvgPool2D"):
        _, size, stride, padding = op
        return (shape[0], output_length(shape[1], size, stride, padding), output_length(shape[2], size, stride, padding))
    if kind == "GlobalAvgPool2D":
        return (shape[0], 1, 1)
    if kind == "Flatten":
        return features_of(shape)
    return shape


# ---------------------------------------------------------------------------------------------------------------
# The PyTorch model: one submodule per layer property; a dense layer's weight and bias sit on it, a batch norm is
# its child `bn`, a layer norm `ln` (the names DslNets' Save and Load use).

class Layer(torch.nn.Module):
    def __init__(self, in_shape, ops):
        super().__init__()
        self.ops = ops
        shape = in_shape
        for op in ops:
            if op[0] == "Dense":
                self.norm = op[3]
                features = features_of(shape)
                if self.norm == "Weight":
                    # The parameters torch.nn.utils.weight_norm(nn.Linear(...), dim=0) puts in place of weight.
                    self.weight_g = torch.nn.Parameter(torch.empty(op[1], 1))
                    self.weight_v = torch.nn.Parameter(torch.empty(op[1], features))
                else:
                    self.weight = torch.nn.Parameter(torch.empty(op[1], features))
                self.bias = torch.nn.Parameter(torch.empty(op[1])) if op[2] else None
                if self.norm == "ScaledCosine":
                    self.scale = torch.nn.Parameter(torch.empty(1))
            elif op[0] == "Conv2D":
                _, filters, kernel, _, _, _, bias = op
                self.norm = "None"  # a plain weight for the penalties, as a dense layer's
                self.weight = torch.nn.Parameter(torch.empty(filters, shape[0], kernel, kernel))
                self.bias = torch.nn.Parameter(torch.empty(filters)) if bias else None
            elif op[0] == "BatchNorm":
                norm = torch.nn.BatchNorm2d if isinstance(shape, tuple) else torch.nn.BatchNorm1d
                self.bn = norm(shape[0] if isinstance(shape, tuple) else shape, momentum=f32(op[1]), eps=f32(op[2]))
            elif op[0] == "LayerNorm":
                self.ln = torch.nn.LayerNorm(list(shape) if isinstance(shape, tuple) else shape, eps=f32(op[1]))
            shape = shape_after(op, shape)
        self.out_shape = shape

    def forward(self, x, rng, fused_softmax, masks):
        for op in self.ops:
            kind = op[0]
            if kind == "Dense" and self.norm == "Weight":
                x = F.linear(x.flatten(1), torch._weight_norm(self.weight_v, self.weight_g, 0), self.bias)
            elif kind == "Dense" and self.norm in ("Cosine", "ScaledCosine"):
                x = cosine_linear(x.flatten(1), self.weight, self.bias, getattr(self, "scale", None))
            elif kind == "Dense":
                x = F.linear(x.flatten(1), self.weight, self.bias)  # nn.Flatten's order for an image
            elif kind == "Conv2D":
                _, _, _, stride, padding, dilation, _ = op
                x = F.conv2d(x, self.weight, self.bias, stride=stride, padding=padding, dilation=dilation)
            elif kind == "MaxPool2D":
                x = F.max_pool2d(x, op[1], op[2], op[3])
            elif kind == "AvgPool2D":
                x = F.avg_pool2d(x, op[1], op[2], op[3], count_include_pad=True)
            elif kind == "GlobalAvgPool2D":
                x = x.mean(dim=(2, 3), keepdim=True)
            elif kind == "Flatten":
                x = x.flatten(1)
            elif kind == "BatchNorm":
                x = self.bn(x)
            elif kind == "LayerNorm":
                x = self.ln(x)
            elif kind == "ReLU":
                x = torch.relu(x)
            elif kind == "LeakyReLU":
                x = F.leaky_relu(x, f32(op[1]))
            elif kind == "Tanh":
                x = torch.tanh(x)
            elif kind == "Sigmoid":
                x = torch.sigmoid(x)
            elif kind == "Softmax":
                if not fused_softmax:
                    x = torch.softmax(x, dim=1)
            elif kind == "SpatialDropout":
                if self.training:  # Dropout2d: one draw per sample and channel
                    mask = dropout_mask(rng, f32(op[1]), x.shape[0] * x.shape[1])
                    masks.append(mask.reshape(x.shape[0], x.shape[1]))
                    x = x * torch.from_numpy(mask).to(x.dtype).reshape(x.shape[0], x.shape[1], 1, 1)
            elif kind in MASKS:
                if self.training:
                    mask = MASKS[kind](rng, f32(op[1]), x.numel())
                    if x.dim() == 4:
                        # DslNets keeps images channels last inside and draws an elementwise mask in that order.
                        b, c, h, w = x.shape
                        masks.append(mask.reshape(b, h, w, c))
                        values = torch.from_numpy(mask).to(x.dtype).reshape(b, h, w, c).permute(0, 3, 1, 2)
                    else:
                        masks.append(mask.reshape(x.shape))
                        values = torch.from_numpy(mask).to(x.dtype).reshape(x.shape)
                    x = x * values
            else:
                raise ValueError(f"unknown op {kind}")
        return x


class Net(torch.nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        shape = spec["input"]
        self.layer_names = []
        for prop, ops, _ in spec["layers"]:
            layer = Layer(shape, ops)
            setattr(self, snake_case(prop), layer)
            self.layer_names.append(snake_case(prop))
            shape = layer.out_shape
        self.out_features = features_of(shape)

    def layers(self):
        return [getattr(self, n) for n in self.layer_names]

    def forward(self, x, rng=None):
        """Logits: every op except a trailing Softmax, which softmax cross-entropy fuses into the loss."""
        fused = self.spec["loss"] == "SoftmaxCrossEntropy"
        self.masks = []  # the noise masks of this pass, in execution order
        if isinstance(self.spec["input"], tuple):
            x = x.reshape((x.shape[0],) + self.spec["input"])  # a row of C*H*W values is one NCHW sample
        for layer in self.layers():
            x = layer(x, rng, fused, self.masks)
        return x

    def predict_logits(self, x):
        """What DslNets' PredictLogits returns: the evaluation-mode outputs of the last layer, before the loss's link."""
        self.eval()
        with torch.no_grad():
            return self(x)

    def predict(self, x):
        """What DslNets' Predict returns: probabilities for the two cross-entropies, the outputs for MSE."""
        out = self.predict_logits(x)
        if self.spec["loss"] == "SoftmaxCrossEntropy":
            return torch.softmax(out, dim=1)
        if self.spec["loss"] == "BinaryCrossEntropy":
            return torch.sigmoid(out)
        return out

    def data_loss(self, out, targets):
        loss = self.spec["loss"]
        if loss == "SoftmaxCrossEntropy":
            return F.cross_entropy(out, targets)
        if loss == "MeanSquaredError":
            return F.mse_loss(out, targets)
        return F.binary_cross_entropy_with_logits(out, targets)

    def penalties(self):
        """(dense or convolution layer, L1 alpha, L2 alpha) with per-layer values overriding the class's."""
        for (_, _, penalties), layer in zip(self.spec["layers"], self.layers()):
            if hasattr(layer, "norm"):
                yield layer, f32(penalties.get("l1", self.spec["l1"])), f32(penalties.get("l2", self.spec["l2"]))

    def regularization_loss(self, l1=True, l2=True):
        """docs/regularization.md: alpha1 * sum|W| + alpha2 * sum W^2 over dense weights only (Keras L2)."""
        total = torch.zeros((), dtype=torch.float64)
        for layer, alpha1, alpha2 in self.penalties():
            if l1 and alpha1 > 0:
                total = total + alpha1 * penalized(layer).abs().sum()
            if l2 and alpha2 > 0:
                total = total + alpha2 * (penalized(layer) ** 2).sum()
        return total

    def has_batch_norm(self):
        return any(op[0] == "BatchNorm" for _, ops, _ in self.spec["layers"] for op in ops)

    def has_noise(self):
        return any(op[0] in NOISE for _, ops, _ in self.spec["layers"] for op in ops)


def penalized(layer):
    """The tensor L1/L2 apply to: the dense weight, with weight normalization its direction weight_v."""
    return layer.weight_v if layer.norm == "Weight" else layer.weight


def architecture(spec):
    """The declaration as JSON; the test compares it with the generated network's Operations."""
    ops = []
    shape = spec["input"]
    for prop, layer_ops, _ in spec["layers"]:
        for op in layer_ops:
            entry = {"layer": prop, "kind": op[0], "in": features_of(shape)}
            shape = shape_after(op, shape)
            if op[0] == "Dense":
                entry["bias"] = op[2]
                if op[3] != "None":
                    entry["norm"] = op[3]
            elif op[0] == "Conv2D":
                entry.update(bias=op[6], kernel=op[2], stride=op[3], padding=op[4], dilation=op[5])
            elif op[0] in ("MaxPool2D", "AvgPool2D"):
                entry.update(kernel=op[1], stride=op[2], padding=op[3])
            elif op[0] in ("GlobalAvgPool2D", "Flatten"):
                pass
            elif op[0] == "BatchNorm":
                entry.update(momentum=op[1], epsilon=op[2])
            elif op[0] == "LayerNorm":
                entry["epsilon"] = op[1]
            elif len(op) > 1:
                entry["value"] = op[1]
            entry["out"] = features_of(shape)
            ops.append(entry)
    return {"input_size": features_of(spec["input"]), "max_batch": spec["max_batch"], "loss": spec["loss"], "operations": ops}


# ---------------------------------------------------------------------------------------------------------------

def initial_state(model, gen):
    """Random float32 weights, gains, shifts and running statistics (non-default, so every tensor matters)."""
    state = {}
    for name, t in model.state_dict().items():
        shape = tuple(t.shape)
        if name.endswith("num_batches_tracked"):
            state[name] = torch.tensor(0, dtype=torch.int64)
        elif name.endswith("running_var"):
            state[name] = torch.rand(shape, generator=gen) * 1.5 + 0.5
        elif name.endswith(("bn.weight", "ln.weight", "weight_g", "scale")):
            state[name] = torch.rand(shape, generator=gen) + 0.5
        elif name.endswith(("weight", "weight_v")):
            bound = 1.5 / math.sqrt(int(np.prod(shape[1:])))  # fan in (in * kh * kw for a kernel)
            state[name] = (torch.rand(shape, generator=gen) * 2 - 1) * bound
            state[name][0, 0] = 0.0  # L1's gradient at exactly zero is sign(0) = 0 on both sides
        else:  # biases, shifts, running means
            state[name] = (torch.rand(shape, generator=gen) - 0.5) * 0.5
    return state


def batch(spec, out_features, size, gen, leading=()):
    inputs = torch.randn(leading + (size, features_of(spec["input"])), generator=gen)
    if spec["loss"] == "SoftmaxCrossEntropy":
        targets = torch.randint(0, out_features, leading + (size,), generator=gen)
    elif spec["loss"] == "MeanSquaredError":
        targets = torch.randn(leading + (size, out_features), generator=gen)
    else:
        targets = torch.rand(leading + (size, out_features), generator=gen)
    return inputs, targets


def as64(t):
    return t.double() if t.is_floating_point() else t


def noise_state(gen):
    state = torch.randint(1, 2 ** 31, (4,), generator=gen).numpy().astype(np.uint32)
    return state


def buffer_names(model):
    return [n for n in model.state_dict() if n.endswith(("running_mean", "running_var"))]


def step_case(spec, state, size, gen, out):
    """One training step at batch size `size` from the initial state: gradients, losses, running statistics."""
    model = Net(spec)
    model.load_state_dict(state)
    model.double()
    inputs, targets = batch(spec, model.out_features, size, gen)
    prefix = f"b{size}/"
    out[prefix + "inputs"] = inputs
    out[prefix + "targets"] = targets
    out[prefix + "eval_output"] = model.predict(as64(inputs))
    out[prefix + "eval_logits"] = model.predict_logits(as64(inputs))
    rng = None
    if model.has_noise():
        rng_state = noise_state(gen)
        out[prefix + "noise_state"] = rng_state
        rng = Xoshiro128(rng_state)
    model.train()
    model.zero_grad()
    logits = model(as64(inputs), rng)
    # Training-mode outputs (TrainingForward): batch statistics, the masks below; the forward pass alone moved the
    # running statistics to the after/ values, as model.train() does.
    out[prefix + "train_output"] = logits.detach()
    data = model.data_loss(logits, as64(targets))
    reg = model.regularization_loss()
    (data + reg).backward()
    out[prefix + "data_loss"] = data.detach()
    out[prefix + "regularization_loss"] = reg.detach()
    for name, p in model.named_parameters():
        out[prefix + "grad/" + name] = p.grad
    for name in buffer_names(model):
        out[prefix + "after/" + name] = model.state_dict()[name]
    for i, mask in enumerate(model.masks):
        out[f"{prefix}mask/{i}"] = torch.from_numpy(mask)


def make_scheduler(optimizer, s):
    kind = s["kind"]
    if kind == "StepLR":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=s["step_size"], gamma=f32(s["gamma"]))
    if kind == "CosineAnnealingLR":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=s["t_max"])
    if kind == "LinearLR":
        return torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=f32(s["start_factor"]),
                                                 end_factor=f32(s["end_factor"]), total_iters=s["total_iters"])
    if kind == "ClampedCosine":
        base, low, period = optimizer.param_groups[0]["lr"], f32(s["eta_min"]), s["t_max"]
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda t: (low + (base - low) * (1 + math.cos(math.pi * min(t, period) / period)) / 2) / base)
    if kind == "SequentialLR":
        first = make_scheduler(optimizer, s["first"])
        second = make_scheduler(optimizer, s["second"])
        return torch.optim.lr_scheduler.SequentialLR(optimizer, [first, second], milestones=[s["milestone"]])
    raise ValueError(kind)


def make_optimizer(model, o):
    params = model.parameters()
    if o.get("l2_as_weight_decay"):
        decayed = {id(penalized(layer)): 2 * alpha2 for layer, _, alpha2 in model.penalties() if alpha2 > 0}
        params = [{"params": [p], "weight_decay": decayed.get(id(p), 0.0)} for p in model.parameters()]
    if o["kind"] == "SGD":
        return torch.optim.SGD(params, lr=f32(o["lr"]), momentum=f32(o["momentum"]), nesterov=o["nesterov"],
                               weight_decay=f32(o["weight_decay"]))
    cls = torch.optim.Adam if o["kind"] == "Adam" else torch.optim.AdamW
    return cls(params, lr=f32(o["lr"]), betas=(f32(o["beta1"]), f32(o["beta2"])), eps=f32(o["eps"]),
               weight_decay=f32(o["weight_decay"]))


def trace(spec, state, inputs, targets, rng_state, o, out):
    model = Net(spec)
    model.load_state_dict(state)
    model.double()
    optimizer = make_optimizer(model, o)
    l2_in_loss = not o.get("l2_as_weight_decay", False)
    scheduler = make_scheduler(optimizer, o["schedule"])
    rng = Xoshiro128(rng_state) if rng_state is not None else None
    rates, losses = [], []
    snapshots = {name: [] for name in model.state_dict() if not name.endswith("num_batches_tracked")}
    for t in range(TRACE_STEPS):
        rates.append(optimizer.param_groups[0]["lr"])
        model.train()
        optimizer.zero_grad()
        logits = model(as64(inputs[t]), rng)
        loss = model.data_loss(logits, as64(targets[t])) + model.regularization_loss(l2=l2_in_loss)
        loss.backward()
        if not l2_in_loss:  # reported as DslNets reports it, data + L1 + L2, before the step
            with torch.no_grad():
                loss = loss + model.regularization_loss(l1=False)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        for name, value in model.state_dict().items():
            if name in snapshots:
                snapshots[name].append(value.detach().clone())
    prefix = f"trace/{o['name']}/"
    out[prefix + "learning_rate"] = torch.tensor(rates, dtype=torch.float64)
    out[prefix + "loss"] = torch.tensor(losses, dtype=torch.float64)
    for name, values in snapshots.items():
        out[prefix + name] = torch.stack(values)
    out[prefix + "eval_output"] = model.predict(as64(inputs[0]))


def network_fixtures(spec, index):
    gen = torch.Generator().manual_seed(1000 + index)
    model = Net(spec)
    state = initial_state(model, gen)
    expected = {}
    sizes = ([] if model.has_batch_norm() else [1]) + [7] + ([spec["max_batch"]] if spec["max_batch"] != 7 else [])
    for size in sizes:
        step_case(spec, state, size, gen, expected)
    inputs, targets = batch(spec, model.out_features, TRACE_BATCH, gen, leading=(TRACE_STEPS,))
    expected["trace/inputs"] = inputs
    expected["trace/targets"] = targets
    rng_state = None
    if model.has_noise():
        rng_state = noise_state(gen)
        expected["trace/noise_state"] = rng_state
    for o in OPTIMIZERS:
        trace(spec, state, inputs, targets, rng_state, o, expected)
    metadata = {
        "network": spec["name"],
        "architecture": json.dumps(architecture(spec), sort_keys=True),
        "batch_sizes": json.dumps(sizes),
        "optimizers": json.dumps(OPTIMIZERS, sort_keys=True),
        "generator": "tools/reference/make_fixtures.py",
        "torch": torch.__version__,
    }
    return state, expected, metadata


# ---------------------------------------------------------------------------------------------------------------
# safetensors, by hand.

DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.uint32): "U32"}


def to_numpy(value):
    if isinstance(value, np.ndarray):
        return value
    value = value.detach()
    if value.is_floating_point():
        value = value.to(torch.float32)
    return value.numpy()


def save_safetensors(tensors, metadata, path):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        array = np.array(to_numpy(tensors[name]), order="C")  # (ascontiguousarray would make scalars [1])
        data = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(b"".join(blobs))


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    directory = argv[1]
    os.makedirs(directory, exist_ok=True)
    for index, spec in enumerate(NETWORKS):
        state, expected, metadata = network_fixtures(spec, index)
        save_safetensors(state, {"format": "pt"}, os.path.join(directory, spec["name"] + ".weights.safetensors"))
        save_safetensors(expected, metadata, os.path.join(directory, spec["name"] + ".expected.safetensors"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
