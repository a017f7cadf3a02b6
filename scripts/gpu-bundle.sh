#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that has no npm and no network into .gpu/
# (git-ignored): Node (xz), the engine's npm dependencies (onnxruntime-node with only its Linux x64
# binaries, onnxruntime-common, zod, @huggingface/jinja), and the Vulkan loader and GLVND libraries from
# Debian (NVIDIA's Vulkan driver needs them). About 45 MB. Run it here after `bash scripts/dev.sh setup`;
# there, from the repository root, `bash scripts/gpu-bundle.sh unpack` puts them in place and prints the
# PATH to export; then `bash scripts/gpu-check.sh issue13`. In one command:
#
#   eval "$(bash scripts/gpu-bundle.sh unpack)" && bash scripts/gpu-check.sh issue13
#
# TUNEQL_GPU_NO_DEBS=1 skips the Debian packages when unpacking (a machine that has them, or a dry run here).

set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu

if [ "${1:-}" = unpack ]; then
  # Everything goes to stderr but the final export line, which the caller evaluates.
  if [ "${TUNEQL_GPU_NO_DEBS:-}" != 1 ]; then
    for f in "$out"/debs/*.deb; do dpkg -x "$f" / >&2; done
    ldconfig >&2
  fi
  mkdir -p /tmp/tuneql-node && xz -dc "$out/node.xz" >/tmp/tuneql-node/node && chmod +x /tmp/tuneql-node/node
  mkdir -p packages/engine/node_modules && tar -xJf "$out/modules.tar.xz" -C packages/engine/node_modules
  # NVIDIA's Vulkan driver: its ICD file is wherever the container runtime mounted the driver.
  icd=$(ls /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json 2>/dev/null | head -1 || true)
  echo "export PATH=/tmp/tuneql-node:\$PATH${icd:+ VK_DRIVER_FILES=$icd}"
  exit 0
fi

rm -rf "$out" && mkdir -p "$out/debs"
node_bin=$(readlink -f "$(command -v node)")
xz -T0 -6 -c "$node_bin" > "$out/node.xz"
stage=$(mktemp -d)
# Each dependency's real folder (pnpm links them), without their own dependencies: these have none but
# onnxruntime-node's onnxruntime-common, which sits beside it in pnpm's layout.
deps=$(cd packages/engine && node -e 'console.log(Object.keys(require("./package.json").dependencies).join("\n"))')
for dep in $deps; do
  dir=$(readlink -f "packages/engine/node_modules/$dep")
  mkdir -p "$stage/$(dirname "$dep")"
  if [ "$dep" = onnxruntime-node ]; then
    mkdir -p "$stage/$dep/bin/napi-v6/linux"
    cp -r "$dir/package.json" "$dir/dist" "$dir/lib" "$stage/$dep/"
    cp -r "$dir/bin/napi-v6/linux/x64" "$stage/$dep/bin/napi-v6/linux/"
    common="$(dirname "$dir")/onnxruntime-common"
    [ -f "$common/package.json" ] || { echo "onnxruntime-common not found beside $dir" >&2; exit 1; }
    cp -rL "$common" "$stage/onnxruntime-common"
  else
    cp -rL "$dir" "$stage/$dep"
  fi
done
tar -cJf "$out/modules.tar.xz" -C "$stage" .
rm -rf "$stage"
(cd "$out/debs" && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 2>/dev/null) ||
  echo "apt-get download failed: .gpu/debs lacks the Vulkan loader (a GPU machine that has it can unpack with TUNEQL_GPU_NO_DEBS=1)" >&2
du -sh "$out"
