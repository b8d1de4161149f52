#!/usr/bin/python3
"""PyTorch peer for the DslNets benchmark suite: the same network, the same training step.

Network (benchmarks/DslNets.Benchmarks/BenchmarkMlp.cs): 784 -> Linear(256, no bias) -> BatchNorm1d -> ReLU
-> Linear(128, no bias) -> BatchNorm1d -> ReLU -> Dropout(0.3) -> Linear(10) ; softmax cross-entropy ;
SGD lr 0.01, momentum 0.9. One training step = zero_grad, forward, loss, backward, optimizer step. Inference =
eval mode under torch.no_grad().

Run with Debian's interpreter and packages (apt-get install python3-torch libopenblas0-pthread):

    /usr/bin/python3 benchmarks/pytorch/train_step.py --batches 64 256 --threads 1 2

Prints one JSON object per line ({"kind": "train"|"infer"|"info", ...}) so the C# suite can read it; --text
prints a table instead. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds)
slow down a current OpenBLAS, which reads them when it is loaded: if either is set, this script re-executes
itself once without them. That changes this process only (and says so in its "info" line), never the caller's
environment.
"""
import argparse
import ctypes
import json
import os
import sys
import time

STALE_OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
REEXEC_MARKER = "DSLNETS_TORCH_PEER_UNSET"


def reexec_without_stale_openblas_variables():
    present = [name for name in STALE_OPENBLAS_VARIABLES if name in os.environ]
    if not present or REEXEC_MARKER in os.environ:
        return
    env = {k: v for k, v in os.environ.items() if k not in STALE_OPENBLAS_VARIABLES}
    env[REEXEC_MARKER] = ",".join(f"{name}={os.environ[name]}" for name in present)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def emit(args, record):
    if args.text:
        if record["kind"] not in ("train", "infer"):
            for key, value in record.items():
                if key != "kind":
                    print(f"{key}: {value}")
        else:
            print(f'{record["kind"]:5} batch {record["batch"]:4} threads {record["threads"]}: '
                  f'median {record["median_us"]:10.1f} us, best {record["best_us"]:10.1f} us')
    else:
        print(json.dumps(record), flush=True)


def loaded_blas():
    """The BLAS library actually mapped into this process, and OpenBLAS's own description when it is OpenBLAS."""
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if "blas" in name or "mkl" in name:
                paths.add(os.path.realpath(path))
    description = ", ".join(sorted(paths)) or "no BLAS library mapped"
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
            config = library.openblas_get_config
            config.restype = ctypes.c_char_p
            core = library.openblas_get_corename
            core.restype = ctypes.c_char_p
            return f"OpenBLAS ({config().decode()}; core {core().decode()}) from {path}", library
        except (OSError, AttributeError):
            continue
    return description, None


def build(torch, batch):
    from torch import nn
    torch.manual_seed(7)
    model = nn.Sequential(
        nn.Linear(784, 256, bias=False), nn.BatchNorm1d(256, momentum=0.1, eps=1e-5), nn.ReLU(),
        nn.Linear(256, 128, bias=False), nn.BatchNorm1d(128, momentum=0.1, eps=1e-5), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    inputs = torch.rand(batch, 784)
    labels = torch.randint(0, 10, (batch,))
    return model, optimizer, nn.CrossEntropyLoss(), inputs, labels


def time_calls(call, warmup, seconds):
    """Median and best microseconds per call over rounds of at least 1 ms for `seconds` (at least 15 rounds),
    after `warmup` seconds of calls. The suite's --profile times DslNets the same way: on a machine shared with
    other work the best short round is the time the process had the core."""
    start = time.perf_counter()
    while time.perf_counter() - start < warmup:
        call()
    calls = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(calls):
            call()
        if time.perf_counter() - t0 >= 1e-3:
            break
        calls *= 2
    times = []
    start = time.perf_counter()
    while len(times) < 15 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        for _ in range(calls):
            call()
        times.append((time.perf_counter() - t0) / calls * 1e6)
    times.sort()
    return times[len(times) // 2], times[0]


def run(args, torch, blas_library, threads):
    torch.set_num_threads(threads)
    if blas_library is not None:
        blas_library.openblas_set_num_threads(threads)
    for batch in args.batches:
        model, optimizer, loss_function, inputs, labels = build(torch, batch)
        model.train()

        def train_step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(inputs), labels)
            loss.backward()
            optimizer.step()

        median, best = time_calls(train_step, args.warmup, args.seconds)
        emit(args, {"kind": "train", "batch": batch, "threads": threads, "median_us": median, "best_us": best})
        model.eval()
        with torch.no_grad():
            median, best = time_calls(lambda: torch.softmax(model(inputs), 1), args.warmup, args.seconds)
        emit(args, {"kind": "infer", "batch": batch, "threads": threads, "median_us": median, "best_us": best})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds of calls before timing")
    parser.add_argument("--seconds", type=float, default=1.5, help="seconds of timed rounds per row")
    parser.add_argument("--text", action="store_true", help="a readable table instead of JSON lines")
    args = parser.parse_args()
    if any(b < 1 for b in args.batches) or any(t < 1 for t in args.threads):
        parser.error("--batches and --threads take positive integers")

    reexec_without_stale_openblas_variables()
    try:
        import torch
    except ImportError as error:
        emit(args, {"kind": "missing", "error": str(error),
                    "install": "apt-get install python3-torch libopenblas0-pthread, then run with /usr/bin/python3"})
        return 3
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))  # loads the BLAS library
    blas, blas_library = loaded_blas()
    unset = os.environ.get(REEXEC_MARKER)
    emit(args, {"kind": "info", "torch": torch.__version__, "python": sys.executable, "blas": blas,
                "cpu_capability": next((line.split(":", 1)[1].strip() for line in torch.__config__.show().splitlines()
                                        if "CPU capability" in line), "unknown"),
                "environment": f"unset for this process only: {unset}" if unset
                else "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE not set"})
    for threads in args.threads:
        run(args, torch, blas_library, threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
