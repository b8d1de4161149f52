#!/usr/bin/env python3
"""Projects data-parallel step time and scaling efficiency for 2-64 ranks (docs/distributed.md, "Past two cores").

Model (latency-bandwidth, "alpha-beta"):
  ring all-reduce of n bytes over p ranks:      2 (p - 1) alpha + 2 (p - 1) / p * n / B
  recursive doubling (small messages, sync BN):  log2(p) (alpha + n / B)
  step(p) = compute(p) + gradient all-reduce [+ sync BN: 2 small all-reduces per BN layer, on the critical path]
  efficiency = (one process's time for the same samples / p) / step(p)
Compute per step comes from the measured one-process step (docs/benchmarks.md): the per-sample part divides by p
when the global batch is fixed (strong scaling); the optimizer update does not divide. With a fixed batch per
rank (weak scaling) the compute stays the one-process step.
Usage: /usr/bin/python3 benchmarks/scaling_projection.py [step_us optimizer_us gradient_bytes]
"""
import math
import sys

step_us = float(sys.argv[1]) if len(sys.argv) > 1 else 2813.0       # batch 256, 1 thread, Zen 4 (docs/benchmarks.md)
optimizer_us = float(sys.argv[2]) if len(sys.argv) > 2 else 100.0   # SGD/Adam update of 235,530 parameters
gradient_bytes = float(sys.argv[3]) if len(sys.argv) > 3 else 945204  # what --collectives printed per step
# Sync BN on BenchmarkSyncMlp, as --collectives counts it: BN over 256 and 128 features; forward [count, sum(x-K) (C),
# sum((x-K)^2) (C)] = 2C + 1 floats, backward [sum dy, sum dy xhat] = 2C floats. The gradient all-reduce then carries no
# running statistics (768 floats = 3,072 bytes less); the difference is below the model's resolution and ignored.
sync_bn = [(2 * 256 + 1) * 4, (2 * 128 + 1) * 4, 2 * 256 * 4, 2 * 128 * 4]

networks = {
    "25 Gbit/s Ethernet (TCP)": (25e-6, 25e9 / 8 * 0.9),
    "100 Gbit/s (RDMA: InfiniBand/RoCE)": (3e-6, 100e9 / 8 * 0.9),
}


def ring(p, n, alpha, bandwidth):
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * n / bandwidth


def doubling(p, n, alpha, bandwidth):
    return math.log2(p) * (alpha + n / bandwidth)


for name, (alpha, bandwidth) in networks.items():
    for scaling in ["strong", "weak"]:
        what = "global batch 256 split over the ranks" if scaling == "strong" else "256 samples per rank (global batch 256 p)"
        print(f"\n{name}, alpha {alpha * 1e6:.0f} us, {bandwidth / 1e9:.2f} GB/s effective; {scaling} scaling, {what}")
        print("| ranks | compute us | gradient all-reduce us | step us | efficiency | sync BN all-reduces us | share of step | efficiency with sync BN |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for p in [2, 4, 8, 16, 32, 64]:
            compute = (step_us - optimizer_us) / p + optimizer_us if scaling == "strong" else step_us
            reduce = ring(p, gradient_bytes, alpha, bandwidth) * 1e6
            step = compute + reduce
            bn = sum(doubling(p, n, alpha, bandwidth) for n in sync_bn) * 1e6
            ideal = step_us / p if scaling == "strong" else step_us  # one process's time for the same work, / p
            print(f"| {p} | {compute:.0f} | {reduce:.0f} | {step:.0f} | {ideal / step:.0%} | {bn:.0f} | {bn / (step + bn):.0%} | {ideal / (step + bn):.0%} |")
