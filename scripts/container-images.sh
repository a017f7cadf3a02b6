#!/usr/bin/env bash
# The container images TuneQL's cluster test runs (and any podman host can): podman and its helpers
# (installed with apt-get when missing and run as root), a Debian base image made locally with
# debootstrap when no registry has one, then the images, each rebuilt only as far as its inputs changed:
#   localhost/tuneql             docker/Dockerfile: API, workers, console (the image compose runs)
#   localhost/tuneql-toolchain   its Node.js + pnpm stage (the s3rver stand-in reuses it)
#   localhost/tuneql-postgres    docker/test/postgres.Dockerfile: Debian's PostgreSQL, the official image's env
#   localhost/tuneql-s3rver      docker/test/s3rver.Dockerfile: s3rver, an S3-compatible test server
# Prints `export CONTAINERS_CONF=...` (eval it to use podman the same way). Fails, loudly, when something
# cannot be had: the cluster test never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[tuneql]\033[0m %s\n' "$*" >&2; }
fail() { log "container images: $*"; exit 1; }

BASE=docker.io/library/debian:bookworm-slim
CONF_DIR="${TUNEQL_CONTAINERS_DIR:-$PWD/.tuneql-test/containers}"

host_packages() {
  local missing=()
  # dnsname: containers on a podman network (CNI backend) find each other by name (postgres, objectstore).
  for p in podman runc debootstrap uidmap slirp4netns containernetworking-plugins golang-github-containernetworking-plugin-dnsname fuse-overlayfs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    fail "missing packages: ${missing[*]}; install them (apt-get install ${missing[*]}) and run as root"
  fi
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# crun/runc may not set RLIMIT_NPROC/NOFILE on this kind of machine, and crun refuses its hybrid cgroup
# layout: no default ulimits, and runc.
containers_conf() {
  mkdir -p "$CONF_DIR"
  printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' >"$CONF_DIR/containers.conf"
  export CONTAINERS_CONF="$CONF_DIR/containers.conf"
}

base_image() {
  podman image exists "$BASE" && return
  log "no $BASE here and no registry to pull it from: making it with debootstrap (about a minute)"
  local root
  root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" >/dev/null || { rm -rf "$root"; fail "debootstrap failed"; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$root"
}

# The machine's CA bundle, for builds behind a TLS-inspecting proxy (a build secret: not in any image).
CA_BUNDLE="${TUNEQL_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}"

build() {
  local tag=$1
  shift
  local start=$SECONDS secret=()
  [ -s "$CA_BUNDLE" ] && secret=(--secret "id=ca,src=$CA_BUNDLE")
  podman build --runtime runc --layers --format docker --quiet "${secret[@]}" -t "$tag" "$@" . >/dev/null || fail "podman build of $tag failed"
  log "$tag ready ($((SECONDS - start)) s)"
}

images() {
  build localhost/tuneql-toolchain -f docker/Dockerfile --target toolchain
  build localhost/tuneql -f docker/Dockerfile
  build localhost/tuneql-postgres -f docker/test/postgres.Dockerfile
  build localhost/tuneql-s3rver -f docker/test/s3rver.Dockerfile
}

host_packages
containers_conf
base_image
images
echo "export CONTAINERS_CONF=$CONTAINERS_CONF"
