#!/usr/bin/env bash
# One entry point for a fresh machine: installs what TuneQL needs (once), then runs a task.
#   bash scripts/dev.sh demo    the main job: the platform (API, worker, console) on its embedded defaults,
#                               fine-tuning the project's pre-trained model through the API; Ctrl-C stops it
#   bash scripts/dev.sh test    type-check, lint and the whole test suite (the cluster suite needs podman: installed as root)
#   bash scripts/dev.sh setup   only install
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_MAJOR=24
PNPM_VERSION=12.21.0
TOOLS="${TUNEQL_TOOLS:-$PWD/.tools}"

# Each line carries the seconds since the start, so a run's log shows where its time went.
log() { printf '\033[1m[tuneql %4ds]\033[0m %s\n' "$SECONDS" "$*" >&2; }

# System packages: chromium ships the SwiftShader Vulkan driver that runs the WebGPU provider on a
# CPU-only machine; libvulkan1 is the loader Dawn opens; python3-onnx is the ONNX checker the tests use.
system_packages() {
  local missing=()
  for p in chromium libvulkan1 python3-onnx; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "missing system packages: ${missing[*]} (install them with apt-get; tests that need them will fail)"
    return
  fi
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Node.js 24 (the suite needs it; TuneQL itself runs on >= 22.18, the first 22 that strips types
# without a flag) and the pinned pnpm, from the npm registry when the machine lacks them.
toolchain() {
  if [ -x "$TOOLS/bin/node" ]; then export PATH="$TOOLS/bin:$PATH"; fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt "$NODE_MAJOR" ] || ! pnpm --version 2>/dev/null | grep -qx "$PNPM_VERSION"; then
    log "installing Node.js $NODE_MAJOR and pnpm $PNPM_VERSION into $TOOLS"
    npm install --global --prefix "$TOOLS" --no-fund --no-audit --loglevel=error "node@$NODE_MAJOR" "pnpm@$PNPM_VERSION"
    export PATH="$TOOLS/bin:$PATH"
  fi
  log "node $(node --version), pnpm $(pnpm --version)"
}

dependencies() {
  # onnxruntime-node's install script would fetch CUDA binaries; pnpm-workspace.yaml denies it.
  ONNXRUNTIME_NODE_INSTALL=skip pnpm install --frozen-lockfile --reporter=append-only
}

# PostgreSQL for the suites that run on a real server: the one at TUNEQL_TEST_PG or 127.0.0.1:5432 when
# it answers, else a throwaway cluster in .tuneql-test/pg on a free port (installed from Debian if needed).
postgres() {
  local url="${TUNEQL_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
  if node -e "const s=require('net').connect({host:new URL(process.argv[1]).hostname,port:+new URL(process.argv[1]).port||5432});s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1))" "$url"; then
    export TUNEQL_TEST_PG="$url"
    log "PostgreSQL at ${url}"
    return
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$bin" ]; then
    [ "$(id -u)" -eq 0 ] || { log "no PostgreSQL reachable at $url and none installed: install Debian's postgresql or set TUNEQL_TEST_PG"; exit 1; }
    log "installing PostgreSQL"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  local dir="$PWD/.tuneql-test/pg" port=55432 run=(env)
  # initdb refuses to run as root; the cluster belongs to the postgres user Debian's package creates.
  if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir" && chmod 700 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir" "$(dirname "$dir")"
    "${run[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
  fi
  "${run[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1 ||
    "${run[@]}" "$bin/pg_ctl" -D "$dir" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" -l "$dir/log" -w start >/dev/null
  export TUNEQL_TEST_PG="postgres://postgres@127.0.0.1:$port/postgres"
  log "started a throwaway PostgreSQL cluster in $dir on port $port"
}

setup() {
  system_packages
  toolchain
  dependencies
}

# The container images of the multi-host suite (tests/cluster): podman, a local Debian base image and
# the images, built or brought up to date with the sources (cached layers make that quick). Fails when
# they cannot be had: that suite never skips.
containers() {
  log "container images"
  local exports
  exports=$(bash scripts/container-images.sh)
  eval "$exports"
  export TUNEQL_IMAGES_BUILT=1
}

# The console's production build (a static export the server serves at /), redone only when its
# sources changed since the last build (a hash of them is kept beside the build).
console() {
  local hash stamp=packages/web/out/.sources-sha256
  hash=$(find packages/web -path packages/web/node_modules -prune -o -path packages/web/out -prune -o -path packages/web/.next -prune \
    -o -type f -print | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    log "the console build is up to date"
    return
  fi
  log "building the console"
  pnpm --filter @tuneql/web build
  echo "$hash" >"$stamp"
}

case "${1:-}" in
  setup) setup ;;
  demo)
    setup
    console
    log "starting TuneQL (API, worker and console; embedded database in ${TUNEQL_DATA:-.tuneql}) and fine-tuning the demo model"
    TUNEQL_PLUGINS="${TUNEQL_PLUGINS:-./plugins/ia3/src/index.ts}" exec node packages/server/src/cli/main.ts serve --demo-run
    ;;
  test)
    setup
    postgres
    console
    containers
    log "type-check"
    pnpm typecheck
    log "lint"
    pnpm lint
    log "tests"
    pnpm test
    log "done"
    ;;
  *)
    echo "usage: bash scripts/dev.sh setup|demo|test" >&2
    exit 2
    ;;
esac
