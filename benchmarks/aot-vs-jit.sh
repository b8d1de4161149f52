#!/usr/bin/env bash
# NativeAOT against the JIT on the same images in one run: publishes samples/InferenceAot as a native binary for
# the default x64 baseline (what `dotnet publish -p:PublishAot=true` gives a user) and for x86-64-v3 (AVX2 + FMA),
# builds the same sample for the JIT, then runs them in turn, RUNS times each, on the same weights and images: the
# JIT as `dotnet InferenceAot.dll` runs it (tiered compilation: methods start unoptimized and are recompiled while
# the loop runs) and with DOTNET_TieredCompilation=0 (every method fully optimized on first call: the JIT's
# steady state). Prints the median time of the classification loop (what the sample reports as "classified N
# images in ...") and of the whole process, and the ratios to the default JIT. docs/benchmarks.md records a run.
#
#   benchmarks/aot-vs-jit.sh [weights.safetensors]       (env: COUNT=10000 RUNS=5 DATA=<IDX folder> or DATA=synthetic)
#
# Without a weights file it trains one first (2 epochs of samples/FashionMnist). Linux x64 only.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-10000}
runs=${RUNS:-5}
data=${DATA:-/usr/share/datasets/fashion-mnist}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

weights=${1:-}
if [ -z "$weights" ]; then
  weights="$work/weights/fashion-mlp.safetensors"
  echo "training weights (2 epochs) ..."
  dotnet run -c Release --project samples/FashionMnist -- --epochs 2 --out "$work/weights" > "$work/train.log" 2>&1 || { cat "$work/train.log"; exit 1; }
fi
weights=$(realpath "$weights")
if [ "$data" = synthetic ] || [ ! -d "$data" ]; then
  images=(--synthetic)
else
  images=(--data "$data")
fi

echo "building: NativeAOT (default baseline), NativeAOT (x86-64-v3), JIT ..."
dotnet publish samples/InferenceAot -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" > "$work/publish.log" 2>&1 || { cat "$work/publish.log"; exit 1; }
dotnet publish samples/InferenceAot -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=x86-64-v3 -o "$work/aot-v3" > "$work/publish-v3.log" 2>&1 || { cat "$work/publish-v3.log"; exit 1; }
dotnet build samples/InferenceAot -c Release -o "$work/jit" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

declare -A command=(
  [aot]="$work/aot/InferenceAot"
  [aot-v3]="$work/aot-v3/InferenceAot"
  [jit]="dotnet $work/jit/InferenceAot.dll"
  [jit-tc0]="env DOTNET_TieredCompilation=0 dotnet $work/jit/InferenceAot.dll"
)
variants=(aot aot-v3 jit jit-tc0)
for variant in "${variants[@]}"; do : > "$work/$variant.loop"; : > "$work/$variant.process"; done
for run in $(seq "$runs"); do
  for variant in "${variants[@]}"; do   # interleaved, so load changes hit every variant alike
    start=$(date +%s.%N)
    output=$(${command[$variant]} "$weights" "${images[@]}" --count "$count")
    end=$(date +%s.%N)
    echo "$output" | sed -n 's/^classified [0-9]* images in \([0-9.]*\) ms.*/\1/p' >> "$work/$variant.loop"
    awk -v s="$start" -v e="$end" 'BEGIN { print (e - s) * 1000 }' >> "$work/$variant.process"
    [ "$run" -eq 1 ] && echo "$variant: $(echo "$output" | head -1)"
  done
done

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
jit_loop=$(median "$work/jit.loop"); jit_process=$(median "$work/jit.process")
echo
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); load: $(cut -d' ' -f1-3 /proc/loadavg); $count images, median of $runs runs"
printf '%-8s %14s %10s %16s %10s\n' variant "loop ms" "/ JIT" "process ms" "/ JIT"
for variant in "${variants[@]}"; do
  loop=$(median "$work/$variant.loop"); process=$(median "$work/$variant.process")
  printf '%-8s %14.1f %10.2f %16.1f %10.2f\n' "$variant" "$loop" "$(awk -v a="$loop" -v b="$jit_loop" 'BEGIN { print a / b }')" "$process" "$(awk -v a="$process" -v b="$jit_process" 'BEGIN { print a / b }')"
done
