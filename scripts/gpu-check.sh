#!/usr/bin/env bash
# GPU checks, for a machine with a GPU (Vulkan driver for WebGPU; CUDA for the PyTorch reference):
#   1. every parity case (architecture x task head) forward and backward on WebGPU against the recorded
#      PyTorch loss and gradients (bench/gpu-check.ts, the parity tests' tolerances);
#   2. the spirals demo trained on WebGPU;
#   3. the BERT training-step benchmark on WebGPU against PyTorch on CUDA, then on CPU against PyTorch on CPU;
#   4. a profiled WebGPU run of that step: time per operator on the host and per kernel on the GPU.
# `gpu-check.sh issue13` runs GPU issue 13's measurements instead (see issue13 below), in about 8 minutes on
# an H200, each result a JSON-lines file in $OUT (default .gpu-out).
# Needs node >= 22.12 and the engine's dependencies (bash scripts/dev.sh setup, or on a machine without npm
# the bundle scripts/gpu-bundle.sh makes). TUNEQL_TORCH_PYTHON names the python that has torch (default
# python3); TUNEQL_GPU_STEP_TIMEOUT bounds each step (seconds, default 600); TUNEQL_GPU_TINY=1 runs the
# issue13 list at toy sizes, to check the script itself on a CPU with SwiftShader.
# Exits 1 when a check fails or a step times out; the benchmarks only print.
#
#   bash scripts/gpu-check.sh [issue13]

set -uo pipefail
cd "$(dirname "$0")/.."
python=${TUNEQL_TORCH_PYTHON:-python3}
status=0
step() {
  printf '\n\033[1m[gpu-check]\033[0m %s\n' "$*"
  timeout "${TUNEQL_GPU_STEP_TIMEOUT:-600}" "$@" || status=1
}
torch_device=cpu
"$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null && torch_device=cuda

# GPU issue 13: placement, float16's loss curve against float32, BERT-base full fine-tuning in float32 and
# float16, Llama-1B LoRA, a profile.
# Each step writes $OUT/<name>.jsonl (the benchmark's JSON lines) and $OUT/<name>.log (its stderr and
# timing), so a step that fails or times out leaves the others' results.
issue13() {
  local out=${OUT:-.gpu-out} bench=packages/engine/bench/train.bench.ts size=() steps=(--steps 5 --warmup 2)
  mkdir -p "$out"
  [ "${TUNEQL_GPU_TINY:-}" = 1 ] && size=(--tiny) && steps=(--steps 2 --warmup 1)
  run() { # file name (.jsonl: JSON lines; .txt: text), timeout in seconds, command...
    local file=$1 limit=$2
    shift 2
    printf '\n\033[1m[gpu-check]\033[0m %s: %s\n' "$file" "$*"
    local t0=$SECONDS rc=0
    timeout "$limit" "$@" >"$out/$file" 2>"$out/${file%.*}.log" || rc=$?
    [ $rc = 0 ] || { status=1; echo "FAILED (exit $rc)" >>"$out/${file%.*}.log"; tail -5 "$out/${file%.*}.log"; }
    echo "[gpu-check] $file took $((SECONDS - t0)) s" | tee -a "$out/${file%.*}.log"
    cat "$out/$file"
  }
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
  local torch=(--torch --python "$python" --torch-device "$torch_device" --json)
  # Worst case 540 s in all; each figure is printed as it comes.
  run placement.jsonl 30 node packages/engine/bench/gpu-check.ts --provider webgpu --placement --json
  run fp16-curve.jsonl 60 node packages/engine/bench/gpu-check.ts --provider webgpu --fp16-curve --json
  run bert-base-fp32.jsonl 120 node $bench --provider webgpu --model bert-base --strategy full --precision fp32 "${size[@]}" "${steps[@]}" "${torch[@]}"
  run bert-base-fp16.jsonl 90 node $bench --provider webgpu --model bert-base --strategy full --precision fp16 "${size[@]}" "${steps[@]}" "${torch[@]}"
  run llama-1b-lora-fp32.jsonl 150 node $bench --provider webgpu --model llama-1b --strategy lora --precision fp32 "${size[@]}" --steps 3 --warmup 1 "${torch[@]}"
  run bert-base-profile.txt 60 node $bench --provider webgpu --model bert-base --strategy full "${size[@]}" --steps 3 --warmup 2 --profile "$out/profile"
  # The profile's summary is the text output; the raw traces are large.
  rm -rf "$out/profile"
}

if [ "${1:-}" = issue13 ]; then
  issue13
  exit $status
fi

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
step node packages/engine/bench/gpu-check.ts --provider webgpu
step node packages/engine/examples/spirals.ts --provider webgpu --epochs 40
step node packages/engine/bench/train.bench.ts --provider webgpu --torch --python "$python" --torch-device "$torch_device"
step node packages/engine/bench/train.bench.ts --provider cpu --torch --python "$python"
step node packages/engine/bench/train.bench.ts --provider webgpu --steps 3 --warmup 2 --profile "${TMPDIR:-/tmp}/tuneql-gpu-profile"
exit $status
