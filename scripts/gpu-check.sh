#!/usr/bin/env bash
# GPU checks, for a machine with a GPU (Vulkan driver for WebGPU; CUDA for the PyTorch reference):
#   1. every parity case (architecture x task head) forward and backward on WebGPU against the recorded
#      PyTorch loss and gradients (bench/gpu-check.ts, the parity tests' tolerances);
#   2. the spirals demo trained on WebGPU;
#   3. the BERT training-step benchmark on WebGPU against PyTorch on CUDA, then on CPU against PyTorch on CPU;
#   4. a profiled WebGPU run of that step: time per operator on the host and per kernel on the GPU.
# Needs node >= 22.12 and the engine's dependencies (bash scripts/dev.sh setup, or on a machine without npm
# the bundle scripts/gpu-bundle.sh makes). TUNEQL_TORCH_PYTHON names the python that has torch (default
# python3); TUNEQL_GPU_STEP_TIMEOUT bounds each step (seconds, default 600).
# Exits 1 when a check fails or a step times out; the benchmarks only print.
#
#   bash scripts/gpu-check.sh

set -uo pipefail
cd "$(dirname "$0")/.."
python=${TUNEQL_TORCH_PYTHON:-python3}
status=0
step() {
  printf '\n\033[1m[gpu-check]\033[0m %s\n' "$*"
  timeout "${TUNEQL_GPU_STEP_TIMEOUT:-600}" "$@" || status=1
}

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
step node packages/engine/bench/gpu-check.ts --provider webgpu
step node packages/engine/examples/spirals.ts --provider webgpu --epochs 40
torch_device=cpu
"$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null && torch_device=cuda
step node packages/engine/bench/train.bench.ts --provider webgpu --torch --python "$python" --torch-device "$torch_device"
step node packages/engine/bench/train.bench.ts --provider cpu --torch --python "$python"
step node packages/engine/bench/train.bench.ts --provider webgpu --steps 3 --warmup 2 --profile "${TMPDIR:-/tmp}/tuneql-gpu-profile"
exit $status
