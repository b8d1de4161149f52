#!/usr/bin/python3
"""PyTorch peer for the DslNets benchmark suite: the same network, the same training step.

Network (benchmarks/DslNets.Benchmarks/BenchmarkMlp.cs): 784 -> Linear(256, no bias) -> BatchNorm1d -> ReLU
-> Linear(128, no bias) -> BatchNorm1d -> ReLU -> Dropout(0.3) -> Linear(10) ; softmax cross-entropy ;
SGD lr 0.01, momentum 0.9. One training step = zero_grad, forward, loss, backward, optimizer step. Inference =
eval mode under torch.no_grad().

Run with Debian's interpreter and packages (apt-get install python3-torch libopenblas0-pthread):

    /usr/bin/python3 benchmarks/pytorch/train_step.py --batches 64 256 --threads 1 2

Prints one JSON object per line ({"kind": "train"|"infer"|"info", ...}) so the C# suite can read it; --text
prints a table instead.

--serve keeps the process and its networks warm for the suite's --versus mode, which alternates blocks of PyTorch
steps with blocks of DslNets steps in the same seconds. After the "info" line it reads one command per line on
stdin, "steps BATCH THREADS COUNT", and answers each with one JSON line {"kind": "steps", "us": [per-step
microseconds], "idle_cpu_ms": ..., "idle_ms": ...}: the network for (BATCH, THREADS) is built once (and warmed up
for --warmup seconds) on its first command. idle_cpu_ms is the CPU time this process used between its previous
answer and this command, while it had nothing to do: threads spin-waiting there take a core from whatever the
caller runs meanwhile. With --wait-policy passive (the default for --serve) the script sets OMP_WAIT_POLICY=PASSIVE
(torch's OpenMP threads sleep when a parallel region ends) and OPENBLAS_THREAD_TIMEOUT=4 (OpenBLAS's own threads,
which otherwise spin for about 2^28 cycles, ~0.1 s, after each call) for its own process; "default" keeps both
libraries' spinning, for measuring what passive waiting costs torch. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds)
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
# Read by libgomp and OpenBLAS when `import torch` loads them, so they are set before the import.
PASSIVE_WAITING = {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": "4"}
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


def set_threads(torch, blas_library, threads):
    torch.set_num_threads(threads)
    if blas_library is not None:
        blas_library.openblas_set_num_threads(threads)


def training_step(torch, batch):
    """The network in training mode and a function running one whole training step on it."""
    model, optimizer, loss_function, inputs, labels = build(torch, batch)
    model.train()

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(model(inputs), labels)
        loss.backward()
        optimizer.step()

    return model, inputs, train_step


def run(args, torch, blas_library, threads):
    set_threads(torch, blas_library, threads)
    for batch in args.batches:
        model, inputs, train_step = training_step(torch, batch)
        median, best = time_calls(train_step, args.warmup, args.seconds)
        emit(args, {"kind": "train", "batch": batch, "threads": threads, "median_us": median, "best_us": best})
        model.eval()
        with torch.no_grad():
            median, best = time_calls(lambda: torch.softmax(model(inputs), 1), args.warmup, args.seconds)
        emit(args, {"kind": "infer", "batch": batch, "threads": threads, "median_us": median, "best_us": best})


def serve(args, torch, blas_library):
    """Answers "steps BATCH THREADS COUNT" lines on stdin until "quit" or end of input (see the module's docstring)."""
    steps = {}
    current_threads = None
    answered_cpu, answered_wall = time.process_time(), time.perf_counter()
    for line in sys.stdin:
        idle_cpu, idle_wall = time.process_time() - answered_cpu, time.perf_counter() - answered_wall
        words = line.split()
        if words == ["quit"]:
            break
        if len(words) != 4 or words[0] != "steps" or not all(word.isdigit() and int(word) > 0 for word in words[1:]):
            emit(args, {"kind": "error", "error": f"expected 'steps BATCH THREADS COUNT' or 'quit', got {line.strip()!r}"})
            answered_cpu, answered_wall = time.process_time(), time.perf_counter()
            continue
        batch, threads, count = (int(word) for word in words[1:])
        if threads != current_threads:
            set_threads(torch, blas_library, threads)
            current_threads = threads
        if (batch, threads) not in steps:
            steps[batch, threads] = training_step(torch, batch)[2]
            warm_up = time.perf_counter()
            while time.perf_counter() - warm_up < args.warmup:
                steps[batch, threads]()
        train_step = steps[batch, threads]
        times = []
        for _ in range(count):
            t0 = time.perf_counter()
            train_step()
            times.append((time.perf_counter() - t0) * 1e6)
        emit(args, {"kind": "steps", "batch": batch, "threads": threads, "us": times,
                    "idle_cpu_ms": idle_cpu * 1e3, "idle_ms": idle_wall * 1e3})
        answered_cpu, answered_wall = time.process_time(), time.perf_counter()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds of calls before timing")
    parser.add_argument("--seconds", type=float, default=1.5, help="seconds of timed rounds per row")
    parser.add_argument("--text", action="store_true", help="a readable table instead of JSON lines")
    parser.add_argument("--serve", action="store_true", help="answer 'steps BATCH THREADS COUNT' lines on stdin")
    parser.add_argument("--wait-policy", choices=("passive", "default"),
                        help="passive: OMP_WAIT_POLICY=PASSIVE and OPENBLAS_THREAD_TIMEOUT=4 for this process "
                             "(the default with --serve); default: the libraries' own spin-waiting (the default otherwise)")
    args = parser.parse_args()
    if any(b < 1 for b in args.batches) or any(t < 1 for t in args.threads):
        parser.error("--batches and --threads take positive integers")

    reexec_without_stale_openblas_variables()
    waiting = "OpenMP and OpenBLAS threads spin-wait as the libraries default"
    if (args.wait_policy or ("passive" if args.serve else "default")) == "passive":
        os.environ.update(PASSIVE_WAITING)
        waiting = "passive waiting for this process only: " + ", ".join(f"{k}={v}" for k, v in PASSIVE_WAITING.items())
    try:
        import torch
    except ImportError as error:
        emit(args, {"kind": "missing", "error": str(error), "python": sys.executable,
                    "install": "apt-get install python3-torch libopenblas0-pthread, then run with /usr/bin/python3"})
        return 3
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))  # loads the BLAS library
    blas, blas_library = loaded_blas()
    unset = os.environ.get(REEXEC_MARKER)
    emit(args, {"kind": "info", "torch": torch.__version__, "python": sys.executable, "blas": blas,
                "cpu_capability": next((line.split(":", 1)[1].strip() for line in torch.__config__.show().splitlines()
                                        if "CPU capability" in line), "unknown"),
                "environment": (f"unset for this process only: {unset}" if unset
                                else "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE not set") + f"; {waiting}"})
    if args.serve:
        return serve(args, torch, blas_library)
    for threads in args.threads:
        run(args, torch, blas_library, threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
