#!/usr/bin/env bash
# The README's test command: installs the Debian packages the tests use when they are missing, then runs every
# test in the solution and prints one closing line over all test assemblies ("tests: N passed, N failed").
#   python3-onnx          the ONNX checker the export tests run
#   python3-torch         PyTorch, the reference the semantics tests compare against
#   openmpi-bin, libopenmpi-dev   the MPI backend's tests (mpirun, libmpi.so.40)
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter FullyQualifiedName~Onnx).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
/usr/bin/python3 -c "import onnx" >/dev/null 2>&1 || missing+=(python3-onnx)
/usr/bin/python3 -c "import torch" >/dev/null 2>&1 || missing+=(python3-torch)
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin libopenmpi-dev)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]} (Debian packages the tests use)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test DslNets.sln "$@" 2>&1 | tee "$log" || status=$?

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
echo "tests: ${passed} passed, ${failed} failed"
if [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
