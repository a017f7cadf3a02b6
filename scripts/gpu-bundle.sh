#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that has no npm and no network into .gpu/
# (git-ignored): Node (xz), onnxruntime-node's Linux x64 binaries with onnxruntime-common, and the
# Vulkan loader and GLVND libraries from Debian (NVIDIA's Vulkan driver needs them). About 42 MB.
# Run it here after `bash scripts/dev.sh setup`; there, from the repository root:
#
#   for f in .gpu/debs/*.deb; do dpkg -x $f /; done; ldconfig
#   mkdir -p /tmp/node && xz -dc .gpu/node.xz > /tmp/node/node && chmod +x /tmp/node/node && export PATH=/tmp/node:$PATH
#   mkdir -p packages/engine/node_modules && tar -xJf .gpu/ort.tar.xz -C packages/engine/node_modules
#   export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json   # where the driver's ICD file is
#   bash scripts/gpu-check.sh

set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu
rm -rf "$out" && mkdir -p "$out/debs"
node_bin=$(readlink -f "$(command -v node)")
xz -T0 -9 -c "$node_bin" > "$out/node.xz"
ort=$(cd packages/engine && node -e 'console.log(require("path").dirname(require.resolve("onnxruntime-node/package.json")))')
# onnxruntime-common sits beside it (pnpm's layout; its package.json is not exported to require.resolve).
common="$(dirname "$ort")/onnxruntime-common"
[ -f "$common/package.json" ] || { echo "onnxruntime-common not found beside $ort" >&2; exit 1; }
stage=$(mktemp -d)
mkdir -p "$stage/onnxruntime-node/bin/napi-v6/linux"
cp -r "$ort/package.json" "$ort/dist" "$ort/lib" "$stage/onnxruntime-node/"
cp -r "$ort/bin/napi-v6/linux/x64" "$stage/onnxruntime-node/bin/napi-v6/linux/"
cp -rL "$common" "$stage/onnxruntime-common"
tar -cJf "$out/ort.tar.xz" -C "$stage" .
rm -rf "$stage"
(cd "$out/debs" && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 2>/dev/null)
du -sh "$out"
